package addtocopy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	addtocopy "github.com/dfopt/dfopt/passes/add-to-copy"
	"github.com/stretchr/testify/require"
)

// tarBytes is a tar stream holding one small file.
func tarBytes(t *testing.T, format tar.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	data := []byte("hello\n")
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(data)), Format: format}))
	_, err := tw.Write(data)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// bzip2 of a one-file tar and of a line of text (made with Python's bz2:
// the standard library has no bzip2 writer).
var (
	bzip2Tar  = mustHex("425a6839314159265359fb0b6cd400006efb80c9900000c0015d80008062649e40080820005434a3132313131306824a6a68d0d1a0068c95f71190820f421119caf251c20810e0ed89e8f158e11c310f9022d44d4ae04ad33e6f818d19e8dae2220362ee48a70a121f616d9a80")
	bzip2Text = mustHex("425a6839314159265359d3c93f0e000001d1800010400002100e40200022069a7a10c08779e0c20bb9229c284869e49f8700")
)

// TestAddToCopyArchives runs add-to-copy with build contexts that hold real
// archives: ADD is kept exactly when BuildKit would extract a file it
// names (by content, whatever the name).
func TestAddToCopyArchives(t *testing.T) {
	plainTar := tarBytes(t, tar.FormatUSTAR)
	gnuTar := tarBytes(t, tar.FormatGNU)
	tgz := gzipBytes(t, plainTar)
	// An xz and a zstd stream: only the magic numbers are looked at.
	xz := append([]byte{0xFD, '7', 'z', 'X', 'Z', 0x00}, make([]byte, 64)...)
	zstd := append([]byte{0x28, 0xB5, 0x2F, 0xFD}, make([]byte, 64)...)
	zstdSkippable := append([]byte{0x5A, 0x2A, 0x4D, 0x18, 4, 0, 0, 0}, make([]byte, 64)...)
	// A tar whose first file header comes after more extended (PAX) data
	// than is read to find it: counted as an archive.
	var pax bytes.Buffer
	tw := tar.NewWriter(&pax)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "x", Mode: 0o644, Format: tar.FormatPAX,
		PAXRecords: map[string]string{"comment": strings.Repeat("x", 900<<10)}}))
	require.NoError(t, tw.Close())
	tail := pax.Len() - 3*512 // file header and end-of-archive blocks
	ext := pax.Bytes()[:tail]
	big := bytes.Join([][]byte{ext, ext, ext, pax.Bytes()[tail:]}, nil)
	_, err := tar.NewReader(bytes.NewReader(big)).Next()
	require.NoError(t, err, "not a valid tar")

	fsys := fstest.MapFS{
		"app.py":               {Data: []byte("print('hi')\n")},
		"notes.txt":            {Data: tgz}, // a tar.gz with a misleading name
		"release.tar.gz":       {Data: tgz},
		"plain.tar":            {Data: plainTar},
		"gnu.bin":              {Data: gnuTar},
		"data.tar.bz2":         {Data: bzip2Tar},
		"text.bz2":             {Data: bzip2Text},
		"data.json.gz":         {Data: gzipBytes(t, []byte(`{"a": 1}`))}, // gzip, not a tar: copied as is
		"fake.gz":              {Data: []byte{0x1F, 0x8B, 0x08, 'n', 'o', 't'}},
		"vendor.tar.xz":        {Data: xz},
		"vendor.tar.zst":       {Data: zstd},
		"skippable.zst":        {Data: zstdSkippable},
		"big.tar":              {Data: big},
		"empty":                {Data: nil},
		"zeros":                {Data: make([]byte, 2048)},
		"short":                {Data: []byte("ab")},
		"dist/app.js":          {Data: []byte("console.log(1)\n")},
		"dist/app.css":         {Data: []byte("body{}\n")},
		"mixed/readme.md":      {Data: []byte("# hi\n")},
		"mixed/vendor.tgz":     {Data: tgz},
		"mixed/sub/lib.py":     {Data: []byte("x = 1\n")},
		"mixed/sub/deep.tar":   {Data: plainTar},
		"pkg/a/archive.tar":    {Data: plainTar},
		"pkg/b/config.yaml":    {Data: []byte("a: 1\n")},
		"docs/guide.txt":       {Data: []byte("guide\n")},
		"docs/deeper/x.tar.gz": {Data: tgz},
	}
	cases := []struct {
		src  string
		copy bool
	}{
		{"app.py", true},
		{"notes.txt", false},
		{"release.tar.gz", false},
		{"plain.tar", false},
		{"gnu.bin", false},
		{"data.tar.bz2", false},
		{"text.bz2", true},
		{"data.json.gz", true},
		{"fake.gz", true},
		{"vendor.tar.xz", false},
		{"vendor.tar.zst", false},
		{"skippable.zst", false},
		{"big.tar", false},
		{"empty", true},
		{"zeros", true},
		{"short", true},
		{"app.py notes.txt", false},
		{"dist/*", true},
		{"dist/*.js", true},
		{"mixed/*.md", true},
		{"mixed/*", false},           // matches vendor.tgz
		{"mixed/*.py", false},        // no match at this level (lib.py is below): left alone
		{"mixed/s*", true},           // a directory: not extracted
		{"mixed/", true},             // archives inside a directory stay archives
		{"mixed/sub/*", false},       // deep.tar
		{"*/*/config.yaml", true},    // pkg/b/config.yaml
		{"pkg/*/*", false},           // pkg/a/archive.tar
		{"pkg/?/config.*", true},     // only config.yaml
		{"docs/*", true},             // deeper/ is a directory
		{"/docs/../app.py", true},    // resolved inside the context
		{"../../app.py", true},       // clamped to the context root
		{".", true},                  // the context root
		{"nothing/*.py", false},      // no match: left alone
		{"missing.py", false},        // not in the context: left alone
		{"app.py missing.py", false}, // idem
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			src := fmt.Sprintf("FROM debian:bookworm\nADD %s /dest/\n", c.src)
			res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"add-to-copy"}, Context: fsys})
			require.NoError(t, err)
			want := src
			if c.copy {
				want = strings.Replace(src, "ADD", "COPY", 1)
			}
			require.Equal(t, want, string(res.Output))
			if !c.copy {
				require.Empty(t, res.Findings, "a source left alone is not reported")
			}
		})
	}
}

// Without a context the same file names give a rewrite only when the name
// tells; with a context the content decides.
func TestAddToCopyContextDecides(t *testing.T) {
	src := "FROM debian:bookworm\nADD notes.txt tool /srv/\n"
	noCtx, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"add-to-copy"}})
	require.NoError(t, err)
	require.Equal(t, src, string(noCtx.Output))
	require.Len(t, noCtx.Findings, 1)
	require.Contains(t, noCtx.Findings[0].Message, "ADD of tool: without the build context")
	require.False(t, noCtx.Findings[0].Fixed)

	withCtx, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"add-to-copy"}, Context: fstest.MapFS{
		"notes.txt": {Data: []byte("notes\n")},
		"tool":      {Data: []byte("#!/bin/sh\necho tool\n")},
	}})
	require.NoError(t, err)
	require.Equal(t, "FROM debian:bookworm\nCOPY notes.txt tool /srv/\n", string(withCtx.Output))
	require.Len(t, withCtx.Findings, 1)
	require.True(t, withCtx.Findings[0].Fixed)
	require.Equal(t, "use COPY", withCtx.Findings[0].FixMessage)
}

// add-url and add-to-copy never report the same instruction.
func TestAddToCopyAndAddURL(t *testing.T) {
	src := `FROM debian:bookworm
ADD https://example.com/a.txt /srv/
ADD a.txt https://example.com/b.txt /srv/
ADD git@github.com:org/repo.git /src
ADD b.txt /srv/
`
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"add-to-copy", "add-url"}})
	require.NoError(t, err)
	lines := map[int][]string{}
	for _, f := range res.Findings {
		lines[f.Line] = append(lines[f.Line], f.Pass)
	}
	require.Equal(t, map[int][]string{2: {"add-url"}, 3: {"add-url"}, 4: {"add-url"}, 5: {"add-to-copy"}}, lines)
	require.Contains(t, string(res.Output), "\nCOPY b.txt /srv/\n")
}

// Symbolic links that are absolute or lead out of the context are resolved
// by BuildKit inside the context, where a file system may not resolve
// them: such sources are left alone. The pass is run directly, on a file
// system that reads links.
func TestAddToCopySymlinks(t *testing.T) {
	fsys := fstest.MapFS{
		"a.txt":       {Data: []byte("a\n")},
		"abs.txt":     {Data: []byte("/a.txt"), Mode: fs.ModeSymlink},
		"rel.txt":     {Data: []byte("a.txt"), Mode: fs.ModeSymlink},
		"sub/up.txt":  {Data: []byte("../a.txt"), Mode: fs.ModeSymlink},
		"sub/out.txt": {Data: []byte("../../a.txt"), Mode: fs.ModeSymlink},
		"link":        {Data: []byte("sub"), Mode: fs.ModeSymlink},
		"abslink":     {Data: []byte("/sub"), Mode: fs.ModeSymlink},
	}
	cases := map[string]bool{
		"a.txt": true, "rel.txt": true, "sub/up.txt": true, "link/up.txt": true, "link": true,
		"abs.txt": false, "sub/out.txt": false, "abslink/up.txt": false, "sub/*": false,
	}
	for src, copy := range cases {
		doc, err := dockerfile.Parse("Dockerfile", []byte("FROM debian:bookworm\nADD "+src+" /dest/\n"))
		require.NoError(t, err)
		got := addtocopy.Pass.Run(&analysis.Context{Doc: doc, BuildContext: fsys})
		if copy {
			require.Len(t, got, 1, src)
			require.NotNil(t, got[0].Fix, src)
		} else {
			require.Empty(t, got, src)
		}
	}
}
