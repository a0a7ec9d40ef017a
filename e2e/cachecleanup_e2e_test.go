//go:build e2e

package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// rewrite runs dfopt on a Dockerfile and fails the test when it changes
// nothing.
func rewrite(t *testing.T, src string, opts optimizer.Options) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), opts)
	if err != nil {
		t.Fatalf("dfopt: %v", err)
	}
	if !res.Changed() {
		t.Fatalf("dfopt changed nothing in:\n%s", src)
	}
	t.Logf("dfopt's rewrite:\n%s", res.Diff())
	return string(res.Output)
}

// addedBytes sums the layers above the base image.
func addedBytes(res *harness.Result, baseLayers int) (compressed, uncompressed int64) {
	for _, l := range res.Image.Layers[baseLayers:] {
		compressed += l.Size
		uncompressed += l.UncompressedSize
	}
	return
}

type equivalence struct {
	before, after        *harness.Result
	beforeC, beforeU     int64
	afterC, afterU       int64
	unstable             []string
	removedCachePaths    int
	beforeBuild, afterBd time.Duration
}

// checkEquivalent builds a Dockerfile and its rewrite with the cache off and
// requires the same final file tree apart from the cache directories the
// rewrite claims to remove (and log directories the tools write a new file
// into on every run). Paths whose content differs between two builds
// of the original itself (logs with timestamps, ...) are measured, not
// guessed: the original is built before and after the rewrite, and what
// differs between those two is left out of the comparison, and reported.
func checkEquivalent(t *testing.T, name, original, rewritten string, base harness.LayoutRef, opts harness.BuildOptions, caches []string, logs ...string) equivalence {
	t.Helper()
	opts.NoCache = true
	o1, o2 := opts, opts
	o1.Dockerfile, o2.Dockerfile = original, rewritten
	trio := buildTrio(t, o1, o2)
	before, after := trio.Before, trio.After
	tb, ta := tree(t, before), tree(t, after)

	isCache := oci.IgnorePaths(append(append([]string(nil), caches...), logs...)...)
	d, unstable := trioDiff(t, trio, oci.DiffOptions{Ignore: isCache})
	if !d.Empty() {
		t.Fatalf("%s: the rewrite changed the image's files outside %v:\n%s", name, caches, d.Format(40))
	}
	// The rewritten image holds none of the caches.
	var left []string
	removed := 0
	for _, c := range caches {
		dir := strings.TrimSuffix(c, "/")
		for _, p := range ta.PathsUnder(dir) {
			if p != dir {
				left = append(left, p)
			}
		}
		removed += len(tb.PathsUnder(dir))
	}
	if len(left) > 0 {
		t.Errorf("%s: caches still in the rewritten image: %v", name, head(left, 10))
	}
	if removed == 0 {
		t.Errorf("%s: the original image has nothing under %v: the test shows nothing", name, caches)
	}
	baseImg, err := oci.Open(base.Dir)
	if err != nil {
		t.Fatal(err)
	}
	baseLayers := len(baseImg.Layers)
	e := equivalence{before: before, after: after, unstable: unstable, removedCachePaths: removed,
		beforeBuild: before.Duration, afterBd: after.Duration}
	e.beforeC, e.beforeU = addedBytes(before, baseLayers)
	e.afterC, e.afterU = addedBytes(after, baseLayers)
	t.Logf("%s: bytes above the base, uncompressed: before %s, after %s, saved %s (%.1f%%)",
		name, mib(e.beforeU), mib(e.afterU), mib(e.beforeU-e.afterU), 100*float64(e.beforeU-e.afterU)/float64(e.beforeU))
	t.Logf("%s: compressed: before %s, after %s; layers %d -> %d; build %s -> %s; left out as unstable: %v",
		name, mib(e.beforeC), mib(e.afterC), len(before.Image.Layers), len(after.Image.Layers),
		e.beforeBuild.Round(time.Millisecond), e.afterBd.Round(time.Millisecond), unstable)
	if e.afterU >= e.beforeU {
		t.Errorf("%s: the rewrite is not smaller: %d >= %d bytes", name, e.afterU, e.beforeU)
	}
	return e
}

func head(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... %d more", len(s)-n))
	}
	return s
}

func buildOK(t *testing.T, opts harness.BuildOptions) *harness.Result {
	t.Helper()
	return build(t, opts)
}

func TestCacheCleanupApt(t *testing.T) {
	env := requireEnv(t)
	original := `FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y --no-install-recommends jq
`
	rewritten := rewrite(t, original, optimizer.Options{})
	if !strings.Contains(rewritten, "rm -rf /var/lib/apt/lists/*") {
		t.Fatalf("no apt cleanup in the rewrite:\n%s", rewritten)
	}
	checkEquivalent(t, "apt", original, rewritten, env.Base, harness.BuildOptions{Env: env}, []string{"/var/lib/apt/lists/"})
}

func TestCacheCleanupNpm(t *testing.T) {
	env := requireEnv(t)
	node, err := env.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "package.json"),
		`{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"lodash": "4.17.21", "is-number": "7.0.0"}}`)
	original := `FROM node:18
WORKDIR /app
COPY package.json ./
RUN npm install
`
	rewritten := rewrite(t, original, optimizer.Options{})
	if !strings.Contains(rewritten, "rm -rf /root/.npm/_cacache") {
		t.Fatalf("no npm cleanup in the rewrite:\n%s", rewritten)
	}
	checkEquivalent(t, "npm", original, rewritten, node,
		harness.BuildOptions{Env: env, ContextDir: ctxDir, Contexts: env.AllContexts(node, harness.LayoutRef{})},
		[]string{"/root/.npm/_cacache"}, "/root/.npm/_logs/")
}

// TestCacheCleanupPip installs from a package index served by the test on
// the loopback interface (builds use the host network; PyPI itself is not
// reachable here), so pip downloads over HTTP and caches what it downloads.
func TestCacheCleanupPip(t *testing.T) {
	env := requireEnv(t)
	python, err := env.PythonBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	// A wheel of about 4 MB of incompressible data.
	noise := make([]byte, 2<<20)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	w := harness.Wheel{Name: "dfopt-big", Version: "1.0.0", Files: map[string]string{
		"dfopt_big/__init__.py": "VERSION = '1.0.0'\n",
		"dfopt_big/data.txt":    hex.EncodeToString(noise),
	}}
	whl, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/simple/dfopt-big/", func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(rw, `<!DOCTYPE html><html><body><a href="/files/%s">%s</a></body></html>`, w.FileName(), w.FileName())
	})
	mux.HandleFunc("/files/"+w.FileName(), func(rw http.ResponseWriter, r *http.Request) {
		// Served like a package index serves files, cacheable for a year:
		// pip keeps such downloads in its HTTP cache.
		rw.Header().Set("Content-Type", "application/octet-stream")
		rw.Header().Set("Cache-Control", "max-age=31536000, public")
		rw.Header().Set("ETag", `"dfopt-big-1.0.0"`)
		rw.Write(whl)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	index := "http://" + ln.Addr().String() + "/simple/"

	// PIP_CONFIG_FILE=/dev/null: the base's pip.conf points at its local
	// wheelhouse with no index; this build uses the test's index instead.
	// pip caches plain-HTTP downloads only from trusted hosts.
	original := fmt.Sprintf(`FROM python:3.11
RUN PIP_CONFIG_FILE=/dev/null pip3 install --break-system-packages --trusted-host 127.0.0.1 --index-url %s dfopt-big
`, index)
	rewritten := rewrite(t, original, optimizer.Options{})
	if !strings.Contains(rewritten, "--no-cache-dir") {
		t.Fatalf("no --no-cache-dir in the rewrite:\n%s", rewritten)
	}
	checkEquivalent(t, "pip", original, rewritten, python,
		harness.BuildOptions{Env: env, Contexts: env.AllContexts(harness.LayoutRef{}, python)},
		[]string{"/root/.cache"})
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheCleanupGoCache builds a Go program with the build cache moved
// by the RUN itself (GOCACHE=/tmp/gocache go build) to a path named with a
// build argument, which a stage built on it then copies (COPY --from=build
// /src/app-$TARGETARCH): the rewrite removes /tmp/gocache, the COPY still
// finds the program (what it may take lies below /src), the program runs,
// and the images differ only by the cache.
func TestCacheCleanupGoCache(t *testing.T) {
	env := requireEnv(t)
	golang, err := env.GoBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "main.go"), "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from app\") }\n")
	original := `FROM golang AS build
ARG TARGETARCH
WORKDIR /src
COPY main.go .
RUN GOCACHE=/tmp/gocache CGO_ENABLED=0 go build -o /src/app-$TARGETARCH main.go

FROM build
ARG TARGETARCH
COPY --from=build /src/app-$TARGETARCH /usr/local/bin/app
RUN app > /hello.txt
`
	rewritten := rewrite(t, original, optimizer.Options{Enable: []string{"cache-cleanup"}})
	if !strings.Contains(rewritten, "main.go && rm -rf /tmp/gocache\n") {
		t.Fatalf("no removal of the RUN's GOCACHE in the rewrite:\n%s", rewritten)
	}
	contexts := env.BaseContexts()
	for _, n := range harness.GoBaseNames {
		contexts[n] = golang
	}
	e := checkEquivalent(t, "go-gocache", original, rewritten, golang,
		harness.BuildOptions{Env: env, ContextDir: ctxDir, Contexts: contexts}, []string{"/tmp/gocache"})
	// checkEquivalent compared the files: /hello.txt is the same in both.
	want := sha256.Sum256([]byte("hello from app\n"))
	if f, ok := tree(t, e.after).Get("/hello.txt"); !ok || f.Digest != "sha256:"+hex.EncodeToString(want[:]) {
		t.Errorf("the program copied from /src/app-$TARGETARCH did not print its greeting: %+v", f)
	}
}
