//go:build e2e

package e2e

import (
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// splitCopyRepo makes a build context that is a git work tree: static/
// holds a few MiB of vendored assets that never change after the first
// commit and a small application that changes in every later commit.
func splitCopyRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed for the split-copy test: %v", err)
	}
	dir := t.TempDir()
	random := func(n int) string {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for i := 0; i < 4; i++ {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("static/vendor/lib%d.min.js", i)), random(1<<20))
	}
	writeFile(t, filepath.Join(dir, "static/vendor/deep/er/x.css"), "x { }\n")
	writeFile(t, filepath.Join(dir, "static/fonts/inter.woff2"), random(768<<10))
	writeFile(t, filepath.Join(dir, "static/fonts/mono.woff2"), random(256<<10))
	writeFile(t, filepath.Join(dir, "static/hero.jpg"), random(1<<20))
	writeFile(t, filepath.Join(dir, "static/index.html"), "<html><script src=app/main.js></script></html>\n")
	writeFile(t, filepath.Join(dir, "static/app/main.js"), "console.log('v0')\n")
	writeFile(t, filepath.Join(dir, "static/app/util.js"), "export const x = 1\n")
	// Named like a stable entry, but deeper: --exclude=vendor is anchored
	// at the copied directory and leaves it to the last COPY.
	writeFile(t, filepath.Join(dir, "static/app/vendor/shim.js"), "window.shim = 1\n")
	writeFile(t, filepath.Join(dir, "static/.well-known/security.txt"), "Contact: mailto:security@example.com\n")
	writeFile(t, filepath.Join(dir, "static/tmp/scratch.txt"), "not sent\n")
	writeFile(t, filepath.Join(dir, ".dockerignore"), "static/tmp\n")
	if err := os.Symlink("vendor/lib0.min.js", filepath.Join(dir, "static/lib.js")); err != nil {
		t.Fatal(err)
	}
	// Modes a COPY of the directory keeps: a group-writable directory
	// and a private file.
	if err := os.Chmod(filepath.Join(dir, "static/vendor"), 0o775); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "static/fonts/mono.woff2"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=dfopt", "-c", "user.email=dfopt@example.com",
			"-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "initial")
	for i := 1; i <= 30; i++ {
		writeFile(t, filepath.Join(dir, "static/app/main.js"), fmt.Sprintf("console.log('v%d')\n", i))
		if i%3 == 0 {
			writeFile(t, filepath.Join(dir, "static/index.html"), fmt.Sprintf("<html><!-- %d --><script src=app/main.js></script></html>\n", i))
		}
		git("commit", "-q", "-a", "-m", fmt.Sprintf("app v%d", i))
	}
	return dir
}

// newLayerBytes sums the compressed layers of next whose blobs are not in
// prev: what a push after the rebuild uploads and a pull downloads.
func newLayerBytes(prev, next *harness.Result) (sizes []int64, bytes int64) {
	seen := map[string]bool{}
	for _, l := range prev.Image.Layers {
		seen[l.Digest] = true
	}
	for _, l := range next.Image.Layers {
		if !seen[l.Digest] {
			sizes = append(sizes, l.Size)
			bytes += l.Size
		}
	}
	return sizes, bytes
}

// sameFiles requires two images to hold the same files (metadata and
// content) and, below dir, the same modification times: of every path,
// or, with filesOnly, of the files that are not directories.
func sameFiles(t *testing.T, what string, a, b *harness.Result, ignore map[string]bool, dir string, filesOnly bool) {
	t.Helper()
	ta, tb := tree(t, a), tree(t, b)
	if d := oci.Diff(ta, tb, oci.DiffOptions{CompareHardlinks: true, Ignore: func(p string) bool { return ignore[p] }}); !d.Empty() {
		t.Fatalf("%s: the images' files differ:\n%s", what, d.Format(40))
	}
	n := 0
	for _, p := range ta.PathsUnder(dir) {
		ea, _ := ta.Get(p)
		eb, _ := tb.Get(p)
		if filesOnly && ea.Type == oci.Dir {
			continue
		}
		if !ea.ModTime.Equal(eb.ModTime) {
			t.Errorf("%s: %s modified %v in one image, %v in the other", what, p, ea.ModTime, eb.ModTime)
		}
		n++
	}
	t.Logf("%s: same files; %d paths at or below %s with the same modification times", what, n, dir)
}

// TestSplitCopy builds a COPY of a directory whose bulk never changes and
// its split-copy rewrite: the images hold the same files; after a change
// to one application file, the rebuild of the original makes a new layer
// of the whole directory, the rebuild of the rewrite one of the
// application alone.
func TestSplitCopy(t *testing.T) {
	env := requireEnv(t)
	ctxDir := splitCopyRepo(t)
	// The RUN makes a directory the COPY brings too, with another mode and
	// owner: the COPY sets both from the context, and the split must too.
	original := `# syntax=docker/dockerfile:1
FROM debian:bookworm
WORKDIR /srv
RUN mkdir -p /srv/static/vendor && chmod 0700 /srv/static/vendor && chown 5:5 /srv/static/vendor
COPY --chown=1000:1000 static /srv/static
CMD ["ls", "/srv/static"]
`
	res, err := optimizer.Optimize([]byte(original), optimizer.Options{Enable: []string{"split-copy"}, ContextDir: ctxDir})
	if err != nil {
		t.Fatal(err)
	}
	rewritten := string(res.Output)
	t.Logf("dfopt's rewrite:\n%s", res.Diff())
	for _, f := range res.Findings {
		t.Logf("finding: line %d: %s", f.Line, f.Message)
	}
	requireLines(t, rewritten,
		"\nCOPY --exclude=* --exclude=!vendor --chown=1000:1000 static /srv/static\n",
		"\nCOPY --exclude=* --exclude=!fonts --chown=1000:1000 static /srv/static\n",
		"\nCOPY --exclude=* --exclude=!hero.jpg --chown=1000:1000 static /srv/static\n",
		"\nCOPY --exclude=vendor --exclude=fonts --exclude=hero.jpg --chown=1000:1000 static /srv/static\n",
	)

	// The same files, built from scratch.
	opts := harness.BuildOptions{Env: env, ContextDir: ctxDir, NoCache: true}
	o1, o2 := opts, opts
	o1.Dockerfile, o2.Dockerfile = original, rewritten
	trio := buildTrio(t, o1, o2)
	before, after := trio.Before, trio.After
	_, unstableList := trioDiff(t, trio, oci.DiffOptions{})
	unstable := map[string]bool{}
	for _, p := range unstableList {
		unstable[p] = true
	}
	t.Logf("left out as unstable: %v", unstableList)
	sameFiles(t, "from scratch", before, after, unstable, "/srv/static", false)
	ta := tree(t, after)
	for p, want := range map[string]string{
		"/srv/static/vendor":             "drwxrwxr-x 1000:1000",
		"/srv/static/fonts/mono.woff2":   "-rw------- 1000:1000",
		"/srv/static/.well-known":        "drwxr-xr-x 1000:1000",
		"/srv/static/hero.jpg":           "-rw-r--r-- 1000:1000",
		"/srv/static/vendor/deep/er":     "drwxr-xr-x 1000:1000",
		"/srv/static/app/main.js":        "-rw-r--r-- 1000:1000",
		"/srv/static/app/vendor/shim.js": "-rw-r--r-- 1000:1000",
		"/srv/static/lib.js":             "symlink",
		"/srv/static/tmp":                "",
		"/srv/static/vendor/lib0.min.js": "-rw-r--r-- 1000:1000",
	} {
		e, ok := ta.Get(p)
		switch {
		case want == "":
			if ok {
				t.Errorf("%s is in the image: .dockerignore leaves it out", p)
			}
		case want == "symlink":
			if !ok || e.Type != oci.Symlink {
				t.Errorf("%s: want a symbolic link, got %v", p, e)
			}
		default:
			got := ""
			if ok {
				got = fmt.Sprintf("%v %d:%d", e.Mode|modeType(e), e.UID, e.GID)
			}
			if got != want {
				t.Errorf("%s: %q, want %q", p, got, want)
			}
		}
	}
	// Why a stable entry is copied with the others excluded rather than
	// by name: COPY static/vendor /srv/static/vendor leaves a directory
	// that exists already as it was.
	o3 := opts
	o3.Dockerfile = strings.Replace(original, "COPY --chown=1000:1000 static /srv/static",
		"COPY --chown=1000:1000 static/vendor /srv/static/vendor", 1)
	if e, ok := tree(t, build(t, o3)).Get("/srv/static/vendor"); !ok || e.Mode.Perm() != 0o700 || e.UID != 5 {
		t.Errorf("COPY of static/vendor by name: /srv/static/vendor is %v, want it left 0700 5:5", e)
	}

	baseImg, err := oci.Open(env.Base.Dir)
	if err != nil {
		t.Fatal(err)
	}
	base := len(baseImg.Layers)
	t.Logf("layers above the base: original %d, rewrite %d", len(before.Image.Layers)-base, len(after.Image.Layers)-base)

	// The cache: build both, change one application file, build again.
	cached := harness.BuildOptions{Env: env, ContextDir: ctxDir}
	c1, c2 := cached, cached
	c1.Dockerfile, c2.Dockerfile = original, rewritten
	origFirst, splitFirst := build(t, c1), build(t, c2)
	writeFile(t, filepath.Join(ctxDir, "static/app/main.js"), "console.log('edited')\n")
	origSecond, splitSecond := build(t, c1), build(t, c2)
	// Directories take their modification times from BuildKit's copy of
	// the context, which it updates in place from build to build: after
	// an incremental transfer they are the times of the transfer, which
	// differ between two Dockerfiles (and between two builds of one).
	// Files keep theirs.
	sameFiles(t, "rebuilt after the change", origSecond, splitSecond, unstable, "/srv/static", true)

	ol, ob := newLayerBytes(origFirst, origSecond)
	sl, sb := newLayerBytes(splitFirst, splitSecond)
	t.Logf("after changing static/app/main.js: original: new layers of %v bytes, %s compressed in all; rewrite: new layers of %v bytes, %s compressed in all",
		ol, mib(ob), sl, mib(sb))
	t.Logf("rebuild times: original %s, rewrite %s", origSecond.Duration, splitSecond.Duration)
	if ob < 5<<20 {
		t.Errorf("the original's rebuild made only %s of new layers: the test shows nothing", mib(ob))
	}
	if sb*20 > ob {
		t.Errorf("the rewrite's rebuild made %s of new layers, not far less than the original's %s", mib(sb), mib(ob))
	}
	// The stable copies are the same blobs in both builds of the rewrite.
	// (The RUN layer may not be: BuildKit keeps several cache records of
	// it, made by the builds above, whose files differ in their times.)
	reused := map[string]bool{}
	for _, l := range splitSecond.Image.Layers {
		reused[l.Digest] = true
	}
	stable := 0
	for _, l := range splitFirst.Image.Layers[base:] {
		if l.Size > 512<<10 {
			stable++
			if !reused[l.Digest] {
				t.Errorf("the rewrite's rebuild made layer %s (%s) again", l.Digest, mib(l.Size))
			}
		}
	}
	if stable != 3 {
		t.Errorf("the rewrite has %d layers over 512 KiB, want 3 (the stable copies)", stable)
	}
}

// modeType is the type letter of an entry as fs.FileMode shows it.
func modeType(e *oci.Entry) os.FileMode {
	if e.Type == oci.Dir {
		return os.ModeDir
	}
	return 0
}
