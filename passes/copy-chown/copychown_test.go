package copychown

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

// The symbolic modes copy-chown turns into octal ones give what GNU chmod
// gives under RUN's umask 022 (checked against the chmod on this machine).
func TestCopyChownSymbolicModes(t *testing.T) {
	specs := []string{"+x", "u+x", "a+x", "+w", "go-w", "u=rwx,go=rx", "a=r", "=r", "o-r", "ug+rw", "-x", "u+x,g+x", "=", "a-rwx", "+rwx", "g=u", "u=rw,go=", "a+rwx,o-w", "+r-w", "u+rwx-w", "=rw", "go=x"}
	starts := []fs.FileMode{0o644, 0o600, 0o755, 0o640, 0o444, 0o000, 0o777}
	chmod, err := exec.LookPath("chmod")
	if err != nil {
		t.Skip("no chmod here")
	}
	dir := t.TempDir()
	for _, start := range starts {
		for _, spec := range specs {
			got, ok := applySymbolic(start, spec, 0o022)
			p := filepath.Join(dir, "f")
			require.NoError(t, os.WriteFile(p, nil, 0o600))
			require.NoError(t, os.Chmod(p, start))
			out, err := exec.Command("sh", "-c", "umask 022 && "+chmod+" "+spec+" "+p).CombinedOutput()
			require.NoError(t, err, "%s", out)
			fi, err := os.Stat(p)
			require.NoError(t, err)
			want := fi.Mode().Perm()
			if !ok {
				// Only forms it does not handle may be refused.
				require.Contains(t, []string{"g=u"}, spec)
				continue
			}
			require.Equal(t, fmt.Sprintf("%04o", want), fmt.Sprintf("%04o", got), "chmod %s on %04o", spec, start)
		}
	}
}

func runCopyChownOn(t *testing.T, src string, fsys fs.FS) []analysis.Finding {
	t.Helper()
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	return Pass.Run(&analysis.Context{Doc: doc, BuildContext: fsys})
}

// Files of the build context with set-user-ID or set-group-ID bits keep
// the COPY as it is: chown clears the bits, --chown keeps them.
func TestCopyChownSetuidInContext(t *testing.T) {
	src := "FROM debian:bookworm\nCOPY app/ /app\nRUN chown -R 1000:1000 /app\n"
	clean := fstest.MapFS{"app/bin/tool": {Mode: 0o755}, "app/README": {Mode: 0o644}}
	got := runCopyChownOn(t, src, clean)
	require.Len(t, got, 1)
	require.NotNil(t, got[0].Fix)

	for name, mode := range map[string]fs.FileMode{"suid": fs.ModeSetuid | 0o755, "sgid": fs.ModeSetgid | 0o755} {
		t.Run(name, func(t *testing.T) {
			dirty := fstest.MapFS{"app/bin/tool": {Mode: mode}, "app/README": {Mode: 0o644}}
			got := runCopyChownOn(t, src, dirty)
			require.Len(t, got, 1)
			require.Nil(t, got[0].Fix)
			require.Contains(t, got[0].Message, "app/bin/tool in the build context has a set-user-ID or set-group-ID bit")
		})
	}
	// A set-group-ID directory matters to chmod -R.
	dirty := fstest.MapFS{"app/data": {Mode: fs.ModeDir | fs.ModeSetgid | 0o775}, "app/data/x": {Mode: 0o644}}
	got = runCopyChownOn(t, "FROM debian:bookworm\nCOPY app/ /app\nRUN chmod -R 755 /app\n", dirty)
	require.Len(t, got, 1)
	require.Nil(t, got[0].Fix)

	// A set-user-ID file given a symbolic mode is left alone too.
	got = runCopyChownOn(t, "FROM debian:bookworm\nCOPY run.sh /run.sh\nRUN chmod +x /run.sh\n",
		fstest.MapFS{"run.sh": {Mode: fs.ModeSetuid | 0o644}})
	require.Len(t, got, 1)
	require.Nil(t, got[0].Fix)
}

// The mode a file has in the build context decides the octal --chmod.
func TestCopyChownModeFromContext(t *testing.T) {
	src := "FROM debian:bookworm\nCOPY run.sh /usr/local/bin/\nRUN chmod g+w,o-r /usr/local/bin/run.sh\n"
	for mode, want := range map[fs.FileMode]string{0o644: "--chmod=660", 0o755: "--chmod=771", 0o600: "--chmod=620"} {
		got := runCopyChownOn(t, src, fstest.MapFS{"run.sh": {Mode: mode}})
		require.Len(t, got, 1)
		require.NotNil(t, got[0].Fix, "%v", got[0].Message)
		require.Equal(t, want+" ", got[0].Fix.Edits[0].NewText, "mode %04o", mode)
	}
}

func TestCopyChownDocSaysWhatItNeeds(t *testing.T) {
	require.Contains(t, Pass.Doc(), "BuildKit or Docker 17.09 or later for --chown")
	require.Contains(t, Pass.Doc(), "BuildKit for --chmod")
	require.NoError(t, analysis.Validate([]*analysis.Pass{Pass}))
}

func TestCopyChownSystemDirs(t *testing.T) {
	for dir, want := range map[string]bool{
		"/": true, "/etc/app": true, "/usr/share/nginx/html": true, "/var/www/html": true,
		"/home/node": true, "/home/node/app": false, "/opt": true, "/opt/app": false,
		"/srv": true, "/srv/app": false, "/usr/src": true, "/usr/src/app": false,
		"/app": false, "/workspace/x": false, "/root/app": true, "/tmp/x": true,
	} {
		require.Equal(t, want, systemDir(dir), dir)
	}
}

// On the corpus, with copy-chown alone and no build context, every output
// parses and a second run changes nothing.
func TestCopyChownCorpus(t *testing.T) {
	var files []string
	for _, pat := range []string{"../../testdata/corpus/*.Dockerfile", "../../testdata/edge/*.Dockerfile"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	reports := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		doc, err := dockerfile.Parse(f, src)
		if err != nil {
			continue
		}
		for _, finding := range Pass.Run(&analysis.Context{Doc: doc}) {
			require.True(t, strings.Contains(finding.Message, "stores the copied files a second time"), finding.Message)
			reports++
			if finding.Fix == nil {
				continue
			}
			require.NoError(t, analysis.CheckEdits(finding.Fix.Edits, len(src)))
			out := applyEdits(src, finding.Fix.Edits)
			again, err := dockerfile.Parse(f, out)
			require.NoError(t, err, "%s:\n%s", f, out)
			for _, g := range Pass.Run(&analysis.Context{Doc: again}) {
				require.Nil(t, g.Fix, "%s: a second fix: %s\n%s", f, g.Message, out)
			}
		}
	}
	t.Logf("%d findings on %d files", reports, len(files))
}

func applyEdits(src []byte, edits []analysis.Edit) []byte {
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Pos]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...)
}
