//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// tarGz is a gzip-compressed tar holding the given files.
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAddToCopy builds a Dockerfile whose ADDs copy directories, text
// files (some with archive-like names) and real archives (one with a
// text-like name), and its add-to-copy rewrite: the ADDs of archives stay,
// the others become COPY, and the image's files are the same.
func TestAddToCopy(t *testing.T) {
	env := requireEnv(t)
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "app.py"), "print('hello')\n")
	writeFile(t, filepath.Join(ctxDir, "scripts", "start.sh"), "#!/bin/sh\nexec python3 /srv/app.py\n")
	writeFile(t, filepath.Join(ctxDir, "scripts", "stop.sh"), "#!/bin/sh\nexit 0\n")
	writeFile(t, filepath.Join(ctxDir, "config", "app.conf"), "port=8080\n")
	writeFile(t, filepath.Join(ctxDir, "config", "sub", "extra.yaml"), "a: 1\n")
	writeFile(t, filepath.Join(ctxDir, "site", "index.html"), "<p>hi</p>\n")
	writeFile(t, filepath.Join(ctxDir, "notes.tar.gz"), "plain text with an archive's name\n")
	writeFile(t, filepath.Join(ctxDir, "tool"), "#!/bin/sh\necho tool\n")
	archive := tarGz(t, map[string]string{"release/VERSION": "1.2.3\n", "release/bin/run": "#!/bin/sh\n"})
	for name, data := range map[string][]byte{
		"release.tar.gz":          archive,
		"bundle.txt":              archive, // an archive with a text file's name
		"config/vendor.tar.gz":    archive, // inside a directory: never extracted
		"data.json.gz":            gzipOnly(t, `{"a": 1}`),
		"assets/logo.tar.gz":      archive, // matched by a wildcard
		"assets/readme.txt":       []byte("assets\n"),
		"docs/guide.md":           []byte("# guide\n"),
		"docs/deeper/extra.tar":   archive, // in a directory the wildcard matches
		"docs/deeper/more/x.conf": []byte("x\n"),
	} {
		p := filepath.Join(ctxDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	original := `FROM debian:bookworm
WORKDIR /srv
ADD app.py ./
ADD --chmod=0755 scripts/*.sh /usr/local/bin/
add config/ /etc/app/
ADD --chown=1000:1000 notes.tar.gz data.json.gz tool /srv/data/
ADD ["site", "/var/www/"]
ADD docs/* /srv/docs/
ADD --link . /ctx/
ADD release.tar.gz /opt/release/
ADD bundle.txt /opt/bundle/
ADD assets/* /srv/assets/
`
	res, err := optimizer.Optimize([]byte(original), optimizer.Options{Enable: []string{"add-to-copy"}, ContextDir: ctxDir})
	if err != nil {
		t.Fatal(err)
	}
	rewritten := string(res.Output)
	t.Logf("dfopt's rewrite:\n%s", res.Diff())
	requireLines(t, rewritten,
		"\nCOPY app.py ./\n",
		"\nCOPY --chmod=0755 scripts/*.sh /usr/local/bin/\n",
		"\ncopy config/ /etc/app/\n",
		"\nCOPY --chown=1000:1000 notes.tar.gz data.json.gz tool /srv/data/\n",
		"\nCOPY [\"site\", \"/var/www/\"]\n",
		"\nCOPY docs/* /srv/docs/\n",
		"\nCOPY --link . /ctx/\n",
		"\nADD release.tar.gz /opt/release/\n",
		"\nADD bundle.txt /opt/bundle/\n",
		"\nADD assets/* /srv/assets/\n",
	)

	opts := harness.BuildOptions{Env: env, ContextDir: ctxDir, NoCache: true}
	o1, o2 := opts, opts
	o1.Dockerfile, o2.Dockerfile = original, rewritten
	trio := buildTrio(t, o1, o2)
	before, after := trio.Before, trio.After

	if d, unstable := trioDiff(t, trio, oci.DiffOptions{}); !d.Empty() {
		t.Fatalf("the rewrite changed the image's files (unstable, not compared: %v):\n%s", unstable, d.Format(40))
	}
	ta := tree(t, after)
	if len(before.Image.Layers) != len(after.Image.Layers) {
		t.Errorf("layers: %d before, %d after", len(before.Image.Layers), len(after.Image.Layers))
	}
	bc, ac := before.Image.Config.Config, after.Image.Config.Config
	if bc.User != ac.User || bc.WorkingDir != ac.WorkingDir || !slices.Equal(bc.Env, ac.Env) ||
		!slices.Equal(bc.Cmd, ac.Cmd) || !slices.Equal(bc.Entrypoint, ac.Entrypoint) {
		t.Errorf("config changed: %+v -> %+v", bc, ac)
	}

	// What the kept ADDs do, and what the COPYs do not.
	for _, p := range []string{"/opt/release/release/VERSION", "/opt/bundle/release/VERSION", "/srv/assets/release/VERSION"} {
		if _, ok := ta.Get(p); !ok {
			t.Errorf("%s missing: the archive was not extracted", p)
		}
	}
	for _, p := range []string{"/etc/app/vendor.tar.gz", "/srv/data/notes.tar.gz", "/srv/data/data.json.gz",
		"/srv/docs/extra.tar", "/ctx/release.tar.gz", "/srv/assets/readme.txt"} {
		if e, ok := ta.Get(p); !ok || e.Type != oci.Regular {
			t.Errorf("%s is not a regular file in the image: %v", p, e)
		}
	}
	if e, ok := ta.Get("/usr/local/bin/start.sh"); !ok || e.Mode.Perm() != 0o755 {
		t.Errorf("/usr/local/bin/start.sh: %v", e)
	}
	if e, ok := ta.Get("/srv/data/tool"); !ok || e.UID != 1000 || e.GID != 1000 {
		t.Errorf("/srv/data/tool: %v", e)
	}

	// Keeping the ADD of an archive matters: COPY would put the archive
	// itself in the image.
	o3 := opts
	o3.Dockerfile = "FROM debian:bookworm\nCOPY bundle.txt /opt/bundle/\n"
	tc := tree(t, build(t, o3))
	if _, ok := tc.Get("/opt/bundle/bundle.txt"); !ok {
		t.Errorf("COPY of the archive did not copy it as a file")
	}
	if _, ok := tc.Get("/opt/bundle/release/VERSION"); ok {
		t.Errorf("COPY extracted an archive")
	}
}

func gzipOnly(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
