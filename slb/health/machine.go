package health

import "sipslb/slb/status"

// machine is the rise/fall dampening of one target, kept free of I/O and
// clocks so that every transition is table-tested.
type machine struct {
	state status.Health
	fails int // consecutive failed probes
	oks   int // consecutive good probes
}

// classify turns the status code of a matching final response into a result
// kind under check c.
func classify(code int, c *Check) ResultKind {
	if c.Accept.Has(code) {
		return ResultAccepted
	}
	if c.Method == MethodRegister && c.ChallengeHealthy && (code == 401 || code == 407) {
		return ResultAccepted
	}
	return ResultRejected
}

// failState is where a failure of kind k leads: a server that answers with a
// wrong code is Failing, one that does not answer is Down.
func failState(k ResultKind) status.Health {
	if k == ResultRejected {
		return status.Failing
	}
	return status.Down
}

// apply feeds one probe result to the machine and returns the new state.
// Unknown follows the first result at once; Up needs fall failures in a row to
// leave; Down and Failing need rise successes in a row to come back. Between
// Down and Failing there is no dampening: neither is eligible, only the show
// output differs, and it should say what the server does now.
func (m *machine) apply(k ResultKind, fall, rise int) status.Health {
	ok := k.OK()
	if ok {
		m.oks++
		m.fails = 0
	} else {
		m.fails++
		m.oks = 0
	}
	switch m.state {
	case status.Unknown:
		if ok {
			m.state = status.Up
		} else {
			m.state = failState(k)
		}
	case status.Up:
		if !ok && m.fails >= fall {
			m.state = failState(k)
		}
	case status.Down, status.Failing:
		if ok && m.oks >= rise {
			m.state = status.Up
		} else if !ok {
			m.state = failState(k)
		}
	}
	return m.state
}

// reset starts the machine over in state s with no history.
func (m *machine) reset(s status.Health) {
	*m = machine{state: s}
}
