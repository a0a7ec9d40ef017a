//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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

func changedPaths(d *oci.TreeDiff) []string {
	var out []string
	for _, c := range d.Changed {
		out = append(out, c.Path)
	}
	return out
}

// pid1App prints what it was given and where it runs (OUT lines, the same
// whatever runs it), the name of PID 1 (a PID1 line) and that of its own
// parent (a PARENT line), which gets the signals an init forwards.
const pid1App = `#!/bin/sh
echo "OUT: hello $*"
echo "OUT: user=$(id -un) cwd=$(pwd) mode=$MODE"
echo "PID1: $(cat /proc/1/comm)"
echo "PARENT: $(cat /proc/$PPID/comm)"
`

// runImage runs an image's program, its Entrypoint followed by its Cmd,
// the way "docker run IMAGE" does: as an exec-form RUN of a build FROM
// the image, so it is the first process of its PID namespace and has the
// image's user, working directory and environment. It returns the
// program's OUT, PID1 and PARENT lines.
func runImage(t *testing.T, env *harness.Env, img *harness.Result) (out []string, pid1, parent string) {
	t.Helper()
	cfg := img.Image.Config.Config
	argv := append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...)
	words, err := json.Marshal(argv)
	if err != nil {
		t.Fatal(err)
	}
	ref := harness.LayoutRef{Dir: img.Output, Digest: string(img.Image.ManifestDescriptor.Digest)}
	res := build(t, harness.BuildOptions{Env: env, NoCache: true,
		Dockerfile: "FROM dfopt-under-test\nRUN " + string(words) + "\n",
		Contexts:   map[string]harness.LayoutRef{"dfopt-under-test": ref}})
	line := regexp.MustCompile(`^#\d+ \d+\.\d+ (OUT|PID1|PARENT): (.*)$`)
	for _, l := range strings.Split(res.Log, "\n") {
		m := line.FindStringSubmatch(strings.TrimRight(l, "\r"))
		switch {
		case m == nil:
		case m[1] == "OUT":
			out = append(out, m[2])
		case m[1] == "PARENT":
			parent = m[2]
		case pid1 != "":
			t.Errorf("two PID1 lines in the log")
		default:
			pid1 = m[2]
		}
	}
	t.Logf("runs %q: PID 1 is %q, the program's parent %q, output %q", argv, pid1, parent, out)
	return out, pid1, parent
}

// An aggressive rewrite with tini, built and run: the program starts under
// tini as PID 1 and prints the same as before. One case joins the stage's
// install; the other has the official images' apt-mark auto / purge
// --auto-remove idiom, which would remove tini again from that install (a
// hand-made rewrite that puts it there shows it), so tini gets its own RUN.
// In the third, dash would run the program as its child under tini (and
// tini would signal dash): exec makes the program tini's child. In every
// case the program's parent is tini.
func TestTiniRunsAsPID1(t *testing.T) {
	env := requireEnv(t)
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "app"), pid1App)
	if err := os.Chmod(filepath.Join(ctxDir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	purgeRun := `RUN set -eux; \
	savedAptMark="$(apt-mark showmanual)"; \
	apt-get update; \
	apt-get install -y --no-install-recommends file; \
	file --version; \
	apt-mark auto '.*' > /dev/null; \
	[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
	apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
	rm -rf /var/lib/apt/lists/*
`
	cases := []struct {
		name, dockerfile, wantFix string
	}{
		{"fold", `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY app /usr/local/bin/app
WORKDIR /srv
ENV MODE=production
USER nobody
CMD app --greet world
`, "add tini to the apt-get install on line 2"},
		{"purge", "FROM debian:bookworm\n" + purgeRun + `COPY app /usr/local/bin/app
ENV MODE=production
CMD ["app", "--greet", "world"]
`, "install tini in a new RUN after line 10"},
		{"shell-list", `FROM debian:bookworm
COPY app /usr/local/bin/app
ENV MODE=production
WORKDIR /srv
CMD cd /srv && app --greet world
`, "install tini in a new RUN after FROM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := optimizer.Optimize([]byte(c.dockerfile), optimizer.Options{Enable: []string{"tini", "exec-form"}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrite:\n%s", res.Diff())
			fixed := false
			for _, f := range res.Findings {
				if f.Pass == "tini" && f.Fixed && strings.HasPrefix(f.FixMessage, c.wantFix) {
					fixed = true
				}
			}
			if !fixed {
				t.Fatalf("tini did not %s: %v", c.wantFix, res.Findings)
			}
			opts := harness.BuildOptions{Env: env, ContextDir: ctxDir, NoCache: true, OutputLayoutDir: true}
			o1, o2 := opts, opts
			o1.Dockerfile, o2.Dockerfile = c.dockerfile, string(res.Output)
			before, after := build(t, o1), build(t, o2)
			bOut, bPID1, _ := runImage(t, env, before)
			aOut, aPID1, aParent := runImage(t, env, after)
			if len(bOut) == 0 || !slices.Equal(bOut, aOut) {
				t.Errorf("the program's output changed:\nbefore %q\nafter  %q", bOut, aOut)
			}
			if bPID1 == "" || bPID1 == "tini" {
				t.Errorf("PID 1 before the rewrite is %q, want the program or its shell", bPID1)
			}
			if aPID1 != "tini" {
				t.Errorf("PID 1 after the rewrite is %q, want tini", aPID1)
			}
			if aParent != "tini" {
				t.Errorf("the program's parent after the rewrite is %q, want tini (which signals its child)", aParent)
			}

			if c.name == "purge" {
				// Where the tini pass used to put it: in the install that
				// apt-mark auto and purge --auto-remove undo.
				old := strings.Replace(string(res.Output), "install -y --no-install-recommends file;", "install -y --no-install-recommends file tini;", 1)
				old = strings.Replace(old, "RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*\n", "", 1)
				if old == string(res.Output) {
					t.Fatal("could not make the old rewrite")
				}
				o3 := opts
				o3.Dockerfile = old
				if _, ok := tree(t, build(t, o3)).Get("/usr/bin/tini"); ok {
					t.Error("tini survived apt-mark auto and purge --auto-remove in its install's RUN: the separate RUN is not needed")
				} else {
					t.Log("tini installed in that RUN is gone again: purge --auto-remove removed it")
				}
			}
		})
	}
}
