package dialog

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of an x86-64 transparent huge page.
const hugePage = 2 << 20

// hugeSlots returns n zeroed slots on the Go heap (so the garbage
// collector owns their lifetime as usual; slots hold no pointers and are
// never scanned) and asks the kernel to back the 2 MiB-aligned part of
// them with transparent huge pages (MADV_HUGEPAGE; best effort: without
// THP it changes nothing).
//
// Why: every Get and Put lands on a random slot of a table of tens of MB
// (32 MB at the default million entries), so with 4 KiB pages nearly every
// lookup is a TLB miss as well as a cache miss, and under virtualization a
// TLB miss walks two levels of page tables. Measured with bench/ab.sh at
// 2000 calls/s (docs/performance.md): about a tenth of the daemon's CPU.
// The call runs once per table, before its memory is touched, so the
// faults that first touch it take huge pages directly.
func hugeSlots(n int) []slot {
	s := make([]slot, n)
	if n == 0 {
		return s
	}
	start := uintptr(unsafe.Pointer(&s[0]))
	end := start + uintptr(n)*unsafe.Sizeof(slot{})
	lo := (start + hugePage - 1) &^ (hugePage - 1)
	hi := end &^ (hugePage - 1)
	if hi > lo {
		// The range is inside s, which stays referenced by the slice
		// returned; madvise only advises, it does not change contents.
		p := unsafe.Add(unsafe.Pointer(&s[0]), lo-start)
		unix.Madvise(unsafe.Slice((*byte)(p), hi-lo), unix.MADV_HUGEPAGE)
	}
	prefault(s)
	return s
}

// prefault writes one slot of every 4 KiB page of s, so that the kernel
// backs the whole table now, when it is made (boot, or a change of
// max-entries), and not in the data path. A large make comes straight
// from fresh memory the runtime does not touch, so without this the first
// Put into each page faults inside a worker's batch; with MADV_HUGEPAGE
// (and the kernel's default THP defrag "madvise") such a fault may compact
// memory to find 2 MiB: milliseconds. Measured on the 2-vCPU VM before
// this (bench/run.sh -c, a fresh daemon, 500 calls/s): the worker's p99.9
// from receive to send was 10 ms (docs/performance.md).
func prefault(s []slot) {
	step := max(int(4096/unsafe.Sizeof(slot{})), 1)
	for i := 0; i < len(s); i += step {
		s[i] = slot{}
	}
}
