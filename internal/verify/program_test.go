package verify

import (
	"archive/tar"
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/oci/ocitest"
)

// exe is a 0755 regular file.
func exe(p, content string) ocitest.File {
	return ocitest.File{Path: p, Type: tar.TypeReg, Mode: 0o755, Content: content}
}

// treeOf merges layers into a tree.
func treeOf(t *testing.T, layers ...ocitest.Layer) *oci.Tree {
	t.Helper()
	tree := oci.NewTree()
	for _, l := range layers {
		raw, err := ocitest.TarLayer(l, ocitest.Image{}.ModTime)
		if err != nil {
			t.Fatal(err)
		}
		lc, err := oci.ReadLayer(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Apply(lc); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// debianish has a merged /usr (/bin -> usr/bin), a python3 that is a
// link to python3.11, /bin/sh and a non-executable file.
var debianish = ocitest.Layer{
	ocitest.Dir("usr"), ocitest.Dir("usr/bin"), ocitest.Symlink("bin", "usr/bin"),
	exe("usr/bin/dash", "dash"), ocitest.Symlink("usr/bin/sh", "dash"),
	exe("usr/bin/python3.11", "python"), ocitest.Symlink("usr/bin/python3", "python3.11"),
	ocitest.Reg("usr/bin/notes", "not a program"),
	ocitest.Dir("usr/local"), ocitest.Dir("usr/local/bin"),
	ocitest.Symlink("usr/local/bin/loop", "loop2"), ocitest.Symlink("usr/local/bin/loop2", "loop"),
	ocitest.Dir("app"), exe("app/run", "app"), ocitest.Reg("app/main.py", "print()"),
}

func TestLookPath(t *testing.T) {
	tree := treeOf(t, debianish)
	for _, tc := range []struct {
		cfg  oci.Config
		name string
		want string
		ok   bool
	}{
		{oci.Config{}, "python3", "/usr/bin/python3", true}, // DefaultPath
		{oci.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin"}}, "python3", "/usr/bin/python3", true},
		{oci.Config{Env: []string{"PATH=/bin"}}, "sh", "/bin/sh", true}, // /bin is a link to usr/bin, sh to dash
		{oci.Config{Env: []string{"PATH=/usr/bin"}}, "notes", "", false},
		{oci.Config{Env: []string{"PATH=/usr/local/bin"}}, "loop", "", false},
		{oci.Config{WorkingDir: "/app"}, "./run", "./run", true},
		{oci.Config{WorkingDir: "/app"}, "run", "", false},
		{oci.Config{WorkingDir: "/app", Env: []string{"PATH=.:/usr/bin"}}, "run", "./run", true},
		{oci.Config{}, "/app/run", "/app/run", true},
		{oci.Config{}, "/app/main.py", "/app/main.py", false},
		{oci.Config{}, "", "", false},
	} {
		got, ok := LookPath(tree, tc.cfg, tc.name)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("LookPath(%+v, %q) = %q, %v; want %q, %v", tc.cfg, tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestImageCommand(t *testing.T) {
	for _, tc := range []struct {
		cfg      oci.Config
		want     []string
		viaShell bool
	}{
		{oci.Config{}, nil, false},
		{oci.Config{Cmd: []string{"python3", "-m", "greeter"}}, []string{"python3", "-m", "greeter"}, false},
		{oci.Config{Entrypoint: []string{"idgen"}, Cmd: []string{"-n", "1"}}, []string{"idgen", "-n", "1"}, false},
		{oci.Config{Entrypoint: []string{"/usr/bin/tini", "--"}, Cmd: []string{"python", "app.py"}}, []string{"python", "app.py"}, false},
		{oci.Config{Entrypoint: []string{"tini", "-s", "-e", "143", "--", "node", "server.js"}}, []string{"node", "server.js"}, false},
		{oci.Config{Entrypoint: []string{"dumb-init", "--rewrite", "15:2", "app"}}, []string{"app"}, false},
		{oci.Config{Cmd: []string{"/bin/sh", "-c", "exec node 'dist/server.js' --port 80"}}, []string{"node", "dist/server.js", "--port", "80"}, true},
		{oci.Config{Entrypoint: []string{"tini", "--"}, Cmd: []string{"/bin/sh", "-c", "python app.py"}}, []string{"python", "app.py"}, true},
		// A script that is more than one command of literal words: the
		// shell is the program.
		{oci.Config{Cmd: []string{"/bin/sh", "-c", "./worker.sh --interval $WORKER_INTERVAL"}}, []string{"/bin/sh", "-c", "./worker.sh --interval $WORKER_INTERVAL"}, false},
		{oci.Config{Cmd: []string{"/bin/sh", "-c", "a && b"}}, []string{"/bin/sh", "-c", "a && b"}, false},
		{oci.Config{Entrypoint: []string{"tini", "--"}}, nil, false},
	} {
		got, via := ImageCommand(tc.cfg)
		if !reflect.DeepEqual(got, tc.want) || via != tc.viaShell {
			t.Errorf("ImageCommand(%+v) = %q, %v; want %q, %v", tc.cfg, got, via, tc.want, tc.viaShell)
		}
	}
}

func TestProgramFiles(t *testing.T) {
	golang := ocitest.Layer{ocitest.Dir("usr"), ocitest.Dir("usr/lib"), ocitest.Dir("usr/lib/go"), ocitest.Reg("usr/lib/go/VERSION", "go1.19"),
		ocitest.Dir("go"), ocitest.Reg("go/whatsmyip.go", "package main"), exe("go/whatsmyip", "ELF")}
	goCfg := oci.Config{Cmd: []string{"./whatsmyip"}, WorkingDir: "/go", Env: []string{"GOPATH=/go"}}
	scratch := ocitest.Layer{exe("whatsmyip", "static ELF")}
	scratchCfg := oci.Config{Cmd: []string{"./whatsmyip"}}

	// The binary moves from /go to / with the working directory: it is
	// there. The working directory came from the base (setsWorkdir
	// false): it is not the application's.
	got := ProgramFiles(treeOf(t, golang), treeOf(t, scratch), goCfg, scratchCfg, false)
	want := []ProgramFile{{What: "program", Name: "./whatsmyip", Before: "/go/whatsmyip", After: "/whatsmyip"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("moved binary:\n got %+v\nwant %+v", got, want)
	}

	// The rewrite copied the source instead of the binary.
	broken := ocitest.Layer{ocitest.Reg("whatsmyip.go", "package main")}
	got = ProgramFiles(treeOf(t, golang), treeOf(t, broken), goCfg, scratchCfg, false)
	want = []ProgramFile{{What: "program", Name: "./whatsmyip", Before: "/go/whatsmyip", Missing: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("missing binary:\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(got[0].String(), "MISSING") {
		t.Errorf("String() = %q", got[0].String())
	}

	// An interpreter, the script it runs, and the application directory
	// the Dockerfile sets.
	base := ocitest.Layer{ocitest.Dir("usr"), ocitest.Dir("usr/bin"), exe("usr/bin/python3", "python")}
	app := ocitest.Layer{ocitest.Dir("app"), ocitest.Reg("app/main.py", "print()"), ocitest.Dir("app/static"), ocitest.Reg("app/static/x.css", "")}
	cfg := oci.Config{Cmd: []string{"python3", "main.py", "--static", "static", "--port", "8000"}, WorkingDir: "/app", Env: []string{"PATH=/usr/bin"}}
	got = ProgramFiles(treeOf(t, base, app), treeOf(t, base, app), cfg, cfg, true)
	want = []ProgramFile{
		{What: "program", Name: "python3", Before: "/usr/bin/python3", After: "/usr/bin/python3"},
		{What: "argument", Name: "main.py", Before: "/app/main.py", After: "/app/main.py"},
		{What: "argument", Name: "static", Before: "/app/static", After: "/app/static"},
		{What: "application directory", Name: "/app", Before: "/app", After: "/app"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("python app:\n got %+v\nwant %+v", got, want)
	}
	// The rewrite lost the script and the static files.
	got = ProgramFiles(treeOf(t, base, app), treeOf(t, base, ocitest.Layer{ocitest.Dir("app"), ocitest.Reg("app/other.py", "")}), cfg, cfg, true)
	var missing []string
	for _, p := range got {
		if p.Missing {
			missing = append(missing, p.Name)
		}
	}
	if !reflect.DeepEqual(missing, []string{"main.py", "static"}) {
		t.Errorf("missing %q in %+v", missing, got)
	}
	// The whole application directory is gone.
	got = ProgramFiles(treeOf(t, base, app), treeOf(t, base), cfg, cfg, true)
	if last := got[len(got)-1]; last.What != "application directory" || !last.Missing {
		t.Errorf("no application directory: %+v", got)
	}
}

func TestStageSets(t *testing.T) {
	src := `FROM golang:1.22 AS build
ENV CGO_ENABLED=0
WORKDIR /src
FROM build AS app
ENV "QUOTED"=1 PLAIN=2
LABEL org.opencontainers.image.title="x"
CMD ["./app"]
FROM scratch
COPY --from=app /src/app /app
USER 65532
`
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	app := StageSets(doc, "app")
	for _, tc := range []struct {
		field, key string
		want       bool
	}{
		{FieldEnv, "CGO_ENABLED", true}, // from the stage it derives from
		{FieldEnv, "QUOTED", true},
		{FieldEnv, "PLAIN", true},
		{FieldEnv, "GOPATH", false}, // the golang image's
		{FieldLabels, "org.opencontainers.image.title", true},
		{FieldWorkingDir, "", true},
		{FieldCmd, "", true},
		{FieldUser, "", false},
		{FieldAuthor, "", false},
	} {
		if got := app(tc.field, tc.key); got != tc.want {
			t.Errorf("target app: sets(%s, %q) = %v", tc.field, tc.key, got)
		}
	}
	last := StageSets(doc, "")
	if !last(FieldUser, "") || last(FieldWorkingDir, "") || last(FieldEnv, "CGO_ENABLED") {
		t.Error("last stage: USER only")
	}
	if finalBase(doc, "") != "scratch" || finalBase(doc, "app") != "golang:1.22" {
		t.Errorf("finalBase: %q, %q", finalBase(doc, ""), finalBase(doc, "app"))
	}
}
