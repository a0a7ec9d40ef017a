//go:build linux && (amd64 || arm64)

package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestReserveHeap: the reservation advises a range of the heap that holds
// its allocation, the kernel has marked it for huge pages (VmFlags hg in
// /proc/self/smaps), the allocation is freed by the next collection, and
// the GC percentage is what it was.
func TestReserveHeap(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skip("the kernel has no transparent huge pages:", err)
	}
	const n = 32 << 20
	before := gogc()
	start, end := reserveHeap(n)
	if start == 0 || end <= start || end-start < n-2*hugePage {
		t.Fatalf("advised [%#x, %#x), want about %d bytes", start, end, n)
	}
	if start%hugePage != 0 || end%hugePage != 0 {
		t.Errorf("advised [%#x, %#x): not aligned to huge pages", start, end)
	}
	if got := gogc(); got != before {
		t.Errorf("GOGC after reserveHeap = %d, want %d", got, before)
	}
	flags, err := vmFlags(start, end)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flags {
		if !strings.Contains(" "+f+" ", " hg ") {
			t.Errorf("a mapping of [%#x, %#x) is not advised for huge pages: VmFlags %s", start, end, f)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc >= n {
		t.Errorf("after a collection %d bytes are allocated: the reservation is still live", ms.HeapAlloc)
	}
	if s, e := reserveHeap(hugePage); s != 0 || e != 0 {
		t.Errorf("reserveHeap(2 MB) advised [%#x, %#x), want nothing", s, e)
	}
}

// vmFlags returns the VmFlags lines of the mappings that overlap [start,
// end), and an error if they do not cover it.
func vmFlags(start, end uintptr) ([]string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var flags []string
	covered := start
	overlaps := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line[:min(len(line), 40)], "-") && !strings.HasSuffix(strings.Fields(line)[0], ":") {
			overlaps = lo < end && hi > start
			if overlaps && lo <= covered && hi > covered {
				covered = hi
			}
			continue
		}
		if overlaps {
			if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
				flags = append(flags, strings.TrimSpace(v))
			}
		}
	}
	if covered < end {
		return nil, fmt.Errorf("the mappings cover [%#x, %#x) only up to %#x", start, end, covered)
	}
	return flags, sc.Err()
}
