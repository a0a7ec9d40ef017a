//go:build e2e

package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/shellparse"
)

// effectiveArgv is the program and arguments a container ends up running:
// Entrypoint + Cmd, without a leading init ("tini --"), and through a
// "/bin/sh -c" whose script is one literal command (with or without exec).
func effectiveArgv(t *testing.T, entrypoint, cmd []string) []string {
	t.Helper()
	argv := append(append([]string(nil), entrypoint...), cmd...)
	if len(argv) >= 2 && (filepath.Base(argv[0]) == "tini" || filepath.Base(argv[0]) == "dumb-init") && argv[1] == "--" {
		argv = argv[2:]
	}
	if len(argv) == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" {
		prog, err := shellparse.Parse(argv[2])
		if err != nil {
			t.Fatalf("cannot parse %q: %v", argv[2], err)
		}
		cmds := shellparse.Commands(prog)
		if len(cmds) != 1 {
			t.Fatalf("%q is not one command", argv[2])
		}
		words := []string{cmds[0].Name}
		words = append(words, cmds[0].Lits...)
		argv = words
	}
	return argv
}

func TestTiniAndExecFormKeepBehaviour(t *testing.T) {
	env := requireEnv(t)
	python, err := env.PythonBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "app.py"), "import http.server\nprint('hello')\n")
	cases := []struct {
		name, dockerfile string
		base             harness.LayoutRef
		tini             string
	}{
		{"debian", `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /srv
ENV MODE=production
CMD curl --version
`, env.Base, "/usr/bin/tini"},
		{"python", `FROM python:3.11
WORKDIR /app
COPY app.py .
USER nobody
CMD python3 app.py --port 8000
`, python, "/usr/bin/tini"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := optimizer.Optimize([]byte(c.dockerfile), optimizer.Options{Enable: []string{"tini", "exec-form"}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed() {
				t.Fatalf("nothing changed:\n%s", c.dockerfile)
			}
			t.Logf("rewrite:\n%s", res.Diff())
			opts := harness.BuildOptions{Env: env, ContextDir: ctxDir, NoCache: true,
				Contexts: env.AllContexts(harness.LayoutRef{}, python)}
			o1, o2 := opts, opts
			o1.Dockerfile, o2.Dockerfile = c.dockerfile, string(res.Output)
			trio := buildTrio(t, o1, o2)
			before, after := trio.Before, trio.After

			// Configuration: the same apart from the init in front.
			bc, ac := before.Image.Config.Config, after.Image.Config.Config
			if bc.User != ac.User || bc.WorkingDir != ac.WorkingDir || !slices.Equal(bc.Env, ac.Env) {
				t.Errorf("config changed: user %q -> %q, workdir %q -> %q, env %v -> %v", bc.User, ac.User, bc.WorkingDir, ac.WorkingDir, bc.Env, ac.Env)
			}
			if len(ac.Entrypoint) < 2 || ac.Entrypoint[0] != c.tini || ac.Entrypoint[1] != "--" {
				t.Errorf("Entrypoint %q does not start with %s --", ac.Entrypoint, c.tini)
			}
			bArgv, aArgv := effectiveArgv(t, bc.Entrypoint, bc.Cmd), effectiveArgv(t, ac.Entrypoint, ac.Cmd)
			t.Logf("before: Entrypoint %q Cmd %q -> runs %q", bc.Entrypoint, bc.Cmd, bArgv)
			t.Logf("after:  Entrypoint %q Cmd %q -> runs %q", ac.Entrypoint, ac.Cmd, aArgv)
			if !slices.Equal(bArgv, aArgv) {
				t.Errorf("the program run differs: %q vs %q", bArgv, aArgv)
			}

			// Files: only tini's and the package database's may differ.
			tb, ta := tree(t, before), tree(t, after)
			allowed := oci.IgnorePaths("/usr/bin/tini", "/usr/bin/tini-static", "/usr/share/doc/tini", "/var/lib/dpkg",
				"/var/log/apt", "/var/log/dpkg.log", "/var/cache/debconf", "/var/cache/ldconfig")
			if d, _ := trioDiff(t, trio, oci.DiffOptions{Ignore: allowed}); !d.Empty() {
				t.Errorf("files other than tini's and the package database's changed:\n%s", d.Format(30))
			}
			if e, ok := ta.Get(c.tini); !ok || e.Mode&0o111 == 0 {
				t.Errorf("%s is not an executable in the new image: %v", c.tini, e)
			}
			full := oci.Diff(tb, ta, oci.DiffOptions{})
			t.Logf("added paths: %s", strings.Join(head(full.Added, 8), " "))
		})
	}
}
