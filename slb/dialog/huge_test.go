package dialog

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugeSlots gives n zeroed, writable slots, and where the kernel gives
// transparent huge pages on request only (THP "madvise", the Debian
// default) the table's memory is backed by them once touched.
func TestHugeSlots(t *testing.T) {
	const n = 400_000 // 9.6 MB: four whole huge pages at least
	s := hugeSlots(n)
	if len(s) != n {
		t.Fatalf("len %d, want %d", len(s), n)
	}
	for i := range s {
		if s[i] != (slot{}) {
			t.Fatalf("slot %d not zero: %+v", i, s[i])
		}
		s[i].key = uint64(i) // touch every page
	}
	if s[n-1].key != n-1 || len(hugeSlots(0)) != 0 {
		t.Fatal("slots not writable, or hugeSlots(0) not empty")
	}
	// With THP "madvise" the huge pages are hugeSlots' doing; with
	// "always" the kernel gives them anyway and they must be there too;
	// with "never" (or no THP) none can be, and the table must still work,
	// which the checks above showed.
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || bytes.Contains(mode, []byte("[never]")) {
		t.Logf("THP off (%q): the slots are on normal pages", strings.TrimSpace(string(mode)))
		return
	}
	kb, err := anonHugeKB(uintptr(unsafe.Pointer(&s[n/2])))
	if err != nil {
		t.Fatal(err)
	}
	if kb < 2048 {
		t.Errorf("THP %q: mapping of the slots has %d kB in huge pages, want at least one 2048 kB page",
			strings.TrimSpace(string(mode)), kb)
	}
}

// anonHugeKB reads AnonHugePages of the mapping of /proc/self/smaps that
// holds addr.
func anonHugeKB(addr uintptr) (int, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= a && uint64(addr) < b
				continue
			}
		}
		if in && fields[0] == "AnonHugePages:" && len(fields) >= 2 {
			return strconv.Atoi(fields[1])
		}
	}
	return 0, fmt.Errorf("no mapping holds %#x in /proc/self/smaps", addr)
}

// hugeSlots returns memory the kernel has already backed, every page of
// it (mincore), so that no Put in the data path takes the page fault (and
// possibly the compaction for a huge page) of a first touch.
func TestHugeSlotsArePrefaulted(t *testing.T) {
	const n = 1_000_000 // 24 MB: fresh memory from the OS, not reused heap
	s := hugeSlots(n)
	start := uintptr(unsafe.Pointer(&s[0]))
	end := start + n*unsafe.Sizeof(slot{})
	page := uintptr(os.Getpagesize())
	lo, hi := start&^(page-1), (end+page-1)&^(page-1)
	vec := make([]byte, (hi-lo)/page)
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal("mincore:", e)
	}
	missing := 0
	for _, v := range vec {
		if v&1 == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d pages of the slots are not resident after hugeSlots", missing, len(vec))
	}
	runtime.KeepAlive(s)
}
