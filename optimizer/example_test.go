package optimizer_test

import (
	"fmt"
	"os"
	"testing/fstest"

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

// With a build context, context-aware passes read it: here manifest-first
// copies package.json and the lock file before the sources, and dockerignore
// proposes leaving .git out of the context (a change to another file,
// written by the caller: dfopt -w).
func ExampleOptimize_context() {
	src := []byte(`FROM node:20
WORKDIR /app
COPY . .
RUN npm ci && npm run build
`)
	ctx := fstest.MapFS{
		"package.json":      {Data: []byte(`{"name": "web", "scripts": {"build": "node build.js"}}`)},
		"package-lock.json": {Data: []byte(`{}`)},
		"build.js":          {Data: []byte("// build\n")},
		".git/HEAD":         {Data: []byte("ref: refs/heads/main\n")},
	}
	res, err := optimizer.Optimize(src, optimizer.Options{
		Filename: "Dockerfile", Context: ctx,
		Enable: []string{"manifest-first", "dockerignore"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	os.Stdout.Write(res.Output)
	for _, fc := range res.Files {
		fmt.Printf("--- %s (new: %v)\n%s", fc.Path, !fc.Existed, fc.Output)
	}
	// Output:
	// FROM node:20
	// WORKDIR /app
	// COPY package.json package-lock.json ./
	// RUN npm ci
	// COPY . .
	// RUN npm run build
	// --- .dockerignore (new: true)
	// # added by dfopt: not needed by the build
	// .git
	// .dockerignore
}
