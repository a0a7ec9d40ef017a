package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// tarEntry is one member of a synthetic layer.
type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	body     string
	link     string
	xattrs   map[string]string
}

func file(name, body string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeReg, mode: 0o644, body: body}
}
func dir(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func hardlink(name, target string) tarEntry {
	return tarEntry{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}
func whiteout(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeReg, mode: 0o644} }

func makeTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{
			Name:     e.name,
			Typeflag: e.typ,
			Mode:     e.mode,
			Uid:      e.uid,
			Gid:      e.gid,
			Linkname: e.link,
			ModTime:  time.Now(),
		}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if len(e.xattrs) > 0 {
			hdr.PAXRecords = map[string]string{}
			for k, v := range e.xattrs {
				hdr.PAXRecords["SCHILY.xattr."+k] = v
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func putBlob(t *testing.T, layout, mediaType string, data []byte) Descriptor {
	t.Helper()
	d := digestOf(data)
	p := filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

func putJSON(t *testing.T, layout, mediaType string, v any) Descriptor {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return putBlob(t, layout, mediaType, data)
}

// makeImage writes a layout holding one image with the given layers (each
// gzip-compressed) and config, and returns the manifest descriptor.
func makeImage(t *testing.T, layout string, cfg Config, layers ...[]tarEntry) Descriptor {
	t.Helper()
	var descs []Descriptor
	var diffIDs []string
	for _, l := range layers {
		raw := makeTar(t, l)
		diffIDs = append(diffIDs, digestOf(raw))
		descs = append(descs, putBlob(t, layout, MediaTypeLayerGzip, gz(t, raw)))
	}
	ic := ImageConfig{Architecture: "amd64", OS: "linux", Config: cfg, RootFS: RootFS{Type: "layers", DiffIDs: diffIDs}}
	cd := putJSON(t, layout, MediaTypeImageConfig, ic)
	md := putJSON(t, layout, MediaTypeImageManifest, Manifest{SchemaVersion: 2, MediaType: MediaTypeImageManifest, Config: cd, Layers: descs})
	return md
}

func writeIndex(t *testing.T, layout string, descs ...Descriptor) {
	t.Helper()
	data, _ := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: descs})
	if err := os.WriteFile(filepath.Join(layout, "index.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// tarDir packs a layout directory into a tar the way buildctl's OCI
// exporter does.
func tarDir(t *testing.T, dir, out string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, _ := d.Info()
		hdr, _ := tar.FileInfoHeader(fi, "")
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			tw.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func treeSummary(t *testing.T, tr *Tree) map[string]string {
	t.Helper()
	m := map[string]string{}
	tr.Walk(func(e *Entry) error {
		s := string(e.Type)
		switch e.Type {
		case Regular:
			s += ":" + shortDigest(e.Digest)
		case Symlink:
			s += ":" + e.Linkname
		}
		m[e.Path] = s
		return nil
	})
	return m
}

func contentDigest(s string) string { return shortDigest(digestOf([]byte(s))) }

func TestTreeWhiteoutsAndOpaque(t *testing.T) {
	layout := t.TempDir()
	md := makeImage(t, layout, Config{},
		[]tarEntry{
			dir("etc/"), file("etc/a", "a1"), file("etc/b", "b1"),
			dir("var/"), dir("var/lib/"), dir("var/lib/apt/"), dir("var/lib/apt/lists/"),
			file("var/lib/apt/lists/x", "x"), dir("var/lib/apt/lists/partial/"),
			dir("opq/"), file("opq/old", "old"), dir("opq/sub/"), file("opq/sub/deep", "deep"),
			dir("gone/"), file("gone/f", "f"),
		},
		[]tarEntry{
			// Whiteouts remove files and whole subtrees of lower layers.
			whiteout("etc/.wh.a"),
			whiteout(".wh.gone"),
			whiteout("var/lib/apt/lists/.wh.x"),
			whiteout("var/lib/apt/lists/.wh.partial"),
			// An opaque directory hides what lower layers had in it, but
			// keeps what this layer adds, whatever the order.
			file("opq/new", "new"),
			whiteout("opq/.wh..wh..opq"),
			// Files in directories this layer does not list.
			file("usr/local/bin/tool", "tool"),
			// Replace a file.
			file("etc/b", "b2"),
			symlink("etc/link", "b"),
			// AUFS bookkeeping entries are ignored.
			whiteout(".wh..wh.plnk"),
		},
	)
	writeIndex(t, layout, md)
	img, err := Open(layout)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := img.Tree()
	if err != nil {
		t.Fatal(err)
	}
	got := treeSummary(t, tr)
	want := map[string]string{
		"/etc":                "dir",
		"/etc/b":              "file:" + contentDigest("b2"),
		"/etc/link":           "symlink:b",
		"/var":                "dir",
		"/var/lib":            "dir",
		"/var/lib/apt":        "dir",
		"/var/lib/apt/lists":  "dir",
		"/opq":                "dir",
		"/opq/new":            "file:" + contentDigest("new"),
		"/usr":                "dir",
		"/usr/local":          "dir",
		"/usr/local/bin":      "dir",
		"/usr/local/bin/tool": "file:" + contentDigest("tool"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tree:\n got %v\nwant %v", got, want)
	}

	top, err := img.TopLayer()
	if err != nil {
		t.Fatal(err)
	}
	if got := top.PathsUnder("/var/lib/apt/lists"); !reflect.DeepEqual(got, []string{"/var/lib/apt/lists/partial", "/var/lib/apt/lists/x"}) {
		t.Errorf("top layer paths under lists = %v", got)
	}
	e, ok := top.Find("/var/lib/apt/lists/x")
	if !ok || e.Type != Whiteout {
		t.Errorf("whiteout entry = %v, %v", e, ok)
	}
	if e, ok := top.Find("opq"); !ok || e.Type != Opaque {
		t.Errorf("opaque entry = %v, %v", e, ok)
	}
	for i, l := range img.Layers {
		if l.UncompressedSize <= 0 || l.Size <= 0 {
			t.Errorf("layer %d sizes: %d compressed, %d uncompressed", i, l.Size, l.UncompressedSize)
		}
	}
	if n := tr.SizeUnder("/usr"); n != 4 {
		t.Errorf("SizeUnder(/usr) = %d", n)
	}
}

func TestTreeReplaceDirAndHardlinks(t *testing.T) {
	layout := t.TempDir()
	md := makeImage(t, layout, Config{},
		[]tarEntry{
			dir("a/"), file("a/f", "f"), file("x", "content"), hardlink("y", "x"),
			{name: "p", typ: tar.TypeReg, mode: 0o4755, uid: 0, gid: 42, body: "suid"},
		},
		[]tarEntry{
			// A file replaces a directory and everything below it.
			file("a", "now a file"),
			// A directory replaces a file; its mode changes.
			{name: "x/", typ: tar.TypeDir, mode: 0o700},
			hardlink("z", "p"),
			// A dir entry over a dir keeps its children.
		},
		[]tarEntry{
			{name: "usr/", typ: tar.TypeDir, mode: 0o755},
			{name: "x/", typ: tar.TypeDir, mode: 0o750, uid: 1000, gid: 1000},
			file("x/in", "in"),
		},
		[]tarEntry{
			{name: "x/", typ: tar.TypeDir, mode: 0o755, uid: 1000, gid: 1000},
		},
	)
	writeIndex(t, layout, md)
	img, err := Open(layout)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := img.Tree()
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := tr.Get("/a"); e == nil || e.Type != Regular {
		t.Fatalf("/a = %v", e)
	}
	if _, ok := tr.Get("/a/f"); ok {
		t.Error("/a/f survived /a becoming a file")
	}
	if e, _ := tr.Get("/x"); e == nil || e.Type != Dir || e.Mode != 0o755 || e.UID != 1000 {
		t.Errorf("/x = %v", e)
	}
	if _, ok := tr.Get("/x/in"); !ok {
		t.Error("/x/in lost when the directory entry was repeated")
	}
	y, _ := tr.Get("/y")
	if y == nil || y.Type != Regular || y.HardlinkTo != "/x" || y.Digest != digestOf([]byte("content")) || y.Size != 7 {
		t.Errorf("/y = %v", y)
	}
	z, _ := tr.Get("/z")
	if z == nil || z.Mode != 0o755|fs.ModeSetuid || z.GID != 42 || z.HardlinkTo != "/p" {
		t.Errorf("/z = %v", z)
	}
	if got := z.String(); !strings.Contains(got, "4755 0:42") {
		t.Errorf("String() = %q", got)
	}
}

func TestOpenTarAndNestedIndex(t *testing.T) {
	layout := t.TempDir()
	cfg := Config{
		User:         "app",
		Env:          []string{"PATH=/bin", "A=b"},
		Entrypoint:   []string{"/entry"},
		Cmd:          []string{"serve"},
		WorkingDir:   "/srv",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		Labels:       map[string]string{"k": "v"},
		StopSignal:   "SIGTERM",
		Healthcheck:  &HealthConfig{Test: []string{"CMD", "true"}, Interval: 30 * time.Second, Retries: 3},
	}
	img1 := makeImage(t, layout, cfg, []tarEntry{file("hello", "world")})
	img1.Platform = &Platform{Architecture: "amd64", OS: "linux"}
	other := makeImage(t, layout, Config{}, []tarEntry{file("other", "arch")})
	other.Platform = &Platform{Architecture: "arm64", OS: "linux"}
	att := putJSON(t, layout, MediaTypeImageManifest, Manifest{SchemaVersion: 2})
	att.Platform = &Platform{Architecture: "unknown", OS: "unknown"}
	att.Annotations = map[string]string{AnnotationDockerReferenceType: "attestation-manifest"}
	nested := putJSON(t, layout, MediaTypeImageIndex, Index{SchemaVersion: 2, MediaType: MediaTypeImageIndex, Manifests: []Descriptor{att, other, img1}})
	nested.Annotations = map[string]string{AnnotationRefName: "latest"}
	writeIndex(t, layout, nested)

	archive := filepath.Join(t.TempDir(), "image.tar")
	tarDir(t, layout, archive)

	for _, src := range []string{layout, archive} {
		img, err := OpenWithOptions(src, OpenOptions{Platform: &Platform{OS: "linux", Architecture: "amd64"}, RefName: "latest"})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if img.ManifestDescriptor.Digest != img1.Digest {
			t.Errorf("%s: selected %s, want %s", src, img.ManifestDescriptor.Digest, img1.Digest)
		}
		c := img.Config.Config
		if !reflect.DeepEqual(c, cfg) {
			t.Errorf("%s: config = %+v, want %+v", src, c, cfg)
		}
		tr, err := img.Tree()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := tr.Get("/hello"); !ok || e.Size != 5 {
			t.Errorf("%s: /hello = %v", src, e)
		}
		if n, err := img.UncompressedSize(); err != nil || n != img.Layers[0].UncompressedSize || n < 1024 {
			t.Errorf("%s: uncompressed size %d, %v", src, n, err)
		}
		if img.CompressedSize() != img.Layers[0].Size {
			t.Errorf("%s: compressed size", src)
		}
	}

	arm, err := OpenWithOptions(archive, OpenOptions{Platform: &Platform{OS: "linux", Architecture: "arm64"}})
	if err != nil || arm.ManifestDescriptor.Digest != other.Digest {
		t.Errorf("arm64: %v, %v", arm, err)
	}
	if _, err := OpenWithOptions(layout, OpenOptions{RefName: "nope"}); err == nil {
		t.Error("unknown ref name: no error")
	}

	unpacked := t.TempDir()
	if err := UnpackLayout(archive, unpacked); err != nil {
		t.Fatal(err)
	}
	img, err := Open(unpacked)
	if err != nil {
		t.Fatal(err)
	}
	want := img1.Digest
	if runtime.GOARCH != "amd64" {
		want = img.ManifestDescriptor.Digest
	}
	if img.ManifestDescriptor.Digest != want {
		t.Errorf("unpacked: selected %s, want %s", img.ManifestDescriptor.Digest, want)
	}
}

func TestCorruptBlob(t *testing.T) {
	layout := t.TempDir()
	md := makeImage(t, layout, Config{}, []tarEntry{file("a", strings.Repeat("x", 1000))})
	writeIndex(t, layout, md)
	img, err := Open(layout)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(img.Layers[0].Digest, "sha256:"))
	// The same tar compressed differently: it decompresses to the right
	// diff_id, but the blob digest no longer matches.
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	zw.Write(makeTar(t, []tarEntry{file("a", strings.Repeat("x", 1000))}))
	zw.Close()
	os.WriteFile(p, buf.Bytes(), 0o644)
	if _, err := img.Tree(); err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Errorf("corrupt layer: err = %v", err)
	}
}

func TestWriteLayout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ownership and hard links are read with Linux stat")
	}
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "etc/empty"), 0o700))
	must(os.MkdirAll(filepath.Join(root, "dev/pts"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(root, "tmp"), 0o777|fs.ModeSticky))
	must(os.WriteFile(filepath.Join(root, "dev/null-ish"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(root, "usr/bin/tool"), []byte("#!/bin/sh\necho hi\n"), 0o755))
	must(os.Chmod(filepath.Join(root, "usr/bin/tool"), 0o755|fs.ModeSetuid))
	must(os.Link(filepath.Join(root, "usr/bin/tool"), filepath.Join(root, "usr/bin/tool2")))
	must(os.Symlink("usr/bin", filepath.Join(root, "bin")))
	must(os.WriteFile(filepath.Join(root, "etc/skip-me"), []byte("no"), 0o644))
	long := strings.Repeat("d", 120) + "/" + strings.Repeat("f", 120)
	must(os.MkdirAll(filepath.Join(root, filepath.Dir(long)), 0o755))
	must(os.WriteFile(filepath.Join(root, long), []byte("long"), 0o644))

	opts := WriteOptions{
		Architecture: "amd64",
		OS:           "linux",
		Env:          []string{"PATH=/usr/bin"},
		Cmd:          []string{"bash"},
		RefName:      "bookworm",
		ModTime:      time.Unix(1700000000, 0),
		EmptyDirs:    []string{"dev"},
		Exclude:      func(rel string) bool { return rel == "etc/skip-me" },
	}
	out1, out2 := t.TempDir(), t.TempDir()
	res1, err := WriteLayout(root, out1, opts)
	must(err)
	res2, err := WriteLayout(root, out2, opts)
	must(err)
	if res1.Manifest.Digest != res2.Manifest.Digest || res1.Layer.Digest != res2.Layer.Digest {
		t.Errorf("not reproducible: %s vs %s", res1.Manifest.Digest, res2.Manifest.Digest)
	}

	img, err := Open(out1)
	must(err)
	if img.ManifestDescriptor.Digest != res1.Manifest.Digest || img.Index.Manifests[0].Annotations[AnnotationRefName] != "bookworm" {
		t.Errorf("index: %+v", img.Index)
	}
	if img.Config.Architecture != "amd64" || img.Config.OS != "linux" ||
		!reflect.DeepEqual(img.Config.Config.Cmd, []string{"bash"}) || !reflect.DeepEqual(img.Config.Config.Env, []string{"PATH=/usr/bin"}) {
		t.Errorf("config: %+v", img.Config)
	}
	tr, err := img.Tree()
	must(err)
	if img.Layers[0].UncompressedSize != res1.UncompressedSize || img.Layers[0].DiffID != res1.DiffID {
		t.Errorf("layer: %+v vs %+v", img.Layers[0], res1)
	}
	check := func(p string, typ FileType, mode fs.FileMode) *Entry {
		t.Helper()
		e, ok := tr.Get(p)
		if !ok {
			t.Errorf("%s missing; tree: %v", p, tr.Paths())
			return nil
		}
		if e.Type != typ || e.Mode != mode {
			t.Errorf("%s = %v, want %s %v", p, e, typ, mode)
		}
		if !e.ModTime.Equal(opts.ModTime) {
			t.Errorf("%s mtime %v", p, e.ModTime)
		}
		return e
	}
	check("/usr/bin/tool", Regular, 0o755|fs.ModeSetuid)
	if e := check("/usr/bin/tool2", Regular, 0o755|fs.ModeSetuid); e != nil && e.HardlinkTo != "/usr/bin/tool" {
		t.Errorf("tool2 hardlink: %v", e)
	}
	check("/tmp", Dir, 0o777|fs.ModeSticky)
	check("/etc/empty", Dir, 0o700)
	check("/dev", Dir, 0o755)
	if e := check("/bin", Symlink, 0o777); e != nil && e.Linkname != "usr/bin" {
		t.Errorf("bin -> %s", e.Linkname)
	}
	check("/"+long, Regular, 0o644)
	for _, p := range []string{"/dev/pts", "/dev/null-ish", "/etc/skip-me"} {
		if _, ok := tr.Get(p); ok {
			t.Errorf("%s should have been left out", p)
		}
	}
	if res1.Entries != tr.Len() {
		t.Errorf("entries %d, tree has %d", res1.Entries, tr.Len())
	}
}

func TestDiff(t *testing.T) {
	build := func(layers ...[]tarEntry) *Tree {
		t.Helper()
		layout := t.TempDir()
		writeIndex(t, layout, makeImage(t, layout, Config{}, layers...))
		img, err := Open(layout)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := img.Tree()
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	base := []tarEntry{dir("etc/"), file("etc/conf", "1"), dir("var/lib/apt/lists/"), symlink("l", "a"), dir("root/")}
	a := build(base, []tarEntry{
		file("var/lib/apt/lists/big_Packages.gz", "lots"),
		file("var/lib/apt/lists/lock", ""),
		dir("root/.cache/pip/"), file("root/.cache/pip/x", "x"),
		file("etc/removed", "r"),
		file("etc/mode", "m"),
	})
	b := build(base, []tarEntry{
		{name: "etc/mode", typ: tar.TypeReg, mode: 0o600, body: "m"},
		file("etc/conf", "2"),
		symlink("l", "b"),
		file("etc/added", "new"),
	})

	d := Diff(a, b, DiffOptions{})
	wantRemoved := []string{"/etc/removed", "/root/.cache", "/root/.cache/pip", "/root/.cache/pip/x", "/var/lib/apt/lists/big_Packages.gz", "/var/lib/apt/lists/lock"}
	if !reflect.DeepEqual(d.Added, []string{"/etc/added"}) || !reflect.DeepEqual(d.Removed, wantRemoved) {
		t.Errorf("added %v removed %v", d.Added, d.Removed)
	}
	var changed []string
	for _, c := range d.Changed {
		changed = append(changed, c.Path+"="+strings.Join(c.Fields, ","))
	}
	if want := []string{"/etc/conf=content", "/etc/mode=mode", "/l=link"}; !reflect.DeepEqual(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	if d.Empty() || !strings.Contains(d.String(), "1 added, 6 removed, 3 changed") {
		t.Errorf("summary: %s", d)
	}

	ign := IgnorePaths("/var/lib/apt/lists/", "root/.cache", "/etc/*", "/l")
	d = Diff(a, b, DiffOptions{Ignore: ign})
	if !d.Empty() {
		t.Errorf("with ignores: %s", d)
	}
	if d.String() != "no differences" {
		t.Errorf("empty diff string %q", d.String())
	}
	d = Diff(a, b, DiffOptions{Ignore: IgnorePaths("/var/lib/apt/lists/", "/root/.cache/"), IgnoreMode: true})
	// "/root/.cache/" keeps the directory itself.
	if !reflect.DeepEqual(d.Added, []string{"/etc/added"}) || !reflect.DeepEqual(d.Removed, []string{"/etc/removed", "/root/.cache"}) || len(d.Changed) != 2 {
		t.Errorf("partial ignores: %s", d)
	}
	if !Diff(a, a, DiffOptions{}).Empty() {
		t.Error("tree differs from itself")
	}
}

func TestIgnorePaths(t *testing.T) {
	ign := IgnorePaths("/var/lib/apt/lists/", "/var/cache/apt", "/tmp/*.log", "/root/.cache/*/", "usr/share/doc")
	cases := map[string]bool{
		"/var/lib/apt/lists":            true,
		"/var/lib/apt/lists/lock":       true,
		"/var/lib/apt/lists/partial/x":  true,
		"/var/lib/apt":                  false,
		"/var/lib/apt/listsX":           false,
		"/var/cache/apt":                true,
		"/var/cache/apt/pkgcache.bin":   true,
		"/var/cache/apt2":               false,
		"/tmp/a.log":                    true,
		"/tmp/a.log/inner":              true,
		"/tmp/a.txt":                    false,
		"/root/.cache/pip":              false,
		"/root/.cache/pip/http/x":       true,
		"/usr/share/doc/bash/copyright": true,
		"/usr/share/doc":                true,
		"/usr/share/docs":               false,
	}
	// The trailing-slash form keeps the directory itself.
	cases["/var/lib/apt/lists"] = false
	for p, want := range cases {
		if got := ign(p); got != want {
			t.Errorf("ignore(%q) = %v, want %v", p, got, want)
		}
	}
	if IgnorePaths()("/x") {
		t.Error("no patterns ignore nothing")
	}
}

func TestBlobPathRejectsTraversal(t *testing.T) {
	for _, d := range []string{"sha256:../../etc/passwd", "nocolon", "sha256:", "sha256:a/b"} {
		if _, err := blobPath(d); err == nil {
			t.Errorf("blobPath(%q): no error", d)
		}
	}
}
