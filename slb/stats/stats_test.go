package stats

import (
	"sync"
	"testing"
	"unsafe"
)

func TestNamesAreUniqueAndStable(t *testing.T) {
	seen := map[string]bool{}
	for r := range NumReasons {
		n := Reason(r).String()
		if n == "" || n == "unknown" || seen[n] {
			t.Errorf("reason %d has name %q (empty, unknown or duplicate)", r, n)
		}
		seen[n] = true
	}
	if Reason(NumReasons).String() != "unknown" {
		t.Error("out-of-range reason must read unknown")
	}
	for a := range NumAnswers {
		if Answer(a).String() == "unknown" {
			t.Errorf("answer %d has no name", a)
		}
	}
	if ClassName(0) != "1xx" || ClassName(5) != "6xx" {
		t.Errorf("class names %q..%q", ClassName(0), ClassName(5))
	}
}

func TestShardIsWholeCacheLines(t *testing.T) {
	if s := unsafe.Sizeof(Shard{}); s%64 != 0 {
		t.Errorf("Shard is %d bytes, not a multiple of 64: neighbouring workers would share a line", s)
	}
	if s := unsafe.Sizeof(Real{}); s != 64 {
		t.Errorf("Real is %d bytes, want one cache line", s)
	}
}

func TestPeakKeepsTheHighest(t *testing.T) {
	var p Peak
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				p.Note(w*1000 + i)
				p.Note(3) // a lower sample never lowers it
			}
		}()
	}
	wg.Wait()
	if p.Load() != 7999 {
		t.Errorf("peak %d, want 7999", p.Load())
	}
	if n := testing.AllocsPerRun(100, func() { p.Note(5); p.Load() }); n != 0 {
		t.Errorf("Note allocates %v", n)
	}
}

func TestReadSumsShards(t *testing.T) {
	p := NewPort(4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh := p.Shard(w)
			for range 1000 {
				sh.Request(1)
				sh.Response(183)
				sh.Response(700) // ignored: not a status class
				sh.Drop(ReasonLoop)
				sh.Answer(Answer483)
				sh.Dialog()
			}
		}()
	}
	wg.Wait()
	tot := p.Read()
	if tot.Requests[1] != 4000 || tot.Responses[0] != 4000 || tot.Drops[ReasonLoop] != 4000 || tot.Answers[Answer483] != 4000 || tot.Dialogs != 4000 {
		t.Errorf("totals %v %v %v %v %v", tot.Requests[1], tot.Responses[0], tot.Drops[ReasonLoop], tot.Answers[Answer483], tot.Dialogs)
	}
	var other uint64
	for _, n := range tot.Responses[1:] {
		other += n
	}
	if other != 0 {
		t.Errorf("status 700 counted in a class")
	}
}
