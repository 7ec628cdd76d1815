package health

import (
	"net/netip"
	"testing"
	"time"

	"sipslb/slb/status"
)

func TestMachine(t *testing.T) {
	const (
		A = ResultAccepted
		R = ResultRejected
		T = ResultTimeout
		U = ResultUnreachable
		S = ResultSendError
	)
	tests := []struct {
		name       string
		fall, rise int
		start      status.Health
		results    []ResultKind
		states     []status.Health // state after each result
	}{
		{"first success decides up", 3, 2, status.Unknown, []ResultKind{A}, []status.Health{status.Up}},
		{"first timeout decides down", 3, 2, status.Unknown, []ResultKind{T}, []status.Health{status.Down}},
		{"first rejection decides failing", 3, 2, status.Unknown, []ResultKind{R}, []status.Health{status.Failing}},
		{"first icmp decides down", 3, 2, status.Unknown, []ResultKind{U}, []status.Health{status.Down}},
		{"send error is down", 1, 1, status.Up, []ResultKind{S}, []status.Health{status.Down}},
		{"up needs fall failures", 3, 2, status.Up, []ResultKind{T, T, T},
			[]status.Health{status.Up, status.Up, status.Down}},
		{"a success resets the fall count", 3, 2, status.Up, []ResultKind{T, T, A, T, T, T},
			[]status.Health{status.Up, status.Up, status.Up, status.Up, status.Up, status.Down}},
		{"last failure kind picks failing", 3, 2, status.Up, []ResultKind{T, T, R},
			[]status.Health{status.Up, status.Up, status.Failing}},
		{"down needs rise successes", 3, 2, status.Down, []ResultKind{A, A},
			[]status.Health{status.Down, status.Up}},
		{"a failure resets the rise count", 3, 3, status.Failing, []ResultKind{A, A, R, A, A, A},
			[]status.Health{status.Failing, status.Failing, status.Failing, status.Failing, status.Failing, status.Up}},
		{"down and failing follow what the server does", 3, 2, status.Down, []ResultKind{R, T, R},
			[]status.Health{status.Failing, status.Down, status.Failing}},
		{"alternation holds up with rise=fall=2", 2, 2, status.Up, []ResultKind{R, A, R, A, R, A},
			[]status.Health{status.Up, status.Up, status.Up, status.Up, status.Up, status.Up}},
		{"alternation holds failing with rise=fall=2", 2, 2, status.Failing, []ResultKind{A, R, A, R, A, R},
			[]status.Health{status.Failing, status.Failing, status.Failing, status.Failing, status.Failing, status.Failing}},
		{"fall=1 rise=1 follows every result", 1, 1, status.Up, []ResultKind{T, A, R, A},
			[]status.Health{status.Down, status.Up, status.Failing, status.Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machine{state: tt.start}
			for i, k := range tt.results {
				if got := m.apply(k, tt.fall, tt.rise); got != tt.states[i] {
					t.Fatalf("after result %d (%v): state %v, want %v", i, k, got, tt.states[i])
				}
				if (m.fails == 0) == (m.oks == 0) {
					t.Fatalf("after result %d: fails %d oks %d, want exactly one non-zero", i, m.fails, m.oks)
				}
			}
		})
	}
}

func TestClassify(t *testing.T) {
	opts := defaultCheck(netip.MustParseAddrPort("127.77.0.1:5060"))
	reg := opts
	reg.Method = MethodRegister
	strict := reg
	strict.ChallengeHealthy = false
	wide := opts
	wide.Accept, _ = ParseCodes("200-299,404")
	tests := []struct {
		name  string
		check Check
		code  int
		want  ResultKind
	}{
		{"options 200", opts, 200, ResultAccepted},
		{"options 503", opts, 503, ResultRejected},
		{"options 202 not in default set", opts, 202, ResultRejected},
		{"options 401 is no challenge pass", opts, 401, ResultRejected},
		{"register 401 challenge healthy", reg, 401, ResultAccepted},
		{"register 407 challenge healthy", reg, 407, ResultAccepted},
		{"register 403", reg, 403, ResultRejected},
		{"register 401 strict", strict, 401, ResultRejected},
		{"register 407 strict", strict, 407, ResultRejected},
		{"register 200 strict", strict, 200, ResultAccepted},
		{"range 250", wide, 250, ResultAccepted},
		{"range 404", wide, 404, ResultAccepted},
		{"range 405", wide, 405, ResultRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.code, &tt.check); got != tt.want {
				t.Fatalf("classify(%d) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestNextSlot(t *testing.T) {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return epoch.Add(time.Duration(n) * time.Millisecond) }
	const iv = 1000 * time.Millisecond
	tests := []struct {
		name      string
		now, last time.Time
		phase     time.Duration
		want      time.Time
	}{
		{"before the first slot", ms(10), time.Time{}, 300 * time.Millisecond, ms(300)},
		{"on the grid", ms(1250), ms(300), 300 * time.Millisecond, ms(1300)},
		{"just after a slot still takes it", ms(1303), ms(300), 300 * time.Millisecond, ms(1300)},
		{"a slot long past is not taken", ms(1310), ms(300), 300 * time.Millisecond, ms(2300)},
		{"the slot just probed is not taken again", ms(1301), ms(1300), 300 * time.Millisecond, ms(2300)},
		{"first probe at the epoch", ms(1), time.Time{}, 0, ms(0)},
		{"late probe keeps the grid", ms(2390), ms(2310), 300 * time.Millisecond, ms(3300)},
		{"moved phase too close to last is skipped", ms(1350), ms(1300), 400 * time.Millisecond, ms(2400)},
		{"moved phase far enough is kept", ms(1350), ms(1300), 900 * time.Millisecond, ms(1900)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextSlot(tt.now, epoch, tt.last, tt.phase, iv); !got.Equal(tt.want) {
				t.Fatalf("nextSlot = %v, want %v", got.Sub(epoch), tt.want.Sub(epoch))
			}
		})
	}
}
