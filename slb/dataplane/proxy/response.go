package proxy

import (
	"net/netip"

	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// branchKey keys the MAC in every branch this process makes. It is drawn
// from crypto/rand when the process starts and shared by all workers, so
// a retransmission gets the same branch whichever worker reads it (RFC
// 3261 §16.11); responses to requests forwarded before a restart no longer
// verify (the client retransmits, and the new process forwards that).
var branchKey = sip.NewBranchKey()

// newBranch makes our branch for the request in f.msg, received on vp
// from src and going leg's way: bound to the VIP port and to where its
// responses will be relayed (the client Via as the rewrite leaves it).
func (f *Forwarder) newBranch(vp *pool.VPort, pkt []byte, src netip.AddrPort, leg sip.Leg) []byte {
	m := &f.msg
	hop := sip.Hop{Leg: leg, Ours: vp.Addr, Next: m.Via[0].ReplyTarget(src)}
	return sip.AppendBranch(f.branch[:0], pkt, m, &branchKey, hop)
}

// response relays a response to a request we forwarded, once its top Via
// has proved to be ours:
//   - the branch has our prefix and the sent-by is this VIP port
//     (else not-our-via);
//   - the branch verifies under this process's key for this VIP port and
//     the next hop the response names (else bad-branch-mac), so neither a
//     branch nor a next hop can be made up;
//   - a response to a client's request comes from a real server's IP, on
//     any port, as a server may answer from another socket (else
//     response-not-from-farm); a response to a server's request comes from
//     the client it was sent to, wherever that is.
//
// Only then is our Via popped and the response sent to the next Via.
func (f *Forwarder) response(st *pool.State, vp *pool.VPort, sh *stats.Shard, pkt []byte, src netip.AddrPort, now int64, out []byte) Result {
	m := &f.msg
	sh.Response(m.Status)
	top := &m.Via[0]
	branch := top.Branch.Bytes(pkt)
	if !sip.IsOurBranch(branch) || !top.SentBy(pkt, vp.ViaHost, int(vp.Addr.Port())) {
		return drop(sh, reason.NotOurVia)
	}
	to, ok := m.NextHop(pkt)
	if !ok {
		return drop(sh, reason.NoNextHop)
	}
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	leg, ok := sip.VerifyBranch(branch, &branchKey, vp.Addr, to)
	if !ok {
		return drop(sh, reason.BadBranchMAC)
	}
	if _, real := st.RealIPs[src.Addr().Unmap()]; leg == sip.LegToFarm && !real {
		return drop(sh, reason.ResponseNotFromFarm)
	}
	if r := st.Destination(vp, to); r != reason.OK {
		return drop(sh, r)
	}
	o, r := sip.AppendForwardResponse(out[:0], pkt, m)
	if r != reason.OK {
		return drop(sh, r)
	}
	if s := st.ByAddr[src]; s != nil {
		s.Stats.Responses.Add(1)
	}
	if m.CSeqMethod == sip.MethodInvite && m.Status >= 300 {
		// A failed INVITE leaves no dialog: keep the entry only for the
		// ACK and retransmissions.
		st.Shorten(vp, f.key, now)
	}
	return Result{Verdict: Forwarded, Out: o, To: to}
}
