package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/oci/ocitest"
	"github.com/dfopt/dfopt/optimizer"
)

func TestParseSmokeCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"./whatsmyip -selftest":             {"./whatsmyip", "-selftest"},
		`python3 -c 'import app; print(1)'`: {"python3", "-c", "import app; print(1)"},
		`sh -c "ls /app | wc -l"`:           {"sh", "-c", "ls /app | wc -l"},
		`  java   -version  `:               {"java", "-version"},
		`echo "a\"b" c\ d`:                  {"echo", `a"b`, "c d"},
	} {
		got, err := ParseSmokeCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseSmokeCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a | b", "a; b", "a && b", "echo $HOME", "ls *.py", "ls a?", "cat ~/x", "a > out", "X=1 a", "(a)", "a &", "echo 'open"} {
		if got, err := ParseSmokeCommand(in); err == nil {
			t.Errorf("ParseSmokeCommand(%q) = %q, want an error", in, got)
		}
	}
}

func TestDefaultSmoke(t *testing.T) {
	for _, tc := range []struct {
		cfg  oci.Config
		want []string
		why  string
	}{
		{oci.Config{Cmd: []string{"python3", "-m", "greeter"}}, []string{"python3", "--version"}, ""},
		{oci.Config{Cmd: []string{"/usr/local/bin/python3.12", "app.py"}}, []string{"/usr/local/bin/python3.12", "--version"}, ""},
		{oci.Config{Entrypoint: []string{"tini", "--"}, Cmd: []string{"node", "dist/server.js"}}, []string{"node", "--version"}, ""},
		{oci.Config{Cmd: []string{"/bin/sh", "-c", "exec java -jar app.jar"}}, []string{"java", "-version"}, ""},
		{oci.Config{Entrypoint: []string{"nginx", "-g", "daemon off;"}}, []string{"nginx", "-v"}, ""},
		{oci.Config{Cmd: []string{"./whatsmyip"}}, nil, "its program (./whatsmyip) is not one that dfopt knows"},
		{oci.Config{Entrypoint: []string{"docker-entrypoint.sh"}, Cmd: []string{"postgres"}}, nil, "(docker-entrypoint.sh)"},
		{oci.Config{Cmd: []string{"/bin/sh", "-c", "python app.py | tee log"}}, nil, "(/bin/sh)"},
		{oci.Config{}, nil, "the image has no Entrypoint or Cmd"},
	} {
		got, why := DefaultSmoke(tc.cfg)
		if !reflect.DeepEqual(got, tc.want) || !strings.Contains(why, tc.why) || (tc.why == "") != (why == "") {
			t.Errorf("DefaultSmoke(%+v) = %q, %q; want %q, %q", tc.cfg, got, why, tc.want, tc.why)
		}
	}
}

func TestSmokeDockerfile(t *testing.T) {
	withShell := smokeImage{tree: treeOf(t, debianish), cfg: oci.Config{WorkingDir: "/srv/$HOME dir", User: "app"}}
	df, shell, err := smokeDockerfile(withShell, []string{"python3", "-c", `print("a > b")`}, "/usr/bin/python3")
	if err != nil {
		t.Fatal(err)
	}
	want := `FROM dfopt-smoke-image AS run
WORKDIR /.dfopt-smoke
WORKDIR /srv/\$HOME dir
RUN ["/bin/sh","-c","\"$@\" >/.dfopt-smoke/stdout 2>/.dfopt-smoke/stderr; echo $? >/.dfopt-smoke/status","dfopt-smoke","python3","-c","print(\"a > b\")"]
FROM scratch
COPY --from=run /.dfopt-smoke/ /
`
	if df != want || shell != "/bin/sh" {
		t.Errorf("with /bin/sh (%s):\n%s\nwant\n%s", shell, df, want)
	}

	scratch := smokeImage{tree: treeOf(t, ocitest.Layer{exe("whatsmyip", "ELF")}), cfg: oci.Config{}}
	df, shell, err = smokeDockerfile(scratch, []string{"./whatsmyip", "-selftest"}, "./whatsmyip")
	if err != nil {
		t.Fatal(err)
	}
	want = `FROM dfopt-smoke-image AS run
WORKDIR /.dfopt-smoke
WORKDIR /
RUN --mount=type=bind,from=busybox:musl,source=/bin/busybox,target=/.dfopt-smoke-bin/busybox ["/.dfopt-smoke-bin/busybox","sh","-c","n=$1 p=$2; shift 2; (exec -a \"$n\" \"$p\" \"$@\") >/.dfopt-smoke/stdout 2>/.dfopt-smoke/stderr; echo $? >/.dfopt-smoke/status","dfopt-smoke","./whatsmyip","./whatsmyip","-selftest"]
FROM scratch
COPY --from=run /.dfopt-smoke/ /
`
	if df != want || shell != SmokeShellImage {
		t.Errorf("without /bin/sh (%s):\n%s\nwant\n%s", shell, df, want)
	}
	if _, _, err := smokeDockerfile(smokeImage{tree: scratch.tree, cfg: oci.Config{WorkingDir: "/a\nb"}}, []string{"x"}, "x"); err == nil {
		t.Error("a working directory with a newline: no error")
	}
}

// smokeFake answers smoke builds (those with a LocalOutput) by acting out
// the command in the image it is given (opened from its layout): a
// program prints its name and arguments and exits 0, or 3 with a message
// on standard error when an argument is "--fail". Other builds go to the
// fakeBuilder.
type smokeFake struct {
	*fakeBuilder
	smokes []buildkit.Request
	// dockerfiles are the smoke builds' Dockerfiles.
	dockerfiles []string
	// fail makes the smoke builds of images whose working directory it
	// returns true for fail.
	fail func(cfg oci.Config) bool
	hang bool
}

func (f *smokeFake) Build(ctx context.Context, req *buildkit.Request) (*buildkit.Result, error) {
	if req.LocalOutput == "" {
		return f.fakeBuilder.Build(ctx, req)
	}
	f.smokes = append(f.smokes, *req)
	data, err := os.ReadFile(filepath.Join(req.DockerfileDir, "Dockerfile"))
	if err != nil {
		return nil, err
	}
	df := string(data)
	f.dockerfiles = append(f.dockerfiles, df)
	if f.hang {
		<-ctx.Done()
		return &buildkit.Result{Log: "#5 [run 3/3] RUN ...\n"}, &buildkit.BuildError{Builder: "fake", Err: ctx.Err(), Log: "canceled"}
	}
	var layout string
	for _, c := range req.Contexts {
		if c.Name == smokeImageName {
			layout, _, _ = strings.Cut(strings.TrimPrefix(c.Value, "oci-layout://"), "@")
		}
	}
	img, err := oci.Open(layout)
	if err != nil {
		return nil, err
	}
	cfg := img.Config.Config
	if f.fail != nil && f.fail(cfg) {
		log := "#5 [run 3/3] RUN ...\n#5 ERROR: unable to find user nobody\n"
		return &buildkit.Result{Log: log}, &buildkit.BuildError{Builder: "fake", Err: errors.New("exit status 1"), Log: log}
	}
	tree, err := img.Tree()
	if err != nil {
		return nil, err
	}
	var run []string
	for _, line := range strings.Split(df, "\n") {
		if rest, ok := strings.CutPrefix(line, "RUN "); ok {
			if strings.HasPrefix(rest, "--mount=") {
				_, rest, _ = strings.Cut(rest, " ")
			}
			if err := json.Unmarshal([]byte(rest), &run); err != nil {
				return nil, fmt.Errorf("RUN %s: %v", rest, err)
			}
		}
	}
	var name, prog string
	var args []string
	switch run[0] {
	case "/bin/sh":
		name, args = run[4], run[5:]
		p, ok := LookPath(tree, cfg, name)
		if !ok {
			return nil, fmt.Errorf("%s: the runner should not build a program that is not there", name)
		}
		prog = p
	case "/.dfopt-smoke-bin/busybox":
		name, prog, args = run[5], run[6], run[7:]
	default:
		return nil, fmt.Errorf("unknown smoke RUN %q", run)
	}
	status, stdout, stderr := 0, fmt.Sprintf("%s (%s) says %q\n", name, path.Base(prog), args), ""
	if !executable(tree, inDir(cfg.WorkingDir, prog)) {
		status, stdout, stderr = 127, "", "sh: "+prog+": not found\n"
	} else if contains(args, "--fail") {
		status, stderr = 3, "failing as asked\n"
	}
	for n, content := range map[string]string{"status": fmt.Sprintf("%d\n", status), "stdout": stdout, "stderr": stderr} {
		if err := os.WriteFile(filepath.Join(req.LocalOutput, n), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	return &buildkit.Result{Duration: time.Second}, nil
}

func TestSmokeRunner(t *testing.T) {
	work := t.TempDir()
	layout := filepath.Join(work, "img")
	digest, err := writeLayoutDir(layout, ocitest.Image{Config: oci.Config{WorkingDir: "/app", Env: []string{"PATH=/usr/bin"}},
		Layers: []ocitest.Layer{debianish}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := oci.Open(layout)
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := img.Tree()
	si := smokeImage{layout: layout, digest: digest, cfg: img.Config.Config, tree: tree}
	fb := &smokeFake{fakeBuilder: &fakeBuilder{}}
	user := []buildkit.NamedContext{{Name: SmokeShellImage, Value: "oci-layout:///layouts/busybox@sha256:bb"}}
	sr := &smokeRunner{builder: fb, contexts: user, work: work}

	r, err := sr.run(context.Background(), si, []string{"python3", "-c", "print(1)"})
	if err != nil {
		t.Fatal(err)
	}
	want := &SmokeRun{Argv: []string{"python3", "-c", "print(1)"}, Shell: "/bin/sh", Stdout: "python3 (python3) says [\"-c\" \"print(1)\"]\n", Ms: 1000}
	want.StdoutBytes = int64(len(want.Stdout))
	if !reflect.DeepEqual(r, want) {
		t.Errorf("run:\n got %+v\nwant %+v", r, want)
	}
	req := fb.smokes[0]
	wantContexts := append(user, buildkit.NamedContext{Name: smokeImageName, Value: "oci-layout://" + layout + "@" + digest})
	if !reflect.DeepEqual(req.Contexts, wantContexts) || !req.NoCache || req.Output != "" || !strings.HasPrefix(req.LocalOutput, work) {
		t.Errorf("request %+v", req)
	}

	r, _ = sr.run(context.Background(), si, []string{"python3", "--fail"})
	if r.Status != 3 || r.Stderr != "failing as asked\n" || r.Error != "" {
		t.Errorf("failing program: %+v", r)
	}

	// A program that is not in the image: no build.
	n := len(fb.smokes)
	r, _ = sr.run(context.Background(), si, []string{"whatsmyip"})
	if r.Status != 127 || r.Stderr != "whatsmyip: not found\n" || r.Shell != "" || len(fb.smokes) != n {
		t.Errorf("missing program: %+v (%d builds)", r, len(fb.smokes)-n)
	}

	// The build fails (a USER that does not exist, say).
	fb.fail = func(oci.Config) bool { return true }
	r, err = sr.run(context.Background(), si, []string{"python3"})
	if err != nil || !strings.HasPrefix(r.Error, "the smoke build failed: ") || !strings.Contains(r.LogTail, "unable to find user") {
		t.Errorf("failed build: %+v, %v", r, err)
	}

	// A command that does not end.
	fb.fail, fb.hang, sr.timeout = nil, true, 50*time.Millisecond
	r, err = sr.run(context.Background(), si, []string{"python3", "-m", "http.server"})
	if err != nil || r.Error != "did not finish within 50ms" {
		t.Errorf("hanging command: %+v, %v", r, err)
	}
	// Interrupted: an error, no result.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r, err := sr.run(ctx, si, []string{"python3"}); err == nil {
		t.Errorf("interrupted: %+v", r)
	}
}

// writeLayoutDir writes an image as an OCI layout directory.
func writeLayoutDir(dir string, img ocitest.Image) (string, error) {
	tarPath := dir + ".tar"
	digest, err := ocitest.Write(tarPath, img)
	if err != nil {
		return "", err
	}
	return digest, oci.UnpackLayout(tarPath, dir)
}

// The Go program of the articles: built on the golang image, and by hand
// as a static binary on scratch.
const (
	goSingle = `FROM golang
COPY whatsmyip.go .
RUN go build whatsmyip.go
CMD ["./whatsmyip"]
`
	goScratch = `FROM golang
COPY whatsmyip.go .
ENV CGO_ENABLED=0
RUN go build whatsmyip.go
FROM scratch
COPY --from=0 /go/whatsmyip .
CMD ["./whatsmyip"]
`
)

var (
	golangLayer = ocitest.Layer{
		ocitest.Dir("usr"), ocitest.Dir("usr/bin"), ocitest.Symlink("bin", "usr/bin"), exe("usr/bin/dash", "dash"),
		ocitest.Symlink("usr/bin/sh", "dash"), ocitest.Dir("usr/lib"), ocitest.Dir("usr/lib/go-1.19"), ocitest.Dir("usr/lib/go-1.19/bin"),
		exe("usr/lib/go-1.19/bin/go", strings.Repeat("go", 5000)), ocitest.Dir("usr/lib/gcc"), exe("usr/lib/gcc/cc1", strings.Repeat("c", 3000)),
		ocitest.Dir("go"),
	}
	golangConfig = oci.Config{Cmd: []string{"./whatsmyip"}, WorkingDir: "/go",
		Env: []string{"PATH=/go/bin:/usr/lib/go/bin:/usr/bin:/bin", "GOPATH=/go"}}
	scratchConfig = oci.Config{Cmd: []string{"./whatsmyip"}, Env: []string{"PATH=" + DefaultPath}}
)

// goImages builds the two Go images; broken leaves the binary out of the
// scratch one (the source is copied instead).
func goImages(broken bool) func(df string, n int) (ocitest.Image, error) {
	return func(df string, n int) (ocitest.Image, error) {
		if strings.Contains(df, "FROM scratch") {
			l := ocitest.Layer{exe("whatsmyip", "static ELF")}
			if broken {
				l = ocitest.Layer{ocitest.Reg("whatsmyip.go", "package main")}
			}
			return ocitest.Image{Config: scratchConfig, Layers: []ocitest.Layer{l}}, nil
		}
		app := ocitest.Layer{ocitest.Reg("go/whatsmyip.go", "package main"), exe("go/whatsmyip", "dynamic ELF"),
			ocitest.Dir("root"), ocitest.Dir("root/.cache"), ocitest.Reg("root/.cache/go-build", fmt.Sprint("cache ", n))}
		return ocitest.Image{Config: golangConfig, Layers: []ocitest.Layer{golangLayer, app}}, nil
	}
}

func goProject(t *testing.T, rewrite string) (dockerfile, against string) {
	t.Helper()
	dir := t.TempDir()
	dockerfile, against = filepath.Join(dir, "Dockerfile"), filepath.Join(dir, "scratch.Dockerfile")
	os.WriteFile(dockerfile, []byte(goSingle), 0o644)
	os.WriteFile(against, []byte(rewrite), 0o644)
	os.WriteFile(filepath.Join(dir, "whatsmyip.go"), []byte("package main\n"), 0o644)
	return dockerfile, against
}

func TestRunAgainstWithANewBase(t *testing.T) {
	dockerfile, against := goProject(t, goScratch)
	fb := &smokeFake{fakeBuilder: &fakeBuilder{image: goImages(false)}}
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Dockerfile: dockerfile,
		Against:    against,
		Changes:    []string{"base"},
		Smoke:      []string{"./whatsmyip -selftest", "./whatsmyip --fail"},
		Builder:    fb,
		NoRebuild:  true,
		Progress:   &progress,
		WorkDir:    t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	t.Log("\n" + text.String())
	if rep.Verdict != VerdictEquivalent || rep.ExitCode() != 0 {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if rep.Against != against || rep.Fixes != 0 || len(rep.Passes) != 0 || !strings.Contains(rep.Diff, "+FROM scratch") {
		t.Errorf("against %q, %d fixes by %q, diff:\n%s", rep.Against, rep.Fixes, rep.Passes, rep.Diff)
	}
	if !reflect.DeepEqual(rep.Changes, []DeclaredChange{{"base", ByCaller}}) || rep.BaseBefore != "golang" || rep.BaseAfter != "scratch" {
		t.Errorf("changes %+v, base %q => %q", rep.Changes, rep.BaseBefore, rep.BaseAfter)
	}
	// The configuration the golang image gives the original (its working
	// directory and environment) changes with the base.
	var cfg []string
	for _, d := range rep.ConfigDifferences {
		if !d.Inherited || d.AllowedBy != ByCaller {
			t.Errorf("not inherited: %s", d)
		}
		cfg = append(cfg, d.Field+"["+d.Key+"]")
	}
	if !reflect.DeepEqual(cfg, []string{"Env[GOPATH]", "Env[PATH]", "WorkingDir[]"}) {
		t.Errorf("configuration differences %q", cfg)
	}
	if len(rep.Differences) != 0 || rep.BaseChangedPaths == 0 {
		t.Errorf("%d differences, %d left to the base", len(rep.Differences), rep.BaseChangedPaths)
	}
	if rep.Gone == nil || rep.Gone.Dirs[0].Dir != "/usr/lib/go-1.19" || rep.New == nil || rep.New.Files != 1 {
		t.Errorf("gone %+v, new %+v", rep.Gone, rep.New)
	}
	if !reflect.DeepEqual(rep.ProgramFiles, []ProgramFile{{What: "program", Name: "./whatsmyip", Before: "/go/whatsmyip", After: "/whatsmyip"}}) {
		t.Errorf("program files %+v", rep.ProgramFiles)
	}
	if len(rep.Smoke) != 2 || !rep.Smoke[0].Same || !rep.Smoke[1].Same || rep.Smoke[1].Before.Status != 3 {
		t.Fatalf("smoke %+v", rep.Smoke)
	}
	// The golang image runs the command with its /bin/sh, the scratch
	// image with the busybox it is lent.
	if rep.Smoke[0].Before.Shell != "/bin/sh" || rep.Smoke[0].After.Shell != SmokeShellImage ||
		len(fb.dockerfiles) != 4 || !strings.Contains(fb.dockerfiles[1], "--mount=type=bind,from=busybox:musl") {
		t.Errorf("shells %q, %q; dockerfiles %q", rep.Smoke[0].Before.Shell, rep.Smoke[0].After.Shell, fb.dockerfiles)
	}
	// Nothing of dfopt's own rewrite: the file given was built.
	if len(fb.reqs) != 3 || !strings.Contains(fb.fakeBuilder.dockerfiles[1], "FROM scratch") {
		t.Errorf("builds: %q", fb.fakeBuilder.dockerfiles)
	}
	for _, want := range []string{
		"rewrite: " + against + " (another Dockerfile, built with the same context)\n",
		"changed on purpose:\n  base: golang => scratch (declared by --changes)\n",
		`  WorkingDir: "/go" => (none) (inherited from the base, which --changes changes)` + "\n",
		"went away (only in the original's image): 5 files,",
		"/usr/lib/go-1.19\n",
		"new (only in the rewrite's image): 1 file, 10 B\n",
		"the program's own files:\n  program ./whatsmyip: /go/whatsmyip => /whatsmyip\n",
		"  ./whatsmyip -selftest: same: exit 0, 1 line on stdout, nothing on stderr\n",
		"  ./whatsmyip --fail: same: exit 3, 1 line on stdout, 1 line on stderr\n",
		"verdict: equivalent: the base changes on purpose, the other differences are declared, and the program's own files are there; 2 smoke commands gave the same results\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(text.String(), "configuration that differs:") {
		t.Error("allowed differences listed as failures")
	}
	if !strings.Contains(progress.String(), "dfopt verify: smoke: running ./whatsmyip -selftest in the rewrite...\n") {
		t.Errorf("progress:\n%s", progress.String())
	}
	data, _ := json.Marshal(rep)
	var m map[string]any
	json.Unmarshal(data, &m)
	for _, k := range []string{"against", "changes", "baseBefore", "baseAfter", "baseChangedPaths", "changedPaths", "gone", "new", "programFiles", "smoke"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestRunAgainstFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rewrite string
		broken  bool
		changes []string
		want    []string
	}{
		{
			name: "the base changes without saying so", rewrite: goScratch, changes: nil,
			want: []string{"verdict: NOT equivalent: ", "configuration that differs:\n", `  WorkingDir: "/go" => (none)` + "\n", "  - /usr/lib/go-1.19/bin/go "},
		},
		{
			name: "the binary is missing", rewrite: goScratch, broken: true, changes: []string{"base"},
			want: []string{
				"  program ./whatsmyip: /go/whatsmyip => (none)  MISSING in the rewrite\n",
				"  ./whatsmyip -selftest: DIFFERENT\n",
				`    original: "./whatsmyip -selftest": exit 0, run with /bin/sh` + "\n",
				`      stdout | ./whatsmyip (whatsmyip) says ["-selftest"]` + "\n",
				`    rewrite: "./whatsmyip -selftest": exit 127` + "\n",
				"      stderr | ./whatsmyip: not found\n",
				"verdict: NOT equivalent: 0 paths and 0 configuration fields differ; 1 of the program's own files is missing; 1 smoke command gives different results\n",
			},
		},
		{
			// An environment variable the Dockerfile sets itself must
			// survive a new base.
			name: "a variable the Dockerfile sets is lost", rewrite: goScratch, changes: []string{"base"},
			want: []string{"configuration that differs:\n  Env[MODE]: \"production\" => (none)\n", "0 paths and 1 configuration field differ"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dockerfile, against := goProject(t, tc.rewrite)
			images := goImages(tc.broken)
			if strings.Contains(tc.name, "variable") {
				os.WriteFile(dockerfile, []byte(goSingle+"ENV MODE=production\n"), 0o644)
				inner := images
				images = func(df string, n int) (ocitest.Image, error) {
					img, err := inner(df, n)
					if !strings.Contains(df, "FROM scratch") {
						img.Config.Env = append(append([]string(nil), img.Config.Env...), "MODE=production")
					}
					return img, err
				}
			}
			fb := &smokeFake{fakeBuilder: &fakeBuilder{image: images}}
			rep, err := Run(context.Background(), Options{Dockerfile: dockerfile, Against: against, Changes: tc.changes,
				Smoke: []string{"./whatsmyip -selftest"}, Builder: fb, NoRebuild: true, WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			if rep.Verdict != VerdictNotEquivalent || rep.ExitCode() != ExitNotEquivalent {
				t.Errorf("verdict %s:\n%s", rep.Verdict, text.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(text.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, text.String())
				}
			}
		})
	}
}

// Without --smoke, the program runs with --version when it is one known
// to print it; otherwise nothing runs and the report says so.
func TestRunDefaultSmoke(t *testing.T) {
	python := ocitest.Layer{ocitest.Dir("usr"), ocitest.Dir("usr/bin"), exe("usr/bin/sh", "sh"), exe("usr/bin/python3", "python"),
		ocitest.Dir("var"), ocitest.Dir("var/lib"), ocitest.Dir("var/lib/apt"), ocitest.Dir("var/lib/apt/lists")}
	cfg := oci.Config{Cmd: []string{"python3", "-m", "app"}, Env: []string{"PATH=/usr/bin"}}
	images := func(df string, n int) (ocitest.Image, error) {
		img := ocitest.Image{Config: cfg, Layers: []ocitest.Layer{python}}
		if !strings.Contains(df, "rm -rf /var/lib/apt/lists") {
			img.Layers = append(img.Layers, listsLayer)
		}
		return img, nil
	}
	dir := project(t, "FROM python:3.11\nRUN apt-get update\nRUN apt-get install -y jq\nCMD [\"python3\", \"-m\", \"app\"]\n")
	for _, tc := range []struct {
		name    string
		noSmoke bool
		fail    func(oci.Config) bool
		verdict string
		want    string
	}{
		{name: "python --version", verdict: VerdictEquivalent,
			want: "  (default) python3 --version: same: exit 0, 1 line on stdout, nothing on stderr\n"},
		{name: "not asked for", noSmoke: true, verdict: VerdictEquivalent, want: "smoke: not asked for\n"},
		{name: "could not run", fail: func(oci.Config) bool { return true }, verdict: VerdictSmokeFailed,
			want: "verdict: could not run the smoke commands in either image\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &smokeFake{fakeBuilder: &fakeBuilder{image: images}, fail: tc.fail}
			rep, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb,
				Optimize: optimizer.Options{Enable: []string{"coalesce-runs", "cache-cleanup"}}, NoRebuild: true,
				NoSmoke: tc.noSmoke, WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			rep.WriteText(&text)
			if rep.Verdict != tc.verdict || !strings.Contains(text.String(), tc.want) {
				t.Errorf("verdict %s, want %s and %q:\n%s", rep.Verdict, tc.verdict, tc.want, text.String())
			}
		})
	}

	// A program dfopt does not know: nothing runs.
	dockerfile, against := goProject(t, goScratch)
	fb := &smokeFake{fakeBuilder: &fakeBuilder{image: goImages(false)}}
	rep, err := Run(context.Background(), Options{Dockerfile: dockerfile, Against: against, Changes: []string{"base"},
		Builder: fb, NoRebuild: true, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(fb.smokes) != 0 || len(rep.Smoke) != 0 || !strings.Contains(rep.SmokeSkipped,
		"ran nothing: no command given (--smoke), and in the original's image its program (./whatsmyip) is not one that dfopt knows") {
		t.Errorf("%d smoke builds, skipped %q", len(fb.smokes), rep.SmokeSkipped)
	}
}

// Configuration that passes change on purpose is allowed when they say
// so, and only then.
func TestRunDeclaredByAPass(t *testing.T) {
	dir := project(t, "FROM debian:bookworm\nMAINTAINER Jane Doe <jane@example.com>\nCOPY app.sh /usr/local/bin/\nCMD [\"app.sh\"]\n")
	const label = "org.opencontainers.image.authors"
	images := func(df string, n int) (ocitest.Image, error) {
		img := ocitest.Image{Config: config, Layers: []ocitest.Layer{baseLayer, appLayer}, Author: "Jane Doe <jane@example.com>"}
		if strings.Contains(df, "LABEL") {
			img.Author = ""
			img.Config.Labels = map[string]string{label: "Jane Doe <jane@example.com>"}
		}
		return img, nil
	}
	fb := &smokeFake{fakeBuilder: &fakeBuilder{image: images}}
	rep, err := Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Builder: fb,
		Optimize: optimizer.Options{Enable: []string{"maintainer-label"}}, NoRebuild: true, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	if rep.Verdict != VerdictEquivalent {
		t.Errorf("verdict %s:\n%s", rep.Verdict, text.String())
	}
	for _, want := range []string{
		"changed on purpose:\n",
		"  Labels[" + label + `]: (none) => "Jane Doe <jane@example.com>" (declared by maintainer-label)` + "\n",
		`  Author: "Jane Doe <jane@example.com>" => (none) (declared by maintainer-label)` + "\n",
		"apart from the changes it makes on purpose",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}

	// The same images, with nothing declared: the author's change fails.
	_, against := dir, filepath.Join(dir, "label.Dockerfile")
	os.WriteFile(against, []byte("FROM debian:bookworm\nLABEL "+label+"=\"Jane Doe <jane@example.com>\"\nCOPY app.sh /usr/local/bin/\nCMD [\"app.sh\"]\n"), 0o644)
	rep, err = Run(context.Background(), Options{Dockerfile: filepath.Join(dir, "Dockerfile"), Against: against, Builder: fb,
		NoRebuild: true, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != VerdictNotEquivalent || len(rep.ConfigDifferences) != 2 {
		t.Errorf("nothing declared: verdict %s, %+v", rep.Verdict, rep.ConfigDifferences)
	}
}

func TestRunOptionErrors(t *testing.T) {
	dockerfile, against := goProject(t, goScratch)
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Smoke: []string{"a | b"}}, "not one simple command"},
		{Options{Changes: []string{"entrypoint"}}, `declared change "entrypoint"`},
		{Options{Against: against + ".missing"}, "no such file"},
	} {
		tc.o.Dockerfile = dockerfile
		tc.o.Builder = &smokeFake{fakeBuilder: &fakeBuilder{image: goImages(false)}}
		if _, err := Run(context.Background(), tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	os.WriteFile(against, []byte("RUN x\n"), 0o644)
	if _, err := Run(context.Background(), Options{Dockerfile: dockerfile, Against: against}); err == nil ||
		!strings.Contains(err.Error(), "scratch.Dockerfile:1:") {
		t.Errorf("a rewrite that does not parse: %v", err)
	}
	// The same file: nothing to build.
	rep, err := Run(context.Background(), Options{Dockerfile: dockerfile, Against: dockerfile})
	if err != nil || rep.Verdict != VerdictUnchanged {
		t.Errorf("against itself: %+v, %v", rep, err)
	}
}

func TestVerdictOf(t *testing.T) {
	ok := &SmokeRun{Status: 0, Stdout: "x"}
	failed := &SmokeRun{Error: "the smoke build failed"}
	for _, tc := range []struct {
		rep  Report
		want string
	}{
		{Report{}, VerdictEquivalent},
		{Report{ConfigDifferences: []ConfigDifference{{Field: "Cmd", AllowedBy: "exec-form"}}}, VerdictEquivalent},
		{Report{ConfigDifferences: []ConfigDifference{{Field: "Cmd"}}}, VerdictNotEquivalent},
		{Report{Differences: []Difference{{Path: "/x"}}}, VerdictNotEquivalent},
		{Report{ProgramFiles: []ProgramFile{{Missing: true}}}, VerdictNotEquivalent},
		{Report{Smoke: []SmokeResult{{Before: ok, After: ok, Same: true}}}, VerdictEquivalent},
		{Report{Smoke: []SmokeResult{{Before: ok, After: &SmokeRun{Status: 1}}}}, VerdictNotEquivalent},
		{Report{Smoke: []SmokeResult{{Before: ok, After: failed}}}, VerdictNotEquivalent},
		{Report{Smoke: []SmokeResult{{Before: failed, After: failed}}}, VerdictSmokeFailed},
		{Report{Smoke: []SmokeResult{{Before: failed, After: failed}, {Before: ok, After: &SmokeRun{}}}}, VerdictNotEquivalent},
	} {
		if got := verdictOf(&tc.rep); got != tc.want {
			t.Errorf("verdictOf(%+v) = %s, want %s", tc.rep, got, tc.want)
		}
	}
	if (&Report{Verdict: VerdictSmokeFailed}).ExitCode() != ExitCouldNotBuild {
		t.Error("smoke-failed: want exit 2")
	}
}
