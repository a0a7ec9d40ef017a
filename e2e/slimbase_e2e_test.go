//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestSlimBase proves slim-base on a Python application on the full
// python base (the stand-in adds compilers, headers, git and curl to the
// slim one, as buildpack-deps does): its requirement (dfopt-greeter, from
// the base's wheelhouse) needs none of them, so the final stage moves to
// python:3.11-slim. dfopt verify builds both: the base changed on purpose,
// the image is smaller by what the full base adds (gcc went away), the
// program's files are there, and the program prints the same.
func TestSlimBase(t *testing.T) {
	e := requireEnv(t)
	bases, err := e.AllBases(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	original := `FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
CMD ["python3", "app.py"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	writeFile(t, filepath.Join(dir, "requirements.txt"), "dfopt-greeter>=0.2\n")
	writeFile(t, filepath.Join(dir, "app.py"), "import dfopt_greeter\nprint(dfopt_greeter.greet('world'))\n")
	opts := optimizer.Options{Enable: []string{"slim-base"}, ContextDir: dir, Filename: filepath.Join(dir, "Dockerfile")}
	rewritten := rewrite(t, original, opts)
	if !strings.HasPrefix(rewritten, "FROM python:3.11-slim\n") {
		t.Fatalf("not moved to the slim base:\n%s", rewritten)
	}

	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"slim-base"}},
		Smoke:      []string{"python3 app.py"},
		NoRebuild:  true,
		Contexts:   harness.NamedContexts(bases),
		Inspect: func(b *verify.Builds) error {
			// What went: gcc is in the full image only.
			before, after := tree(t, &harness.Result{Image: b.Before.Image}), tree(t, &harness.Result{Image: b.After.Image})
			if _, ok := before.Get("/usr/bin/gcc"); !ok {
				t.Errorf("the original has no gcc: the full base is not the full one")
			}
			if _, ok := after.Get("/usr/bin/gcc"); ok {
				t.Errorf("the rewrite has gcc")
			}
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if rep.BaseBefore != "python:3.11" || rep.BaseAfter != "python:3.11-slim" {
		t.Errorf("base %q => %q", rep.BaseBefore, rep.BaseAfter)
	}
	if len(rep.Smoke) != 1 || !rep.Smoke[0].Same || rep.Smoke[0].Before.Stdout != "hello, world\n" {
		t.Errorf("smoke: %+v", rep.Smoke)
	}
	b, a := rep.Before.AddedCompressedBytes, rep.After.AddedCompressedBytes
	t.Logf("compressed bytes above the layers both share: python:3.11 %s, python:3.11-slim %s", mib(b), mib(a))
	if a >= b || rep.Gone == nil || rep.Gone.Bytes < 50<<20 {
		t.Errorf("not smaller by what the full base adds: %d >= %d bytes, gone %+v", a, b, rep.Gone)
	}
	found := false
	for _, pf := range rep.ProgramFiles {
		found = found || pf.After == "/app/app.py"
	}
	if !found {
		t.Errorf("program files: %+v", rep.ProgramFiles)
	}
	requireLines(t, text, "\n  base: python:3.11 => python:3.11-slim (declared by slim-base)\n")
}
