//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// TestCoalesceRunsEquivalent builds RUNs that change shell state (cd,
// export, set -e, umask, functions, ||, ;) before and after coalesce-runs
// merges them: the image has the same files with fewer layers.
func TestCoalesceRunsEquivalent(t *testing.T) {
	env := requireEnv(t)
	original := `FROM debian:bookworm
WORKDIR /work
RUN mkdir -p sub && cd sub && echo in-sub > where
RUN pwd > cwd-after-cd
RUN export GREETING=hello
RUN echo "greeting=${GREETING:-unset}" > greeting
RUN umask 077
RUN touch default-mode
RUN set -e; false || true; echo ok > errexit
RUN test -f /nonexistent || echo absent > or-chain
RUN greet() { echo "hi $1" > "$1"; }; greet fn
RUN type greet > greet-type 2>&1 || echo "greet undefined" > greet-type
RUN echo one > a; echo two >> a
`
	res, err := optimizer.Optimize([]byte(original), optimizer.Options{Enable: []string{"coalesce-runs"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed() {
		t.Fatal("coalesce-runs changed nothing")
	}
	rewritten := string(res.Output)
	t.Logf("rewrite:\n%s", res.Diff())
	if n := strings.Count(rewritten, "\nRUN "); n >= strings.Count(original, "\nRUN ") {
		t.Fatalf("still %d RUNs", n)
	}
	before := build(t, harness.BuildOptions{Env: env, Dockerfile: original, NoCache: true})
	after := build(t, harness.BuildOptions{Env: env, Dockerfile: rewritten, NoCache: true})
	tb, ta := tree(t, before), tree(t, after)
	if d := oci.Diff(tb, ta, oci.DiffOptions{}); !d.Empty() {
		t.Fatalf("merging changed the image's files:\n%s", d.Format(40))
	}
	for p, want := range map[string]int64{
		"/work/cwd-after-cd": int64(len("/work\n")),
		"/work/greeting":     int64(len("greeting=unset\n")),
		"/work/errexit":      int64(len("ok\n")),
	} {
		if e, ok := ta.Get(p); !ok || e.Size != want {
			t.Errorf("%s: %v, want size %d", p, e, want)
		}
	}
	if e, ok := ta.Get("/work/default-mode"); !ok || e.Mode.Perm() != 0o644 {
		t.Errorf("/work/default-mode: %v, want mode 0644 (umask must not leak)", e)
	}
	t.Logf("layers: %d before, %d after", len(before.Image.Layers), len(after.Image.Layers))
	if len(after.Image.Layers) >= len(before.Image.Layers) {
		t.Errorf("no fewer layers: %d -> %d", len(before.Image.Layers), len(after.Image.Layers))
	}
}
