package optimizer_test

import (
	"fmt"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/bench"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

// The benchmarks time Optimize on generated inputs (internal/bench, the
// same as scripts/bench.sh) of growing size: the time per op of 10x the
// input should be about 10x, not 100x.
//
//	go test -run '^$' -bench . -benchmem ./optimizer
//	go test -run '^$' -bench 'Runs/n=20000' -cpuprofile cpu.out ./optimizer

func BenchmarkParseRuns(b *testing.B) {
	for _, n := range []int{2500, 25000} {
		src := bench.Runs(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := dockerfile.Parse("Dockerfile", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOptimizeRuns(b *testing.B) {
	for _, n := range []int{2500, 5000, 20000} {
		src := bench.Runs(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := optimizer.Optimize(src, optimizer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOptimizeContinuations(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		src := bench.Continuations(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := optimizer.Optimize(src, optimizer.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPass times each pass alone on 2,500 RUNs, against the cost of
// no pass at all (parse, the fix loop, print).
func BenchmarkPass(b *testing.B) {
	src := bench.Runs(2500)
	names := []string{"none"}
	for _, p := range passes.All() {
		names = append(names, p.Name)
	}
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := optimizer.Optimize(src, optimizer.Options{Enable: []string{name}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPassRuns times the passes that ask about every RUN's stage
// (what ran before it, what reads its caches later) alone, on 2,000 and
// 20,000 RUNs: 10x the input should take about 10x the time.
func BenchmarkPassRuns(b *testing.B) {
	for _, name := range []string{"cache-cleanup", "coalesce-runs"} {
		for _, n := range []int{2000, 20000} {
			src := bench.Runs(n)
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				for b.Loop() {
					if _, err := optimizer.Optimize(src, optimizer.Options{Enable: []string{name}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCorpus optimizes every corpus file once per op, with no build
// context.
func BenchmarkCorpus(b *testing.B) {
	files := corpus(b)
	for b.Loop() {
		for _, f := range files {
			optimizer.Optimize(f.src, optimizer.Options{Filename: f.name})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(files)), "µs/file")
}
