package optimizer_test

import (
	"fmt"
	"os"

	"github.com/dfopt/dfopt/optimizer"
)

func ExampleOptimize() {
	src := []byte(`FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y curl
`)
	res, err := optimizer.Optimize(src, optimizer.Options{Filename: "Dockerfile"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // e.g. Dockerfile:3: unterminated heredoc
		return
	}
	os.Stdout.Write(res.Output)
	for _, f := range res.Findings {
		fmt.Println(f)
	}
	// Output:
	// FROM debian:bookworm
	// RUN apt-get update && \
	//     apt-get install -y curl && \
	//     rm -rf /var/lib/apt/lists/*
	// 1: root-user: the final stage runs as root (no USER): add a non-root USER, or drop privileges in the entrypoint
	// 2: coalesce-runs: 2 consecutive RUN instructions can be combined into one
	// 2: cache-cleanup: apt-get update leaves its package lists (about 20 MB) in the layer
}
