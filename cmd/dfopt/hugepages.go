package main

import (
	"os"
	"strings"
)

// The heap of a run over many files, or over one large file, grows to tens
// of MB, and the kernel backs each 4 KB page of it on first touch with a
// page fault. Page faults are expensive on virtual machines (10-20 µs each
// on the 2-core machine dfopt is measured on), and they were a large part of
// directory mode: `dfopt -l DIR` over the 300 corpus files took ~7,000 faults
// for ~430 ms of CPU time, `--enable=none` ~5,000 for ~160 ms. Backed by
// transparent huge pages (2 MB each), the same heap takes a few dozen faults.
//
// Most Linux systems only give huge pages to memory that asks for them
// (/sys/kernel/mm/transparent_hugepage/enabled set to madvise), and the Go
// runtime does not ask. So, before such a run, dfopt makes the heap grow by
// the size the run will need in one step (one allocation, which maps the
// memory without touching it), advises the kernel to back that range with
// huge pages, and drops the allocation: the runtime then allocates from
// that range as the run goes, and the kernel backs it 2 MB at a time.
// Memory stays bounded by what the run touches (rounded to 2 MB).
// GODEBUG=disablethp=1, the Go runtime's own switch, turns this off.

// A run over several files reserves reserveDirectory bytes once it has
// scheduled reserveAfter files: the GC headroom the command leaves (gc.go)
// and the few MB live besides it. Not at once: the reservation costs a
// collection that a run over a few files does not otherwise make (4-5 ms
// and ~200 faults over 5 corpus files, where there is none to win), and
// the later it comes, the more of the heap is touched in small pages (over
// the 300 corpus files: reserving after the first file, 2,000 faults; after
// the 4th, 2,600; after the 8th, 3,100; none, 7,000).
const (
	reserveDirectory = gcHeadroom + 8<<20
	reserveAfter     = 8
)

// A run over one file of reserveLarge bytes or more reserves reservePerByte
// bytes per byte of it (the heap of the generated 50,000-RUN file, 4 MB,
// peaks near 120 MB), up to reserveMax.
const (
	reserveLarge   = 1 << 20
	reservePerByte = 32
	reserveMax     = 256 << 20
)

// fileReservation returns how much heap a run over one file of size bytes
// reserves (size -1: standard input, not known).
func fileReservation(size int64) int {
	if size < reserveLarge {
		return 0
	}
	return int(min(size*reservePerByte, reserveMax))
}

// thpDisabled reports whether a GODEBUG setting turns huge pages off for
// the heap (the runtime's disablethp; the last setting of it wins, as in
// the runtime).
func thpDisabled(godebug string) bool {
	disabled := false
	for _, kv := range strings.Split(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "disablethp="); ok {
			disabled = v == "1"
		}
	}
	return disabled
}

// reserveHeapFunc is reserveHeap, but for the tests that see when a run
// reserves.
var reserveHeapFunc = reserveHeap

// reserve reserves n bytes of heap in huge pages (see above), unless n is
// 0 or GODEBUG turns huge pages off.
func reserve(n int) {
	if n > 0 && !thpDisabled(os.Getenv("GODEBUG")) {
		gcMu.Lock() // gc.go: the tuning must not turn the collector on meanwhile
		defer gcMu.Unlock()
		reserveHeapFunc(n)
	}
}
