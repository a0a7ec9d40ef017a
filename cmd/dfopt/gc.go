package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// The garbage collector's default (GOGC=100) lets the heap grow to twice
// what is live before it collects. dfopt's live heap is small on most
// runs (a few MB: the documents of the files being processed, the build
// contexts read), so with the default it collects every few MB allocated:
// directory mode spent a fifth of its CPU time in the collector (35
// collections over the 300 corpus files, 9 with the tuning). The
// command lets the heap grow by a fixed headroom instead, as long as that
// is more than the default would: after each collection the percentage is
// set so that the next one comes at max(2 x live, live + gcHeadroom).
// Memory stays bounded: at most gcHeadroom more than with the default, and
// the same as with the default once the live heap passes gcHeadroom (large
// files). A GOGC set in the environment is kept as it is.
const gcHeadroom = 16 << 20

// percent is the GOGC in effect, changed only by the finalizer after the
// start.
var percent atomic.Int64

// tuning is set while the tuning is on.
var tuning atomic.Bool

// gcMu is held while the percentage is set after a collection, and while
// the collector is off for a heap reservation (hugepages.go), which the
// tuning must not turn back on.
var gcMu sync.Mutex

// tuneGC starts the tuning (in the command, and in the benchmarks that time
// it in process) and returns the function that stops it and puts back the
// percentage it found.
func tuneGC() (stop func()) {
	if _, set := os.LookupEnv("GOGC"); set || !tuning.CompareAndSwap(false, true) {
		return func() {}
	}
	// Until the first collection the goal is 4 MB x GOGC/100: 16 MB.
	percent.Store(int64(gcPercent(4 << 20)))
	old := debug.SetGCPercent(int(percent.Load()))
	arm()
	return func() {
		tuning.Store(false)
		debug.SetGCPercent(old)
	}
}

// gcSentinel is found unreachable by each collection; its finalizer then
// sets the percentage from the live heap, and makes the next sentinel.
// (It holds pointers: the runtime never packs such an object with others,
// as it does small objects without pointers, which would delay the
// finalizer.)
type gcSentinel struct{ _ [2]*byte }

func arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		gcMu.Lock()
		defer gcMu.Unlock()
		if !tuning.Load() {
			return
		}
		// The goal the collection set, live x (1 + percent/100), says
		// what it left live. (What is allocated by the time the
		// finalizer runs can be much more; runtime/metrics would say it
		// exactly, at a cost on every start of the program.)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live := ms.NextGC * 100 / uint64(100+percent.Load())
		percent.Store(int64(gcPercent(live)))
		debug.SetGCPercent(int(percent.Load()))
		arm()
	})
}

// gcPercent returns the GOGC that puts the next collection at
// max(2 x live, live + gcHeadroom).
func gcPercent(live uint64) int {
	if live < 1<<20 {
		live = 1 << 20
	}
	return max(100, int(gcHeadroom*100/live))
}
