package splitcopy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func TestParseGitLog(t *testing.T) {
	// git log -z --name-only --format=%x01 of three commits, the last
	// without files (a merge), in a context at docker/ctx/ of the work tree.
	out := "\x01\x00\ndocker/ctx/site/a.js\x00docker/ctx/site/vendor/x.js\x00other/file\x00" +
		"\x01\x00\ndocker/ctx/site/b c.js\x00" +
		"\x01\x00"
	got := parseGitLog([]byte(out), "docker/ctx/")
	require.Equal(t, [][]string{{"site/a.js", "site/vendor/x.js"}, {"site/b c.js"}, {}}, got)

	got = parseGitLog([]byte("\x01\x00\na\x00b/c\x00"), "")
	require.Equal(t, [][]string{{"a", "b/c"}}, got)
	require.Empty(t, parseGitLog(nil, ""))
}

func TestExcludeUnsupported(t *testing.T) {
	for _, tc := range []struct {
		syntax string
		ok     bool
	}{
		{"", false}, // the builder's own frontend may be older than 1.19
		{"docker/dockerfile:1", true},
		{"docker/dockerfile:1-labs", true},
		{"docker/dockerfile", true},
		{"docker/dockerfile:latest", true},
		{"docker/dockerfile:labs", true},
		{"docker/dockerfile:1.19", true},
		{"docker/dockerfile:1.19.0", true},
		{"docker.io/docker/dockerfile:1.27-labs", true},
		{"docker/dockerfile-upstream:1.20.0-rc1", true},
		{"docker/dockerfile:1.19@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true},
		{"docker/dockerfile:2", true},
		{"docker/dockerfile:1.18", false},
		{"docker/dockerfile:1.7-labs", false},
		{"docker/dockerfile:1.4.3", false},
		{"docker/dockerfile:0.9", false},
		{"docker/dockerfile@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false},
		{"docker/dockerfile:experimental", false},
		{"example.com/my/frontend:1", false},
		{"tonistiigi/dockerfile:runmount", false},
	} {
		src := "FROM scratch\n"
		if tc.syntax != "" {
			src = "# syntax=" + tc.syntax + "\n" + src
		}
		doc, err := dockerfile.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		why := excludeUnsupported(doc)
		require.Equal(t, tc.ok, why == "", "%s: %q", tc.syntax, why)
	}
}

// history builds a dirHistory: n commits touching each listed set of paths.
func history(tracked []string, steps ...any) *dirHistory {
	h := &dirHistory{tracked: map[string]bool{}}
	for _, p := range tracked {
		h.tracked[p] = true
	}
	for i := 0; i < len(steps); i += 2 {
		n := steps[i].(int)
		paths := steps[i+1].([]string)
		for j := 0; j < n; j++ {
			h.commits = append(h.commits, paths)
		}
	}
	return h
}

func entry(name string, dir bool, bytes int64, files ...string) *copyEntry {
	return &copyEntry{name: name, dir: dir, bytes: bytes, files: files, plain: true}
}

func stats(entries ...*copyEntry) *copyDirStats {
	st := &copyDirStats{entries: entries}
	for _, e := range entries {
		st.bytes += e.bytes
	}
	return st
}

func stableNames(p *splitPlan) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, e := range p.stable {
		out = append(out, e.name)
	}
	return out
}

func TestDecideSplit(t *testing.T) {
	const mib = 1 << 20
	tracked := []string{"s/vendor/a.js", "s/vendor/b.js", "s/fonts/f.woff", "s/logo.png", "s/app/main.js", "s/index.html", "s/big1", "s/big2", "s/big3", "s/big4"}
	vendor := entry("vendor", true, 6*mib, "s/vendor/a.js", "s/vendor/b.js")
	fonts := entry("fonts", true, 2*mib, "s/fonts/f.woff")
	logo := entry("logo.png", false, 1*mib, "s/logo.png")
	app := entry("app", true, 100<<10, "s/app/main.js")
	index := entry("index.html", false, 10<<10, "s/index.html")
	st := stats(vendor, fonts, logo, app, index)

	t.Run("pays off", func(t *testing.T) {
		h := history(tracked,
			1, []string{"s/vendor/a.js", "s/fonts/f.woff", "s/logo.png", "s/app/main.js", "s/index.html"},
			1, []string{"s/fonts/f.woff"},
			30, []string{"s/app/main.js"},
			8, []string{"s/index.html", "s/app/main.js"})
		p := decideSplit("s", st, h, mib)
		require.NotNil(t, p)
		// Least changed first; ties by size.
		require.Equal(t, []string{"vendor", "logo.png", "fonts"}, stableNames(p))
		require.Equal(t, 40, p.total)
		require.Equal(t, 2, p.touched)
		require.Equal(t, 38, p.restly)
	})
	t.Run("uniform churn", func(t *testing.T) {
		h := history(tracked,
			10, []string{"s/vendor/a.js", "s/app/main.js"},
			10, []string{"s/fonts/f.woff", "s/index.html"},
			10, []string{"s/logo.png"})
		require.Nil(t, decideSplit("s", st, h, mib))
	})
	t.Run("too few commits", func(t *testing.T) {
		h := history(tracked, 9, []string{"s/app/main.js"})
		require.Nil(t, decideSplit("s", st, h, mib))
	})
	t.Run("a stable entry changes in more than 10% of the commits", func(t *testing.T) {
		h := history(tracked, 5, []string{"s/vendor/b.js"}, 35, []string{"s/app/main.js"})
		st := stats(entry("vendor", true, 2*mib, "s/vendor/a.js", "s/vendor/b.js"), entry("fonts", true, 3*mib, "s/fonts/f.woff"),
			entry("logo.png", false, 4*mib, "s/logo.png"), app)
		require.Equal(t, []string{"logo.png", "fonts"}, stableNames(decideSplit("s", st, h, mib)))
	})
	t.Run("the rest changes alone in fewer than 75% of the commits", func(t *testing.T) {
		// Each stable entry changes in 10%, but not together.
		h := history(tracked,
			4, []string{"s/vendor/b.js", "s/app/main.js"},
			4, []string{"s/fonts/f.woff", "s/app/main.js"},
			4, []string{"s/logo.png", "s/app/main.js"},
			28, []string{"s/app/main.js"})
		require.Nil(t, decideSplit("s", st, h, mib))
	})
	t.Run("the stable part is small", func(t *testing.T) {
		h := history(tracked, 1, []string{"s/vendor/a.js"}, 30, []string{"s/app/main.js"})
		small := stats(entry("vendor", true, 600<<10, "s/vendor/a.js"), entry("app", true, 100<<10, "s/app/main.js"))
		require.Nil(t, decideSplit("s", small, h, mib))
		require.Equal(t, []string{"vendor"}, stableNames(decideSplit("s", small, h, 512<<10)))
	})
	t.Run("the stable part is not half of the bytes", func(t *testing.T) {
		h := history(tracked, 1, []string{"s/vendor/a.js"}, 30, []string{"s/app/main.js"})
		st := stats(entry("vendor", true, 4*mib, "s/vendor/a.js"), entry("app", true, 5*mib, "s/app/main.js"))
		require.Nil(t, decideSplit("s", st, h, mib))
	})
	t.Run("untracked, unplain and tiny entries are not stable", func(t *testing.T) {
		h := history(tracked, 1, []string{"s/vendor/a.js"}, 30, []string{"s/app/main.js"})
		gen := entry("generated", true, 5*mib, "s/generated/x.js")
		link := entry("link", false, 0)
		link.plain = false
		odd := entry("we ird", true, 5*mib, "s/vendor/a.js")
		odd.plain = false
		empty := entry("empty", true, 0)
		st := stats(vendor, gen, link, odd, empty, app)
		require.Nil(t, decideSplit("s", st, h, mib), "vendor is 6 of 16 MiB")
		st = stats(vendor, gen, app)
		require.Equal(t, []string{"vendor"}, stableNames(decideSplit("s", st, h, mib)))
	})
	t.Run("at most three, the largest", func(t *testing.T) {
		h := history(tracked, 1, []string{"s/big1"}, 30, []string{"s/app/main.js"})
		st := stats(entry("big1", false, 3*mib, "s/big1"), entry("big2", false, 4*mib, "s/big2"),
			entry("big3", false, 5*mib, "s/big3"), entry("big4", false, 6*mib, "s/big4"), app)
		require.Equal(t, []string{"big4", "big3", "big2"}, stableNames(decideSplit("s", st, h, mib)))
	})
}

func TestConcentrated(t *testing.T) {
	const mib = 1 << 20
	require.Len(t, concentrated(stats(entry("a", true, 3*mib), entry("b", true, mib)), mib), 2)
	// Spread over many entries: nothing to split.
	var many []*copyEntry
	for i := 0; i < 20; i++ {
		many = append(many, entry(fmt.Sprint(i), false, mib))
	}
	require.Nil(t, concentrated(stats(many...), mib))
	require.Nil(t, concentrated(stats(entry("a", true, 300<<10), entry("b", true, 10<<10)), mib))
}

func TestSplitDirStats(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		p = filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	write("s/vendor/a.js", "aaaa")
	write("s/vendor/b.map", "bbbbbbbb")
	write("s/app.js", "12")
	write("s/linked", "123")
	write("s/ignored/x", "x")
	write(".dockerignore", "s/ignored\ns/**/*.map\n")
	require.NoError(t, os.Link(filepath.Join(dir, "s/linked"), filepath.Join(dir, "s/vendor/hard")))
	require.NoError(t, os.Symlink("vendor", filepath.Join(dir, "s/link")))
	write("s/other/c", "c")

	ctx := &analysis.Context{BuildContext: os.DirFS(dir)}
	ctx.Doc, _ = dockerfile.Parse("Dockerfile", []byte("FROM scratch\n"))
	cv := buildcontext.Of(ctx)
	st := readDirStats(cv, "s")
	got := map[string]string{}
	for _, e := range st.entries {
		got[e.name] = fmt.Sprintf("dir=%v bytes=%d files=%d plain=%v", e.dir, e.bytes, len(e.files), e.plain)
	}
	require.Equal(t, map[string]string{
		"app.js": "dir=false bytes=2 files=1 plain=true",
		"linked": "dir=false bytes=3 files=1 plain=false",
		"link":   "dir=false bytes=0 files=0 plain=false",
		"other":  "dir=true bytes=1 files=1 plain=true",
		// vendor holds a hard link to linked; b.map is ignored.
		"vendor": "dir=true bytes=7 files=2 plain=false",
	}, got)
	require.EqualValues(t, 13, st.bytes)
}

// gitRepoWith makes a work tree with the context in ctx/ and the given
// commits, each writing the files it names.
func gitRepoWith(t *testing.T, commits ...[]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	top := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(top))
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", top, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git("init", "-q")
	for i, c := range commits {
		for _, p := range c {
			p = filepath.Join(top, filepath.FromSlash(p))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(fmt.Sprintf("%d\n", i)), 0o644))
		}
		git("add", "-A")
		git("commit", "-q", "-m", fmt.Sprint(i))
	}
	return filepath.Join(top, "ctx")
}

func TestContextHistory(t *testing.T) {
	var commits [][]string
	commits = append(commits, []string{"ctx/site/vendor/a.js", "ctx/site/app/main.js", "outside/x", "ctx/other/y"})
	for i := 0; i < 12; i++ {
		commits = append(commits, []string{"ctx/site/app/main.js", "outside/x"})
	}
	commits = append(commits, []string{"outside/x"})
	ctxDir := gitRepoWith(t, commits...)
	ctx := &analysis.Context{ContextDir: ctxDir}
	h := contextHistory(ctx, "site")
	require.Empty(t, h.reason)
	require.Len(t, h.commits, 13)
	require.Equal(t, []string{"site/app/main.js"}, h.commits[0])
	require.Equal(t, []string{"site/app/main.js", "site/vendor/a.js"}, h.commits[12])
	require.Equal(t, map[string]bool{"site/app/main.js": true, "site/vendor/a.js": true}, h.tracked)
	require.Same(t, h, contextHistory(ctx, "site"), "memoized")

	h = contextHistory(ctx, "other")
	require.Contains(t, h.reason, "git history has 1 commit touching other, fewer than the 10")
}

func TestContextHistoryWithoutGit(t *testing.T) {
	old := gitCommand
	gitCommand = "dfopt-no-such-git"
	defer func() { gitCommand = old }()
	h := contextHistory(&analysis.Context{ContextDir: t.TempDir()}, "site")
	require.Equal(t, "git is not installed, so the history of the build context is unknown", h.reason)

	gitCommand = old
	h = contextHistory(&analysis.Context{}, "site")
	require.Contains(t, h.reason, "not a directory on disk")
	if _, err := exec.LookPath("git"); err == nil {
		dir := t.TempDir()
		t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
		h = contextHistory(&analysis.Context{ContextDir: dir}, "site")
		require.Equal(t, "the build context is not in a git work tree", h.reason)
	}
}

// The rewrite is found again in its output: a COPY with --exclude is not
// a candidate, and neither is the copy of a single file.
func TestSplitCopyRecognisesItsOutput(t *testing.T) {
	ctxFS := fstest.MapFS{
		"site/vendor/a.js": {Data: []byte(strings.Repeat("a", 4000))},
		"site/logo.svg":    {Data: []byte(strings.Repeat("b", 2000))},
		"site/app.js":      {Data: []byte("x")},
	}
	src := "FROM scratch\nCOPY --exclude=* --exclude=!vendor site /s\nCOPY site/logo.svg /s/logo.svg\nCOPY --exclude=vendor --exclude=logo.svg site /s\n"
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ctx := &analysis.Context{Doc: doc, BuildContext: ctxFS, Settings: map[string]string{minBytesSetting: "0"}}
	require.Empty(t, run(ctx))

	doc, err = dockerfile.Parse("Dockerfile", []byte("FROM scratch\nCOPY site /s\n"))
	require.NoError(t, err)
	ctx = &analysis.Context{Doc: doc, BuildContext: ctxFS, Settings: map[string]string{minBytesSetting: "0"}}
	fs := run(ctx)
	require.Len(t, fs, 1)
	require.Nil(t, fs[0].Fix)
	require.Contains(t, fs[0].Message, "not split into stable and changing parts")
}
