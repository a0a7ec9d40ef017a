package main

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestGCPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 1600},       // as for 1 MB: the next collection at 17 MB
		{1 << 20, 1600}, // 1 + 16 MB
		{4 << 20, 400},  // 4 + 16 MB
		{8 << 20, 200},  // 8 + 16 MB = 3 x 8
		{16 << 20, 100}, // from here on, the default: twice what is live
		{100 << 20, 100},
		{4 << 30, 100},
	} {
		if got := gcPercent(tc.live); got != tc.want {
			t.Errorf("gcPercent(%d MB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// gogc returns the GOGC in effect.
func gogc() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGC(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set")
	}
	before := gogc()
	stop := tuneGC()
	if got := gogc(); got != 400 {
		t.Errorf("GOGC after tuneGC = %d, want 400 (a 16 MB goal)", got)
	}
	if again := tuneGC(); gogc() != 400 {
		t.Error("a second tuneGC changes the percentage")
	} else {
		again()
	}
	stop()
	if got := gogc(); got != before {
		t.Errorf("GOGC after stop = %d, want %d", got, before)
	}
}
