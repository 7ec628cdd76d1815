package stats

import (
	"sync"
	"testing"
	"unsafe"

	"sipslb/slb/reason"
)

func TestAnswerAndClassNames(t *testing.T) {
	for a := range NumAnswers {
		if Answer(a).String() == "unknown" {
			t.Errorf("answer %d has no name", a)
		}
	}
	if Class(0).String() != "1xx" || Class(5).String() != "6xx" || Class(NumClasses).String() != "unknown" {
		t.Errorf("class names %q..%q", Class(0), Class(5))
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
				sh.FromServer(1)
				sh.FromServer(200) // out of range: other
				sh.Response(183)
				sh.Response(700) // ignored: not a status class
				sh.Drop(reason.Loop)
				sh.Answer(Answer483)
				sh.Dialog()
			}
		}()
	}
	wg.Wait()
	tot := p.Read()
	if tot.Requests[1] != 4000 || tot.Responses[0] != 4000 || tot.Drops[reason.Loop] != 4000 || tot.Answers[Answer483] != 4000 || tot.Dialogs != 4000 {
		t.Errorf("totals %v %v %v %v %v", tot.Requests[1], tot.Responses[0], tot.Drops[reason.Loop], tot.Answers[Answer483], tot.Dialogs)
	}
	if tot.FromServers[1] != 4000 || tot.FromServers[0] != 4000 {
		t.Errorf("from servers: %d INVITE, %d other; want 4000 each", tot.FromServers[1], tot.FromServers[0])
	}
	var other uint64
	for _, n := range tot.Responses[1:] {
		other += n
	}
	if other != 0 {
		t.Errorf("status 700 counted in a class")
	}
}
