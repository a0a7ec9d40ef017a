package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
)

const mergeable = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n"

// badPass returns a pass whose fix, or whose run, misbehaves.
func badPass(name string, run func(*analysis.Context) []analysis.Finding) *analysis.Pass {
	return &analysis.Pass{
		Name: name, Docs: analysis.StaticDocs("misbehave", "A pass with a bug."), Tier: analysis.Safe,
		Run: run,
	}
}

// A pass that breaks is an internal error: the file is reported and left
// alone, exit 2, and the other files are still processed.
func TestInternalError(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.Dockerfile")
	b := filepath.Join(dir, "b.Dockerfile")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, []byte(mergeable), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	passes := map[string]*analysis.Pass{
		"panic": badPass("panicky", func(ctx *analysis.Context) []analysis.Finding {
			if strings.HasSuffix(ctx.Doc.Name, "a.Dockerfile") {
				panic("boom")
			}
			return nil
		}),
		"unparsable output": badPass("breaker", func(ctx *analysis.Context) []analysis.Finding {
			if !strings.HasSuffix(ctx.Doc.Name, "a.Dockerfile") {
				return nil
			}
			return []analysis.Finding{{Message: "break it", Fix: &analysis.Fix{
				Message: "break", Edits: []analysis.Edit{analysis.Replace(0, 4, "RUN x\nFROM")},
			}}}
		}),
	}
	for what, p := range passes {
		t.Run(what, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runWith([]string{"-w", a, b}, strings.NewReader(""), &stdout, &stderr, []*analysis.Pass{p})
			if code != exitError {
				t.Errorf("exit status %d, want %d", code, exitError)
			}
			want := a + ": internal error in pass " + p.Name + ": "
			if !strings.HasPrefix(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting with %q", stderr.String(), want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
			for _, f := range []string{a, b} {
				got, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != mergeable {
					t.Errorf("%s was rewritten:\n%s", f, got)
				}
			}
		})
	}
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("writer exploded") }

// A panic anywhere is reported, never propagated.
func TestRunRecovers(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"--version"}, strings.NewReader(""), panicWriter{}, &stderr)
	if code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	if got, want := stderr.String(), "dfopt: internal error: writer exploded\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestIsDockerfileName(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile":                  true,
		"Dockerfile.dev":              true,
		"Dockerfile.prod.arm64":       true,
		"app.Dockerfile":              true,
		"app.dockerfile":              true,
		"Containerfile":               true,
		"Containerfile.ubi":           true,
		"dockerfile":                  false,
		"Dockerfile-old":              false,
		"Dockerfile.dockerignore":     false,
		"app.Dockerfile.dockerignore": false,
		"myDockerfile":                false,
		"Containerfiles":              false,
		".dockerignore":               false,
		"README.md":                   false,
	} {
		if got := isDockerfileName(name); got != want {
			t.Errorf("isDockerfileName(%q) = %v, want %v", name, got, want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A failure to write the output is an error.
func TestStdoutError(t *testing.T) {
	var stderr bytes.Buffer
	code := run(nil, strings.NewReader(mergeable), failWriter{}, &stderr)
	if code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	if got, want := stderr.String(), "dfopt: writing standard output: disk full\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}
