package buildkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/oci"
)

// fakeRunner records commands and answers them with fn.
type fakeRunner struct {
	calls []*Cmd
	fn    func(c *Cmd) error
}

func (f *fakeRunner) Run(ctx context.Context, c *Cmd) error {
	f.calls = append(f.calls, c)
	if f.fn == nil {
		return nil
	}
	return f.fn(c)
}

// exitError is what a program that exits non-zero returns.
var errExit = errors.New("exit status 1")

func TestBuildctlArgs(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o755)
	layout := writeLayout(t, filepath.Join(dir, "layout"))

	b := &Buildctl{Addr: "unix:///run/bk.sock"}
	req := &Request{
		ContextDir:     "/ctx",
		DockerfileDir:  "/df",
		DockerfileName: "app.Dockerfile",
		Contexts: []NamedContext{
			{"debian:bookworm", "oci-layout:///l/base@sha256:aa"},
			{"debian:12", "oci-layout:///l/base@sha256:aa"},
			{"python:3.11", "oci-layout://" + layout.dir}, // digest read from the layout
			{"shared", shared},
			{"alpine", "docker-image://alpine:3.20"},
		},
		BuildArgs:    []BuildArg{{"VERSION", "1.2"}, {"EMPTY", ""}},
		Target:       "runtime",
		NoCache:      true,
		IgnoreSyntax: true,
		Output:       "/out/image.tar",
	}
	got, err := b.Args(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--addr", "unix:///run/bk.sock", "build",
		"--progress", "plain",
		"--frontend", "dockerfile.v0",
		"--local", "context=/ctx",
		"--local", "dockerfile=/df",
		"--opt", "filename=app.Dockerfile",
		"--opt", "cmdline=",
		"--oci-layout", "layout0=/l/base",
		"--oci-layout", "layout1=" + layout.dir,
		"--local", "shared=" + shared,
		"--opt", "context:debian:bookworm=oci-layout://layout0@sha256:aa",
		"--opt", "context:debian:12=oci-layout://layout0@sha256:aa",
		"--opt", "context:python:3.11=oci-layout://layout1@" + layout.digest,
		"--opt", "context:shared=local:shared",
		"--opt", "context:alpine=docker-image://alpine:3.20",
		"--opt", "build-arg:VERSION=1.2",
		"--opt", "build-arg:EMPTY=",
		"--opt", "target=runtime",
		"--no-cache",
		"--output", "type=oci,dest=/out/image.tar",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}

	// The minimal command: no address (buildctl's default), no syntax
	// line, no output, a layout directory output.
	b = &Buildctl{}
	got, _ = b.Args(&Request{ContextDir: "c", DockerfileDir: "d", Output: "o", OutputDir: true})
	want = []string{"build", "--progress", "plain", "--frontend", "dockerfile.v0",
		"--local", "context=c", "--local", "dockerfile=d", "--opt", "filename=Dockerfile",
		"--output", "type=oci,dest=o,tar=false"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
	if _, err := b.Args(&Request{DockerfileDir: "d"}); err == nil {
		t.Error("no context: no error")
	}

	// The files of the stage into a directory.
	got, _ = b.Args(&Request{ContextDir: "c", DockerfileDir: "d", LocalOutput: "/out/files"})
	want = []string{"build", "--progress", "plain", "--frontend", "dockerfile.v0",
		"--local", "context=c", "--local", "dockerfile=d", "--opt", "filename=Dockerfile",
		"--output", "type=local,dest=/out/files"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
	if _, err := b.Args(&Request{ContextDir: "c", DockerfileDir: "d", Output: "o", LocalOutput: "l"}); err == nil {
		t.Error("two outputs: no error")
	}
}

func TestBuildctlContextArgs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	layout := writeLayout(t, filepath.Join(dir, "layout"))
	for _, tc := range []struct {
		name string
		in   []NamedContext
		want []string
		err  string
	}{
		{
			name: "local names that are not plain words, or taken, get a generated one",
			in:   []NamedContext{{"context", dir}, {"my/lib", dir}, {"docs", dir}},
			want: []string{
				"--local", "named-context-0=" + dir,
				"--local", "named-context-1=" + dir,
				"--local", "docs=" + dir,
				"--opt", "context:context=local:named-context-0",
				"--opt", "context:my/lib=local:named-context-1",
				"--opt", "context:docs=local:docs",
			},
		},
		{
			name: "tag and digest: the digest wins",
			in:   []NamedContext{{"base", "oci-layout://" + layout.dir + ":v1@sha256:bb"}},
			want: []string{"--oci-layout", "layout0=" + layout.dir, "--opt", "context:base=oci-layout://layout0@sha256:bb"},
		},
		{
			name: "tag only: resolved in the layout",
			in:   []NamedContext{{"base", "oci-layout://" + layout.dir + ":v1"}},
			want: []string{"--oci-layout", "layout0=" + layout.dir, "--opt", "context:base=oci-layout://layout0@" + layout.digest},
		},
		{name: "unknown tag", in: []NamedContext{{"base", "oci-layout://" + layout.dir + ":v2"}}, err: `no image named "v2"`},
		{name: "missing directory", in: []NamedContext{{"x", filepath.Join(dir, "nope")}}, err: "no such file"},
		{name: "not a directory", in: []NamedContext{{"x", file}}, err: "not a directory"},
		{name: "no name", in: []NamedContext{{"", dir}}, err: "has no name"},
		{name: "URLs pass through", in: []NamedContext{{"src", "https://example.com/src.tar"}, {"g", "git@github.com:o/r.git"}},
			want: []string{"--opt", "context:src=https://example.com/src.tar", "--opt", "context:g=git@github.com:o/r.git"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BuildctlContextArgs(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSplitOCILayout(t *testing.T) {
	for in, want := range map[string][3]string{
		"/a/b@sha256:cc":        {"/a/b", "", "sha256:cc"},
		"/a/b:tag@sha256:cc":    {"/a/b", "tag", "sha256:cc"},
		"/a/b:tag":              {"/a/b", "tag", ""},
		"/a:b/c":                {"/a:b/c", "", ""},
		"rel/dir":               {"rel/dir", "", ""},
		"/a/b@notadigest/x:tag": {"/a/b@notadigest/x", "tag", ""},
	} {
		d, tg, dg := splitOCILayout(in)
		if got := [3]string{d, tg, dg}; got != want {
			t.Errorf("splitOCILayout(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildxArgs(t *testing.T) {
	b := &Buildx{Builder: "ci"}
	req := &Request{
		ContextDir:     "/ctx",
		DockerfileDir:  "/df",
		DockerfileName: "app.Dockerfile",
		Contexts: []NamedContext{
			{"debian:bookworm", "oci-layout:///l/base@sha256:aa"},
			{"shared", "/src/shared"},
		},
		BuildArgs:    []BuildArg{{"VERSION", "1.2"}},
		Target:       "runtime",
		NoCache:      true,
		IgnoreSyntax: true, // cannot be said to buildx: no effect
		Output:       "/out/image.tar",
		ExtraArgs:    []string{"--platform", "linux/amd64"},
	}
	got, err := b.Args(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"buildx", "build", "--progress", "plain", "--builder", "ci",
		"--file", "/df/app.Dockerfile",
		"--build-context", "debian:bookworm=oci-layout:///l/base@sha256:aa",
		"--build-context", "shared=/src/shared",
		"--build-arg", "VERSION=1.2",
		"--target", "runtime",
		"--no-cache",
		"--output", "type=oci,dest=/out/image.tar",
		"--platform", "linux/amd64",
		"/ctx",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
	got, _ = (&Buildx{}).Args(&Request{ContextDir: ".", DockerfileDir: "d"})
	want = []string{"buildx", "build", "--progress", "plain", "--file", "d/Dockerfile", "."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
	got, _ = (&Buildx{}).Args(&Request{ContextDir: ".", DockerfileDir: "d", LocalOutput: "/out/files"})
	want = []string{"buildx", "build", "--progress", "plain", "--file", "d/Dockerfile", "--output", "type=local,dest=/out/files", "."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("args:\n got %q\nwant %q", got, want)
	}
	if _, err := (&Buildx{}).Args(&Request{ContextDir: ".", DockerfileDir: "d", Output: "o", LocalOutput: "l"}); err == nil {
		t.Error("two outputs: no error")
	}
}

func TestBuildRunsTheCommand(t *testing.T) {
	const log = "#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n"
	for _, b := range []Builder{
		&Buildctl{Path: "/opt/bk/buildctl"},
		&Buildx{Path: "/usr/bin/docker"},
	} {
		t.Run(b.Name(), func(t *testing.T) {
			fr := &fakeRunner{fn: func(c *Cmd) error {
				io.WriteString(c.Output, log)
				return nil
			}}
			setRunner(b, fr)
			var streamed strings.Builder
			res, err := b.Build(context.Background(), &Request{ContextDir: "c", DockerfileDir: "d", Log: &streamed})
			if err != nil {
				t.Fatal(err)
			}
			if len(fr.calls) != 1 {
				t.Fatalf("%d commands run", len(fr.calls))
			}
			c := fr.calls[0]
			if c.Path != res.Command || !reflect.DeepEqual(c.Args, res.Args) {
				t.Errorf("ran %s, result says %s %q", c, res.Command, res.Args)
			}
			if res.Log != log || streamed.String() != log {
				t.Errorf("log %q, streamed %q", res.Log, streamed.String())
			}
			switch b.(type) {
			case *Buildctl:
				if c.Path != "/opt/bk/buildctl" || len(c.Env) != 0 {
					t.Errorf("command %s env %q", c, c.Env)
				}
			case *Buildx:
				if c.Path != "/usr/bin/docker" || !reflect.DeepEqual(c.Env, []string{"BUILDX_NO_DEFAULT_ATTESTATIONS=1"}) {
					t.Errorf("command %s env %q", c, c.Env)
				}
			}

			// A failing build returns the log with the error.
			fr.fn = func(c *Cmd) error {
				io.WriteString(c.Output, "#5 [2/2] RUN false\n#5 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1\n")
				return errExit
			}
			res, err = b.Build(context.Background(), &Request{ContextDir: "c", DockerfileDir: "d"})
			var be *BuildError
			if !errors.As(err, &be) || !errors.Is(err, errExit) {
				t.Fatalf("err = %v, want a BuildError", err)
			}
			if res == nil || !strings.Contains(be.LogTail(1), "did not complete successfully") {
				t.Errorf("log tail %q", be.LogTail(1))
			}
		})
	}
}

func TestBuildxDockerDriverHint(t *testing.T) {
	fr := &fakeRunner{fn: func(c *Cmd) error {
		io.WriteString(c.Output, "ERROR: failed to build: OCI exporter is not supported for the docker driver.\n")
		return errExit
	}}
	_, err := (&Buildx{Runner: fr}).Build(context.Background(), &Request{ContextDir: "c", DockerfileDir: "d", Output: "x.tar"})
	if err == nil || !strings.Contains(err.Error(), "docker buildx create --use") {
		t.Errorf("err = %v", err)
	}
}

func setRunner(b Builder, r Runner) {
	switch b := b.(type) {
	case *Buildctl:
		b.Runner = r
	case *Buildx:
		b.Runner = r
	}
}

func TestCheck(t *testing.T) {
	notFoundErr := &exec.Error{Name: "buildctl", Err: exec.ErrNotFound}
	for _, tc := range []struct {
		name    string
		b       Builder
		fn      func(c *Cmd) error
		want    []string // in the error; nil: no error
		wantCmd []string
	}{
		{
			name:    "buildctl answers",
			b:       &Buildctl{Addr: "tcp://bk:1234"},
			wantCmd: []string{"buildctl --addr tcp://bk:1234 debug workers"},
		},
		{
			name: "buildctl missing",
			b:    &Buildctl{},
			fn:   func(c *Cmd) error { return notFoundErr },
			want: []string{"cannot use buildctl: buildctl not found", "install buildctl"},
		},
		{
			name: "buildkitd not answering",
			b:    &Buildctl{Addr: "unix:///nowhere.sock"},
			fn: func(c *Cmd) error {
				io.WriteString(c.Output, "error: dial unix /nowhere.sock: connect: no such file or directory\n")
				return errExit
			},
			want: []string{"cannot use buildctl at unix:///nowhere.sock: buildkitd does not answer",
				"connect: no such file or directory", "point --addr or $BUILDKIT_HOST"},
		},
		{
			name:    "docker answers",
			b:       &Buildx{},
			wantCmd: []string{"docker buildx version", "docker info --format {{.ServerVersion}}"},
		},
		{
			name: "no buildx",
			b:    &Buildx{},
			fn: func(c *Cmd) error {
				if c.Args[0] == "buildx" {
					io.WriteString(c.Output, "docker: unknown command: docker buildx\n")
					return errExit
				}
				return nil
			},
			want: []string{"cannot use docker: docker buildx is not available", "unknown command", "install the buildx plugin"},
		},
		{
			name: "no daemon",
			b:    &Buildx{},
			fn: func(c *Cmd) error {
				if c.Args[0] == "info" {
					io.WriteString(c.Output, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n")
					return errExit
				}
				return nil
			},
			want: []string{"the Docker daemon does not answer", "Cannot connect", "start the Docker daemon"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := &fakeRunner{fn: tc.fn}
			setRunner(tc.b, fr)
			err := tc.b.Check(context.Background())
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				var cmds []string
				for _, c := range fr.calls {
					cmds = append(cmds, c.String())
				}
				if !reflect.DeepEqual(cmds, tc.wantCmd) {
					t.Errorf("commands %q, want %q", cmds, tc.wantCmd)
				}
				return
			}
			var ue *UnreachableError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an UnreachableError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestSelect(t *testing.T) {
	ctx := context.Background()
	dockerOK := &fakeRunner{}
	b, err := Select(ctx, SelectOptions{Runner: dockerOK})
	if err != nil || b.Name() != "docker" {
		t.Errorf("auto with docker: %v, %v", b, err)
	}
	noDaemon := &fakeRunner{fn: func(c *Cmd) error {
		if c.Args[0] == "info" {
			return errExit
		}
		return nil
	}}
	b, err = Select(ctx, SelectOptions{Runner: noDaemon})
	if err != nil || b.Name() != "buildctl" {
		t.Fatalf("auto without daemon: %v, %v", b, err)
	}
	// When buildctl does not work either, the message says why docker
	// was not used.
	noDaemon.fn = func(c *Cmd) error { return errExit }
	if err := b.Check(ctx); err == nil || !strings.Contains(err.Error(), "docker buildx was not used") {
		t.Errorf("check: %v", err)
	}

	// An address means buildctl; docker is not even asked.
	fr := &fakeRunner{}
	b, _ = Select(ctx, SelectOptions{Runner: fr, Addr: "tcp://x:1"})
	if b.Name() != "buildctl" || len(fr.calls) != 0 || b.Describe() != "buildctl at tcp://x:1" {
		t.Errorf("with --addr: %s, %d calls", b.Describe(), len(fr.calls))
	}
	for kind, name := range map[string]string{KindDocker: "docker", KindBuildctl: "buildctl"} {
		fr := &fakeRunner{}
		b, _ := Select(ctx, SelectOptions{Kind: kind, Runner: fr})
		if b.Name() != name || len(fr.calls) != 0 {
			t.Errorf("%s: %s, %d calls", kind, b.Name(), len(fr.calls))
		}
	}
	if _, err := Select(ctx, SelectOptions{Kind: "podman"}); err == nil {
		t.Error("unknown kind: no error")
	}
}

func TestBuildctlDefaultAddr(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "")
	if got := (&Buildctl{}).EffectiveAddr(); got != DefaultBuildkitAddr {
		t.Errorf("addr %s", got)
	}
	t.Setenv("BUILDKIT_HOST", "tcp://h:1")
	if got := (&Buildctl{}).EffectiveAddr(); got != "tcp://h:1" {
		t.Errorf("addr %s", got)
	}
}

func TestParseFlags(t *testing.T) {
	if c, err := ParseNamedContext("debian:bookworm=oci-layout:///x@sha256:a=b"); err != nil ||
		c != (NamedContext{"debian:bookworm", "oci-layout:///x@sha256:a=b"}) {
		t.Errorf("ParseNamedContext = %v, %v", c, err)
	}
	for _, bad := range []string{"x", "=y", "x="} {
		if _, err := ParseNamedContext(bad); err == nil {
			t.Errorf("ParseNamedContext(%q): no error", bad)
		}
	}
	if a, err := ParseBuildArg("A=b=c"); err != nil || a != (BuildArg{"A", "b=c"}) {
		t.Errorf("ParseBuildArg = %v, %v", a, err)
	}
	t.Setenv("DFOPT_TEST_ARG", "from-env")
	if a, err := ParseBuildArg("DFOPT_TEST_ARG"); err != nil || a.Value != "from-env" {
		t.Errorf("ParseBuildArg from env = %v, %v", a, err)
	}
	if _, err := ParseBuildArg("DFOPT_TEST_UNSET_ARG"); err == nil {
		t.Error("unset variable: no error")
	}
	if _, err := ParseBuildArg("=x"); err == nil {
		t.Error("no key: no error")
	}
}

// This is what buildctl v0.34 printed for a two-stage build after a
// source file changed.
const rebuildLog = `time="2026-11-23T20:29:39Z" level=warning msg="failed check for fsverity support"
#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 237B done
#1 DONE 0.0s

#2 DONE 0.0s

#3 [internal] load .dockerignore
#3 transferring context: 2B done
#3 DONE 0.0s

#4 [context debian:bookworm] OCI load from client
#4 DONE 0.0s

#5 [internal] load build context
#5 transferring context: 40B done
#5 DONE 0.0s

#6 [build 1/4] WORKDIR /src
#6 CACHED

#7 [build 2/4] COPY a.txt .
#7 DONE 0.0s

#8 [build 3/4] RUN cat a.txt > b.txt
#8 0.120 some output
#8 DONE 0.2s

#4 [context debian:bookworm] OCI load from client
#4 CACHED

#9 [stage-1 1/3] COPY --from=build /src/b.txt /b.txt
#9 DONE 0.0s

#10 [stage-1 2/3] RUN echo hi
#10 CACHED

#12 [2/2] FROM docker.io/library/alpine:3.20@sha256:abc
#12 CACHED

#11 exporting to oci image format
#11 exporting layers 0.1s done
#11 DONE 0.8s
`

func TestParseProgress(t *testing.T) {
	p := ParseProgress(rebuildLog)
	var names []string
	for _, v := range p.Steps() {
		names = append(names, fmt.Sprintf("%s cached=%v", v.Name, v.Cached))
	}
	want := []string{
		"[build 1/4] WORKDIR /src cached=true",
		"[build 2/4] COPY a.txt . cached=false",
		"[build 3/4] RUN cat a.txt > b.txt cached=false",
		"[stage-1 1/3] COPY --from=build /src/b.txt /b.txt cached=false",
		"[stage-1 2/3] RUN echo hi cached=true",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("steps:\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if n := p.CachedSteps(); n != 2 {
		t.Errorf("CachedSteps = %d, want 2", n)
	}
	if len(p.Vertices) != 12 {
		t.Errorf("%d vertices, want 12", len(p.Vertices))
	}
	for _, v := range p.Vertices {
		want := []string(nil)
		if v.ID == 8 {
			want = []string{"some output"}
		}
		if !reflect.DeepEqual(v.Output, want) {
			t.Errorf("#%d output %q, want %q", v.ID, v.Output, want)
		}
	}
	failed := ParseProgress("#7 [3/3] RUN false\n#7 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1\n").Failed()
	if len(failed) != 1 || !strings.HasPrefix(failed[0].Error, "process") {
		t.Errorf("failed = %+v", failed)
	}
}

type layoutInfo struct{ dir, digest string }

// writeLayout writes a one-layer image layout tagged v1.
func writeLayout(t *testing.T, dir string) layoutInfo {
	t.Helper()
	rootfs := t.TempDir()
	os.WriteFile(filepath.Join(rootfs, "hello"), []byte("hi\n"), 0o644)
	res, err := oci.WriteLayout(rootfs, dir, oci.WriteOptions{RefName: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	return layoutInfo{dir: dir, digest: res.Manifest.Digest}
}
