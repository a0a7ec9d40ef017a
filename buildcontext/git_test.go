package buildcontext_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

// Tracked tells what git tracks below a context path, and says it cannot
// tell without a repository, without a directory on disk, or without git.
func TestTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM scratch\n"))
	require.NoError(t, err)
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	for _, f := range []string{"node_modules/a/index.js", "build/out.txt", "src/main.js"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x\n"), 0o644))
	}
	ask := func(p string) (bool, bool) {
		return buildcontext.Tracked(&analysis.Context{Doc: doc, ContextDir: dir}, p)
	}
	tracked, known := ask("node_modules")
	require.False(t, known, "not a repository yet")
	require.False(t, tracked)

	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com",
			"-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git("init", "-q")
	git("add", "node_modules", "src")
	git("commit", "-q", "-m", "x")
	for p, want := range map[string]bool{"node_modules": true, "node_modules/a": true, "src": true, "build": false, "nothing": false} {
		tracked, known := ask(p)
		require.True(t, known, p)
		require.Equal(t, want, tracked, p)
	}
	_, known = buildcontext.Tracked(&analysis.Context{Doc: doc}, "node_modules")
	require.False(t, known, "no directory on disk")

	saved := buildcontext.GitCommand
	buildcontext.GitCommand = filepath.Join(dir, "no-such-git")
	defer func() { buildcontext.GitCommand = saved }()
	_, known = ask("node_modules")
	require.False(t, known, "no git")
}

// sharedDir is a context directory that several Optimize calls share.
type sharedDir struct {
	fs.FS
	analysis.Facts
}

// Dockerfiles that read the same shared context ask git once per path.
func TestTrackedShared(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM scratch\n"))
	require.NoError(t, err)
	dir, bin := t.TempDir(), t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	p := filepath.Join(dir, "node_modules", "a", "index.js")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte("x\n"), 0o644))
	cmd := exec.Command(real, "-C", dir, "init", "-q")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	// A git that counts its runs.
	calls := filepath.Join(bin, "calls")
	wrapper := filepath.Join(bin, "git")
	require.NoError(t, os.WriteFile(wrapper, []byte("#!/bin/sh\necho x >> '"+calls+"'\nexec '"+real+"' \"$@\"\n"), 0o755))
	saved := buildcontext.GitCommand
	buildcontext.GitCommand = wrapper
	defer func() { buildcontext.GitCommand = saved }()
	runs := func() int {
		data, _ := os.ReadFile(calls)
		return strings.Count(string(data), "\n")
	}

	shared := &sharedDir{FS: os.DirFS(dir)}
	for range 3 {
		ctx := &analysis.Context{Doc: doc, BuildContext: shared, Shared: shared, ContextDir: dir}
		for range 2 {
			tracked, known := buildcontext.Tracked(ctx, "node_modules")
			require.True(t, known)
			require.False(t, tracked)
		}
	}
	require.Equal(t, 2, runs(), "rev-parse and ls-files once for three Dockerfiles")

	// Without a shared context, once per run.
	for range 2 {
		ctx := &analysis.Context{Doc: doc, ContextDir: dir}
		buildcontext.Tracked(ctx, "node_modules")
		buildcontext.Tracked(ctx, "node_modules")
	}
	require.Equal(t, 6, runs())
}
