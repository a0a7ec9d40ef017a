package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The benchmarks time the command: in process over the corpus in one
// directory (directory mode), and as a process, start to exit, on one
// file (see also scripts/bench.sh).
//
//	go test -run '^$' -bench . ./cmd/dfopt

// BenchmarkDirectory runs dfopt -l on the corpus copied into one
// directory, which is every file's build context, with each number of
// workers, and the garbage collector set as the command sets it.
func BenchmarkDirectory(b *testing.B) {
	defer tuneGC()()
	dir := b.TempDir()
	n := len(copyCorpus(b, dir, 300))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"all-passes", []string{"-l", dir}},
		{"no-context-passes", []string{"-l", "--disable=dockerignore,manifest-first,split-copy,add-to-copy,copy-chown", dir}},
		// No pass: reading, parsing and checking each file, the floor
		// under the other two.
		{"parse-only", []string{"-l", "--enable=none", dir}},
	} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(tc.name+"/workers="+string(rune('0'+workers)), func(b *testing.B) {
				withPool(b, workers, func() {
					for b.Loop() {
						if code := run(tc.args, strings.NewReader(""), io.Discard, io.Discard); code == exitError {
							b.Fatalf("exit %d", code)
						}
					}
				})
				b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "files/s")
			})
		}
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// BenchmarkProcess runs the dfopt binary on one corpus file from standard
// input, process start to exit: what an editor pays on every save.
func BenchmarkProcess(b *testing.B) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dfopt-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "dfopt")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			b.Logf("%s", out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	src, err := os.ReadFile("../../testdata/corpus/012-postgres-15-bookworm.Dockerfile")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cmd := exec.Command(binPath, "-l", "-")
		cmd.Stdin = strings.NewReader(string(src))
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitChanged {
				b.Fatal(err)
			}
		}
	}
}
