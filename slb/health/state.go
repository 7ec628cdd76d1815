package health

import (
	"fmt"
	"net/netip"
	"time"

	"sipslb/slb/status"
)

// ResultKind classifies the outcome of one probe. Callers count by it.
type ResultKind uint8

const (
	// ResultNone: no probe has completed yet.
	ResultNone ResultKind = iota
	// ResultAccepted: a matching response whose code is accepted (or a
	// challenge to a REGISTER when ChallengeHealthy is set).
	ResultAccepted
	// ResultRejected: a matching response with any other final code.
	ResultRejected
	// ResultTimeout: no matching response within the timeout.
	ResultTimeout
	// ResultUnreachable: the kernel reported an ICMP unreachable for the
	// probe (ECONNREFUSED and friends on the connected socket).
	ResultUnreachable
	// ResultSendError: the probe could not be sent (dial, write or any other
	// socket error).
	ResultSendError
)

var resultNames = [...]string{"none", "accepted", "rejected", "timeout", "icmp-unreachable", "send-error"}

func (k ResultKind) String() string {
	if int(k) < len(resultNames) {
		return resultNames[k]
	}
	return fmt.Sprintf("ResultKind(%d)", k)
}

// OK reports whether the kind counts as a healthy probe.
func (k ResultKind) OK() bool { return k == ResultAccepted }

// Result is the outcome of one probe.
type Result struct {
	Kind ResultKind
	// Code is the status code of a response (Accepted, Rejected), else 0.
	Code int
	// RTT is the time from the send to the outcome.
	RTT time.Duration
}

// String is what show output prints: "code 200", "timeout", ...
func (r Result) String() string {
	if r.Kind == ResultAccepted || r.Kind == ResultRejected {
		return fmt.Sprintf("code %d", r.Code)
	}
	return r.Kind.String()
}

// Event reports one state transition.
type Event struct {
	Key      Key
	From, To status.Health
	Result   Result
	At       time.Time
}

// Status is a snapshot of one target.
type Status struct {
	Target     netip.AddrPort
	State      status.Health
	LastResult Result
	// LastError is the socket error behind a send-error or unreachable
	// result, so show output can say why; empty otherwise.
	LastError  string
	LastChange time.Time
	// Consecutive probe outcomes; one of the two is always zero.
	ConsecutiveFailures  int
	ConsecutiveSuccesses int
	// ProbesSent counts attempts, including those whose send failed;
	// ProbesOK + ProbesFailed equals it once no probe is in flight.
	ProbesSent, ProbesOK, ProbesFailed uint64
	// StaleResponses counts responses that did not match the probe in
	// flight: late answers, replays, answers to another balancer.
	StaleResponses uint64
	// BadResponses counts datagrams that are not SIP responses.
	BadResponses uint64
	// RTT counts the round-trip times of answered probes (accepted or
	// rejected): a timeout or a send error measured no round trip.
	RTT status.RTTHistogram
}
