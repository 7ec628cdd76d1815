package packetio

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"golang.org/x/net/bpf"
)

// maxTargets bounds the filter: jump offsets are 8 bits, and a few dozen
// VIPs is far beyond an appliance's needs.
const maxTargets = 100

// Filter returns the classic BPF program for frames to mac and one of the
// VIP:ports in targets (IPv4 only). Addresses and ports are matched as two
// sets, so a frame to a VIP on another VIP's port passes; the data path
// checks the exact pair and counts the miss. Later fragments to a VIP
// pass (they carry no port).
func Filter(mac [6]byte, targets []netip.AddrPort) ([]bpf.RawInstruction, error) {
	return build(mac, targets, ipDst, udpDst, netip.Addr{})
}

// SourceFilter returns the classic BPF program for frames to mac from one
// of the addresses and ports in sources (IPv4 only, matched as two sets as
// in Filter), except those to self (the appliance's own address: health
// check answers, which the kernel must deliver). Later fragments from a
// source address pass. The inline data path reads the real servers' SIP
// datagrams with it.
func SourceFilter(mac [6]byte, self netip.Addr, sources []netip.AddrPort) ([]bpf.RawInstruction, error) {
	if !self.Is4() {
		return nil, fmt.Errorf("own address %v: not IPv4", self)
	}
	return build(mac, sources, ipSrc, udpSrc, self)
}

// Offsets of the matched fields: IPv4 addresses in the frame, UDP ports in
// the UDP header.
const (
	ipSrc  = 14 + 12
	ipDst  = 14 + 16
	udpSrc = 0
	udpDst = 2
)

// build is Filter and SourceFilter: frames to mac, IPv4, UDP, with the
// address at ipOff and the port at portOff in one of the sets of targets;
// a valid notTo rejects frames whose destination it is.
func build(mac [6]byte, targets []netip.AddrPort, ipOff, portOff uint32, notTo netip.Addr) ([]bpf.RawInstruction, error) {
	var ips []uint32
	var ports []uint16
	for _, t := range targets {
		if !t.Addr().Is4() {
			return nil, fmt.Errorf("filter address %v: not IPv4", t)
		}
		a := t.Addr().As4()
		ips = append(ips, binary.BigEndian.Uint32(a[:]))
		ports = append(ports, t.Port())
	}
	slices.Sort(ips)
	ips = slices.Compact(ips)
	slices.Sort(ports)
	ports = slices.Compact(ports)
	if len(ips) > maxTargets || len(ports) > maxTargets {
		return nil, fmt.Errorf("%d VIPs, %d ports: at most %d each", len(ips), len(ports), maxTargets)
	}
	if len(ips) == 0 {
		return bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: 0}})
	}
	// Each block ends in a jump to accept or reject, counted from the
	// instruction after it; reject is the last instruction, accept the one
	// before, so offsets are computed from the end.
	var prog []bpf.Instruction
	// toEnd holds, for each instruction that must jump to accept (+0) or
	// reject (+1), its index and which one.
	type fix struct {
		at     int
		reject bool
		onTrue bool
	}
	var fixes []fix
	cond := func(ins bpf.JumpIf, reject bool, onTrue bool) {
		fixes = append(fixes, fix{len(prog), reject, onTrue})
		prog = append(prog, ins)
	}
	macHi := binary.BigEndian.Uint32(mac[:4])
	macLo := uint32(binary.BigEndian.Uint16(mac[4:]))
	prog = append(prog, bpf.LoadAbsolute{Off: 0, Size: 4})
	cond(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: macHi}, true, true)
	prog = append(prog, bpf.LoadAbsolute{Off: 4, Size: 2})
	cond(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: macLo}, true, true)
	prog = append(prog, bpf.LoadAbsolute{Off: 12, Size: 2})
	cond(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 0x0800}, true, true)
	prog = append(prog, bpf.LoadAbsolute{Off: 23, Size: 1})
	cond(bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 17}, true, true)
	if notTo.IsValid() {
		a := notTo.As4()
		prog = append(prog, bpf.LoadAbsolute{Off: ipDst, Size: 4})
		cond(bpf.JumpIf{Cond: bpf.JumpEqual, Val: binary.BigEndian.Uint32(a[:])}, true, true)
	}
	prog = append(prog, bpf.LoadAbsolute{Off: ipOff, Size: 4})
	// The IP set: equal → skip to the port block; after the last compare,
	// reject.
	ipStart := len(prog)
	for range ips {
		prog = append(prog, bpf.JumpIf{}) // filled below
	}
	prog = append(prog, bpf.Jump{}) // to reject, filled below
	portBlock := len(prog)
	for i, ip := range ips {
		prog[ipStart+i] = bpf.JumpIf{Cond: bpf.JumpEqual, Val: ip, SkipTrue: uint8(portBlock - (ipStart + i) - 1)}
	}
	prog = append(prog, bpf.LoadAbsolute{Off: 20, Size: 2})
	cond(bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff}, false, true) // non-first fragment: accept
	prog = append(prog, bpf.LoadMemShift{Off: 14})
	prog = append(prog, bpf.LoadIndirect{Off: 14 + portOff, Size: 2})
	for _, p := range ports {
		cond(bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(p)}, false, true)
	}
	prog = append(prog, bpf.Jump{}) // no port matched: reject
	accept := len(prog)
	prog = append(prog, bpf.RetConstant{Val: 0x40000})
	reject := len(prog)
	prog = append(prog, bpf.RetConstant{Val: 0})
	prog[portBlock-1] = bpf.Jump{Skip: uint32(reject - portBlock)}
	prog[accept-1] = bpf.Jump{Skip: uint32(reject - accept)}
	for _, f := range fixes {
		to := accept
		if f.reject {
			to = reject
		}
		off := to - f.at - 1
		if off > 255 {
			return nil, fmt.Errorf("filter too long")
		}
		j := prog[f.at].(bpf.JumpIf)
		if f.onTrue {
			j.SkipTrue = uint8(off)
		} else {
			j.SkipFalse = uint8(off)
		}
		prog[f.at] = j
	}
	return bpf.Assemble(prog)
}
