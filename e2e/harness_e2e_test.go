//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
)

var (
	envOnce sync.Once
	env     *harness.Env
	envErr  error
)

// requireEnv returns the BuildKit environment and fails the test (it does
// not skip it) when the daemon is not there: the e2e tag asks for it.
func requireEnv(t *testing.T) *harness.Env {
	t.Helper()
	envOnce.Do(func() {
		env, envErr = harness.EnvFromEnviron()
		if envErr == nil {
			envErr = env.Check(context.Background())
		}
	})
	if envErr != nil {
		t.Fatalf("BuildKit is not reachable for the e2e tests: %v", envErr)
	}
	return env
}

func testContext(t *testing.T) context.Context {
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-30*time.Second))
		t.Cleanup(cancel)
	}
	return ctx
}

// build runs a build and fails the test on error.
func build(t *testing.T, opts harness.BuildOptions) *harness.Result {
	t.Helper()
	if opts.Env == nil {
		opts.Env = requireEnv(t)
	}
	if opts.OutDir == "" {
		opts.OutDir = t.TempDir()
	}
	res, err := harness.Build(testContext(t), opts)
	if err != nil {
		t.Fatalf("build failed: %v", err)
	}
	t.Cleanup(res.Cleanup)
	return res
}

// buildTrio builds the original, the rewrite and the original again, in
// that order (see harness.Trio), and fails the test on error.
func buildTrio(t *testing.T, original, rewrite harness.BuildOptions) *harness.Trio {
	t.Helper()
	for _, o := range []*harness.BuildOptions{&original, &rewrite} {
		if o.Env == nil {
			o.Env = requireEnv(t)
		}
		if o.OutDir == "" {
			o.OutDir = t.TempDir()
		}
	}
	tr, err := harness.BuildTrio(testContext(t), original, rewrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Cleanup)
	return tr
}

// trioDiff compares the files of the rewrite's image with the original's,
// leaving out the unstable paths (returned too; see harness.Trio.Unstable)
// and what opts.Ignore matches.
func trioDiff(t *testing.T, tr *harness.Trio, opts oci.DiffOptions) (*oci.TreeDiff, []string) {
	t.Helper()
	d, unstable, err := tr.Diff(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, unstable
}

func topLayer(t *testing.T, res *harness.Result) (*oci.LayerContents, oci.Layer) {
	t.Helper()
	lc, err := res.Image.TopLayer()
	if err != nil {
		t.Fatal(err)
	}
	return lc, res.Image.Layers[len(res.Image.Layers)-1]
}

func tree(t *testing.T, res *harness.Result) *oci.Tree {
	t.Helper()
	tr, err := res.Image.Tree()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// requireLines stops the test unless text holds each of the lines (given
// with their surrounding newlines).
func requireLines(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l) {
			t.Errorf("the rewrite has no %q", strings.TrimSpace(l))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

func mib(n int64) string { return fmt.Sprintf("%d bytes (%.2f MiB)", n, float64(n)/(1<<20)) }

// belowOnly drops dir itself from paths.
func belowOnly(paths []string, dir string) []string {
	var out []string
	for _, p := range paths {
		if p != dir {
			out = append(out, p)
		}
	}
	return out
}

func TestAptListsSmoke(t *testing.T) {
	requireEnv(t)
	const lists = "/var/lib/apt/lists"
	// The syntax line checks that the frontend does not try to pull a
	// frontend image (there is no registry here).
	plain := build(t, harness.BuildOptions{
		Dockerfile: "# syntax=docker/dockerfile:1\nFROM debian:bookworm\nRUN apt-get update\n",
		NoCache:    true,
	})
	cleaned := build(t, harness.BuildOptions{
		Dockerfile: "# syntax=docker/dockerfile:1\nFROM debian:bookworm\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
		NoCache:    true,
	})
	t.Logf("build times: apt-get update %s, apt-get update && rm lists %s", plain.Duration.Round(time.Millisecond), cleaned.Duration.Round(time.Millisecond))

	lc1, l1 := topLayer(t, plain)
	lc2, l2 := topLayer(t, cleaned)
	listBytes := lc1.SizeUnder(lists)
	t.Logf("RUN apt-get update: top layer %s compressed, %s uncompressed; %s under %s",
		mib(l1.Size), mib(l1.UncompressedSize), mib(listBytes), lists)
	t.Logf("RUN apt-get update && rm -rf lists: top layer %s compressed, %s uncompressed; %s under %s",
		mib(l2.Size), mib(l2.UncompressedSize), mib(lc2.SizeUnder(lists)), lists)
	t.Logf("top layer of the first build, paths under %s: %v", lists, lc1.PathsUnder(lists))

	if listBytes <= 5<<20 {
		t.Errorf("apt-get update left only %s under %s in its layer, want > 5 MiB", mib(listBytes), lists)
	}
	if left := belowOnly(lc2.PathsUnder(lists), lists); len(left) > 0 {
		t.Errorf("rm -rf %s/* left entries in the layer: %v", lists, left)
	}

	t1, t2 := tree(t, plain), tree(t, cleaned)
	if left := t2.PathsUnder(lists); len(left) > 0 {
		t.Errorf("final tree still has %v", left)
	}
	if d := oci.Diff(t1, t2, oci.DiffOptions{Ignore: oci.IgnorePaths(lists + "/")}); !d.Empty() {
		t.Errorf("trees differ outside %s: %s", lists, d)
	}
	if d := oci.Diff(t1, t2, oci.DiffOptions{}); d.Empty() {
		t.Errorf("trees are equal even with %s compared", lists)
	}
	if len(plain.Image.Layers) != 2 {
		t.Errorf("expected base + one layer, got %d layers", len(plain.Image.Layers))
	}
}

func TestBuildArgsTargetAndConfig(t *testing.T) {
	requireEnv(t)
	dockerfile := `FROM debian:bookworm AS first
ARG MSG=default
ENV GREETING=hi
WORKDIR /srv/app
RUN echo "$MSG" > msg
USER nobody
EXPOSE 8080/tcp
VOLUME /data
LABEL org.example.k=v
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --retries=2 CMD ["true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat msg"]

FROM first AS second
USER root
RUN echo second > /second
`
	res := build(t, harness.BuildOptions{
		Dockerfile: dockerfile,
		Target:     "first",
		BuildArgs:  map[string]string{"MSG": "from-build-arg"},
	})
	t.Logf("build time %s", res.Duration.Round(time.Millisecond))
	tr := tree(t, res)
	msg, ok := tr.Get("/srv/app/msg")
	if !ok || msg.Size != int64(len("from-build-arg\n")) {
		t.Errorf("/srv/app/msg = %v", msg)
	}
	if _, ok := tr.Get("/second"); ok {
		t.Error("target=first built the second stage")
	}
	c := res.Image.Config.Config
	checks := []struct {
		name      string
		got, want any
	}{
		{"User", c.User, "nobody"},
		{"WorkingDir", c.WorkingDir, "/srv/app"},
		{"Entrypoint", strings.Join(c.Entrypoint, " "), "/bin/sh -c"},
		{"Cmd", strings.Join(c.Cmd, " "), "cat msg"},
		{"StopSignal", c.StopSignal, "SIGINT"},
		{"Label", c.Labels["org.example.k"], "v"},
		{"ExposedPorts", len(c.ExposedPorts) == 1 && hasKey(c.ExposedPorts, "8080/tcp"), true},
		{"Volumes", hasKey(c.Volumes, "/data"), true},
		{"Env", strings.Contains(strings.Join(c.Env, "\n"), "GREETING=hi"), true},
		{"Healthcheck", c.Healthcheck != nil && c.Healthcheck.Interval == 30*time.Second && c.Healthcheck.Retries == 2 &&
			strings.Join(c.Healthcheck.Test, " ") == "CMD true", true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("config %s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
}

func hasKey(m map[string]struct{}, k string) bool { _, ok := m[k]; return ok }

func TestNpmInstallSmoke(t *testing.T) {
	e := requireEnv(t)
	start := time.Now()
	node, err := e.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node base %s (ready in %s)", node, time.Since(start).Round(time.Millisecond))

	res := build(t, harness.BuildOptions{
		Dockerfile: `FROM node:18-bookworm
WORKDIR /app
RUN npm install is-number@7.0.0 \
 && node -e "if (!require('is-number')(5)) process.exit(1)"
`,
		Contexts: e.AllContexts(node, harness.LayoutRef{}),
		NoCache:  true,
	})
	lc, l := topLayer(t, res)
	t.Logf("npm install: %s; top layer %s compressed, %s uncompressed; /root/.npm %s, /app/node_modules %s",
		res.Duration.Round(time.Millisecond), mib(l.Size), mib(l.UncompressedSize),
		mib(lc.SizeUnder("/root/.npm")), mib(lc.SizeUnder("/app/node_modules")))
	tr := tree(t, res)
	for _, p := range []string{"/app/node_modules/is-number/package.json", "/app/package.json"} {
		if _, ok := tr.Get(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
}

func TestPipWheelhouseSmoke(t *testing.T) {
	e := requireEnv(t)
	start := time.Now()
	py, err := e.PythonBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("python base %s (ready in %s)", py, time.Since(start).Round(time.Millisecond))

	res := build(t, harness.BuildOptions{
		Dockerfile: `FROM python:3.11-bookworm
RUN pip install dfopt-greeter \
 && python3 -c "import dfopt_greeter; assert dfopt_greeter.greet('x') == 'hello, x'"
RUN python3 -m venv /venv && /venv/bin/pip install dfopt-hello && /venv/bin/python -c "import dfopt_hello"
`,
		Contexts: e.AllContexts(harness.LayoutRef{}, py),
		NoCache:  true,
	})
	t.Logf("pip install: %s", res.Duration.Round(time.Millisecond))
	tr := tree(t, res)
	for _, p := range []string{
		"/usr/local/lib/python3.11/dist-packages/dfopt_greeter/__init__.py",
		"/usr/local/lib/python3.11/dist-packages/dfopt_hello/__init__.py",
		"/venv/lib/python3.11/site-packages/dfopt_hello/__init__.py",
	} {
		if _, ok := tr.Get(p); !ok {
			t.Errorf("%s missing", p)
		}
	}
	t.Logf("/root/.cache/pip in the final tree: %s", mib(tr.SizeUnder("/root/.cache/pip")))
}
