package main

import "testing"

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
