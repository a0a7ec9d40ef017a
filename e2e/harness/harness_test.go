package harness

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/verify"
)

func TestWheelBytes(t *testing.T) {
	w := Wheelhouse[1]
	data, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := w.Bytes()
	if !bytes.Equal(data, again) {
		t.Error("wheel is not reproducible")
	}
	if got := w.FileName(); got != "dfopt_greeter-0.2.0-py3-none-any.whl" {
		t.Errorf("FileName = %q", got)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
		names = append(names, f.Name)
	}
	const di = "dfopt_greeter-0.2.0.dist-info/"
	wantNames := []string{di + "METADATA", di + "WHEEL", di + "top_level.txt", "dfopt_greeter/__init__.py", di + "RECORD"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("names = %v, want %v", names, wantNames)
	}
	if m := files[di+"METADATA"]; !strings.Contains(m, "Name: dfopt-greeter\n") || !strings.Contains(m, "Requires-Dist: dfopt-hello>=1.0\n") {
		t.Errorf("METADATA:\n%s", m)
	}
	if files[di+"top_level.txt"] != "dfopt_greeter\n" {
		t.Errorf("top_level.txt = %q", files[di+"top_level.txt"])
	}
	// Every file but RECORD is listed in RECORD with its hash and size.
	lines := strings.Split(strings.TrimSpace(files[di+"RECORD"]), "\n")
	if len(lines) != len(names) {
		t.Fatalf("RECORD has %d lines for %d files", len(lines), len(names))
	}
	for _, l := range lines {
		parts := strings.Split(l, ",")
		if len(parts) != 3 {
			t.Fatalf("RECORD line %q", l)
		}
		if parts[0] == di+"RECORD" {
			if parts[1] != "" || parts[2] != "" {
				t.Errorf("RECORD entry for itself: %q", l)
			}
			continue
		}
		sum := sha256.Sum256([]byte(files[parts[0]]))
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); parts[1] != want {
			t.Errorf("%s hash %s, want %s", parts[0], parts[1], want)
		}
	}
}

func TestContextArgs(t *testing.T) {
	base := LayoutRef{Dir: "/l/base", Digest: "sha256:aa"}
	node := LayoutRef{Dir: "/l/node", Digest: "sha256:bb"}
	got := contextArgs(map[string]LayoutRef{"debian:bookworm": base, "debian:12": base, "node:18": node})
	want := []string{
		"--oci-layout", "layout0=/l/base",
		"--oci-layout", "layout1=/l/node",
		"--opt", "context:debian:12=oci-layout://layout0@sha256:aa",
		"--opt", "context:debian:bookworm=oci-layout://layout0@sha256:aa",
		"--opt", "context:node:18=oci-layout://layout1@sha256:bb",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("contextArgs:\n got %q\nwant %q", got, want)
	}
}

func TestEnvFromEnviron(t *testing.T) {
	home := t.TempDir()
	layout := filepath.Join(home, "layouts", "base")
	os.MkdirAll(layout, 0o755)
	os.WriteFile(filepath.Join(layout, "index.json"), []byte(`{}`), 0o644)
	buildctl := filepath.Join(home, "bin", "buildctl")
	os.MkdirAll(filepath.Dir(buildctl), 0o755)
	os.WriteFile(buildctl, []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(home, "env"), []byte(
		"BUILDKIT_HOST=unix:///x.sock\nDFOPT_E2E_BUILDCTL="+buildctl+"\nDFOPT_E2E_BASE_LAYOUT="+layout+"\nDFOPT_E2E_BASE_DIGEST=sha256:cc\n"), 0o644)
	t.Setenv(EnvHome, home)
	for _, k := range []string{EnvHost, EnvBuildctl, EnvBaseLayout, EnvBaseDigest} {
		t.Setenv(k, "")
	}
	e, err := EnvFromEnviron()
	if err != nil {
		t.Fatal(err)
	}
	want := &Env{Addr: "unix:///x.sock", Buildctl: buildctl, Home: home, Base: LayoutRef{Dir: layout, Digest: "sha256:cc"}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("env = %+v, want %+v", e, want)
	}
	// The environment wins over the recorded file.
	t.Setenv(EnvHost, "unix:///y.sock")
	if e, _ := EnvFromEnviron(); e.Addr != "unix:///y.sock" {
		t.Errorf("addr = %s", e.Addr)
	}

	t.Setenv(EnvHome, t.TempDir())
	t.Setenv(EnvBuildctl, buildctl)
	t.Setenv(EnvBaseLayout, "")
	if _, err := EnvFromEnviron(); err == nil || !strings.Contains(err.Error(), "setup.sh") {
		t.Errorf("missing base: err = %v", err)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\nd\n", 2); got != "c\nd" {
		t.Errorf("Tail = %q", got)
	}
}

func TestExampleLists(t *testing.T) {
	dir, err := ExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckExampleList(dir); err != nil {
		t.Error(err)
	}
	for _, ex := range Examples {
		if _, err := os.Stat(filepath.Join(dir, ex.Dir, "Dockerfile")); err != nil {
			t.Errorf("%s: %v", ex.Dir, err)
		}
		if _, skipped := NotBuilt[ex.Dir]; skipped {
			t.Errorf("%s is both built and not built", ex.Dir)
		}
	}

	// The aggressive examples: each has a Dockerfile whose FROM names a
	// stand-in base, smoke commands that verify can run, and is in no
	// other list.
	fromNames := map[string]bool{}
	for _, names := range [][]string{GoBaseNames, MavenBaseNames, NodeBaseNames, PythonBaseNames} {
		for _, n := range names {
			fromNames[n] = true
		}
	}
	seen := map[string]bool{}
	for _, ex := range AggressiveExamples {
		src, err := os.ReadFile(filepath.Join(dir, ex.Dir, "Dockerfile"))
		if err != nil {
			t.Errorf("%s: %v", ex.Dir, err)
			continue
		}
		for _, line := range strings.Split(string(src), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "FROM") && !fromNames[f[1]] {
				t.Errorf("%s: FROM %s is not a stand-in base the aggressive examples build on", ex.Dir, f[1])
			}
		}
		if _, skipped := NotBuilt[ex.Dir]; skipped || seen[ex.Dir] {
			t.Errorf("%s is listed twice", ex.Dir)
		}
		seen[ex.Dir] = true
		for _, e := range Examples {
			if e.Dir == ex.Dir {
				t.Errorf("%s is both an example and an aggressive example", ex.Dir)
			}
		}
		if len(ex.Smoke) == 0 || len(ex.Leaves) == 0 || ex.About == "" {
			t.Errorf("%s: no smoke command, no path to leave out or no description", ex.Dir)
		}
		for _, s := range ex.Smoke {
			if _, err := verify.ParseSmokeCommand(s.Command); err != nil {
				t.Errorf("%s: %v", ex.Dir, err)
			}
			if !strings.HasSuffix(s.Stdout, "\n") {
				t.Errorf("%s: %s: the expected output %q does not end a line", ex.Dir, s.Command, s.Stdout)
			}
		}
		if got := ex.SmokeCommands(); len(got) != len(ex.Smoke) || got[0] != ex.Smoke[0].Command {
			t.Errorf("%s: SmokeCommands() = %q", ex.Dir, got)
		}
	}

	tmp := t.TempDir()
	for _, d := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(tmp, d), 0o755)
	}
	if err := CheckExampleList(tmp); err == nil || !strings.Contains(err.Error(), "[a b]") {
		t.Errorf("unlisted examples: %v", err)
	}
}

func TestNamedContexts(t *testing.T) {
	got := NamedContexts(map[string]LayoutRef{"node:18": {Dir: "/l/node", Digest: "sha256:bb"}, "debian:12": {Dir: "/l/base", Digest: "sha256:aa"}})
	want := []string{"debian:12=oci-layout:///l/base@sha256:aa", "node:18=oci-layout:///l/node@sha256:bb"}
	var s []string
	for _, c := range got {
		s = append(s, c.String())
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("NamedContexts = %q, want %q", s, want)
	}
}
