package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileReservation(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want int
	}{
		{-1, 0},              // standard input
		{0, 0},               // empty
		{512 << 10, 0},       // an ordinary large Dockerfile
		{1<<20 - 1, 0},       // just under
		{1 << 20, 32 << 20},  // 32 bytes per byte
		{4 << 20, 128 << 20}, // the generated 50,000-RUN file
		{8 << 20, 256 << 20}, // the cap
		{1 << 30, 256 << 20},
	} {
		if got := fileReservation(tc.size); got != tc.want {
			t.Errorf("fileReservation(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}

func TestTHPDisabled(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                             false,
		"disablethp=1":                 true,
		"disablethp=0":                 false,
		"gctrace=1,disablethp=1":       true,
		"disablethp=1, madvdontneed=1": true,
		"disablethp=1,disablethp=0":    false, // the last one wins
		"xdisablethp=1":                false,
		"disablethp=10":                false,
	} {
		if got := thpDisabled(godebug); got != want {
			t.Errorf("thpDisabled(%q) = %v, want %v", godebug, got, want)
		}
	}
}

// TestRunReserves: a run over a directory reserves the heap once it has
// scheduled reserveAfter files, and only then; a run over one small file
// does not, one over a large file does, in proportion; GODEBUG=disablethp=1
// turns it off.
func TestRunReserves(t *testing.T) {
	var got []int
	old := reserveHeapFunc
	reserveHeapFunc = func(n int) (uintptr, uintptr) { got = append(got, n); return 0, 0 }
	t.Cleanup(func() { reserveHeapFunc = old })
	t.Setenv("GODEBUG", "")

	few, many := t.TempDir(), t.TempDir()
	copyCorpus(t, few, reserveAfter-1)
	copyCorpus(t, many, reserveAfter+3)
	large := filepath.Join(t.TempDir(), "Dockerfile")
	big := make([]byte, 0, 2<<20)
	big = append(big, "FROM alpine\n"...)
	for len(big) < 2<<20 {
		big = append(big, "RUN echo hello world\n"...)
	}
	if err := os.WriteFile(large, big, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want []int
	}{
		{"few files", []string{"-l", few}, nil},
		{"many files", []string{"-l", many}, []int{reserveDirectory}},
		{"one small file", []string{"-l", filepath.Join(many, firstFile(t, many))}, nil},
		{"one large file", []string{"-l", "--enable=none", large}, []int{fileReservation(int64(len(big)))}},
		{"standard input", []string{"-l"}, nil},
	} {
		got = nil
		runArgs(tc.args, mergeable)
		if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
			t.Errorf("%s: reserved %v, want %v", tc.name, got, tc.want)
		}
	}

	t.Setenv("GODEBUG", "disablethp=1")
	got = nil
	runArgs([]string{"-l", many}, "")
	if got != nil {
		t.Errorf("with GODEBUG=disablethp=1: reserved %v", got)
	}
}

func firstFile(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatal(err)
	}
	return entries[0].Name()
}
