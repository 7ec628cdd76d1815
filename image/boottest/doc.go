// Command boottest boots the appliance image under qemu (TCG, no KVM) and
// checks it from the outside the way an operator would: through the serial
// console and through ports forwarded by qemu's user-mode network.
//
// Invariants:
//   - It runs only in a network namespace of its own that has nothing but
//     loopback (`unshare --net`), and refuses to run otherwise: the guest
//     can then reach nothing, and the fixed forwarded ports and the SIPp
//     servers' ports are private to this run. (qemu's restrict=on would do
//     the isolation too, but libslirp 4.7 then drops UDP replies.)
//   - Every wait is bounded; a failure names the step, what was expected,
//     and prints the last 50 console lines.
//   - A check whose feature has not been committed yet (SSH, SNMP) is
//     skipped with a loud SKIPPED line naming what is missing; once the
//     feature is in `git log`, it runs and must pass.
//   - qemu processes are children of this program and are killed by PID.
package main
