package commands

import (
	"time"

	"sipslb/slb/config"
	"sipslb/slb/throttle"
)

// Slow work (a bcrypt hash takes tens of milliseconds, an enable throttle
// may wait seconds) must not hold the interpreter lock: every session, the
// daemon's liveness check and startup-config share it. A handler asks for
// such work with call.slow; Exec runs it unlocked and runs the line again.

// maxSlowRounds bounds how often one line may ask for slow work (a line
// asks again only when another session changed what it depends on).
const maxSlowRounds = 3

// errSlow is a handler's request to run work outside the lock.
type errSlow struct {
	key string // what the work depends on; the rerun must ask for the same
	run func() any
}

func (*errSlow) Error() string { return "slow work pending" }

// slowDone is the result of a line's slow work.
type slowDone struct {
	key    string
	result any
}

// slow returns run's result: at once when the line runs inline (replay),
// from the unlocked run when its key matches, else it asks Exec for it.
// run must not touch the interpreter's state except through its own
// synchronisation (the throttle, hashSem).
func (c *call) slow(key string, run func() any) (any, error) {
	switch {
	case c.done != nil && c.done.key == key:
		return c.done.result, nil
	case c.inline:
		return run(), nil
	}
	return nil, &errSlow{key: key, run: run}
}

// hashed is the result of hashing a secret.
type hashed struct {
	hash string
	err  error
}

// hashSecret hashes a new password or enable secret, one at a time.
func (in *Interp) hashSecret(secret string) hashed {
	in.hashSem <- struct{}{}
	defer func() { <-in.hashSem }()
	h, err := config.HashSecret(secret)
	return hashed{h, err}
}

// enableVerdict is the result of checking an enable secret.
type enableVerdict struct {
	ok      bool
	refused bool          // throttled beyond its queue: not judged
	waited  time.Duration // throttle delay before judging
}

// enableSchedule throttles wrong enable secrets per user: the SSH login
// schedule, but at most 30 s of attempts queued, since a queued attempt
// holds its CLI session (and control-socket slot) while it waits.
var enableSchedule = func() throttle.Params {
	p := throttle.Default
	p.MaxQueue = 30 * time.Second
	return p
}()

// MaxEnableTries is how many wrong enable secrets one session may send;
// the last one closes it (IOS: "% Bad secrets").
const MaxEnableTries = 3

// checkEnable judges an enable secret for user against hash. Attempts are
// admitted by the per-user throttle one at a time (under hashSem), so a
// failure is counted before the next attempt is admitted and parallel
// sessions buy no extra guesses; the wait itself holds nothing.
func (in *Interp) checkEnable(user, hash, secret string) enableVerdict {
	in.hashSem <- struct{}{}
	v, d := in.enableThrottle.Admit(user)
	switch v {
	case throttle.Refused:
		<-in.hashSem
		return enableVerdict{refused: true}
	case throttle.After:
		<-in.hashSem
		time.Sleep(d)
		in.hashSem <- struct{}{}
	}
	defer func() { <-in.hashSem }()
	ok := config.MatchSecret(hash, secret)
	if !ok {
		in.enableThrottle.Fail(user)
	}
	return enableVerdict{ok: ok, waited: d}
}
