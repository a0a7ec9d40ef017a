//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// entryAttrs is "TYPE MODE UID:GID" of a path of the tree.
func entryAttrs(t *testing.T, tr *oci.Tree, p string) string {
	t.Helper()
	e, ok := tr.Get(p)
	if !ok {
		return "missing"
	}
	f := strings.Fields(e.String())
	return strings.Join(f[:3], " ")
}

// TestCopyChownSemantics records what BuildKit does with COPY --chown and
// --chmod next to RUN chown -R and chmod -R; copy-chown's rules rest on
// these facts.
func TestCopyChownSemantics(t *testing.T) {
	env := requireEnv(t)
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "src/a.txt"), "a\n")
	writeFile(t, filepath.Join(ctxDir, "src/sub/b.txt"), "b\n")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("a.txt", filepath.Join(ctxDir, "src/link")))
	must(os.Chmod(filepath.Join(ctxDir, "src/sub"), 0o750))
	must(os.Chmod(filepath.Join(ctxDir, "src"), 0o711))
	must(os.Chown(filepath.Join(ctxDir, "src/a.txt"), 4321, 4322))
	writeFile(t, filepath.Join(ctxDir, "suid/run"), "#!/bin/sh\n")
	must(os.Chmod(filepath.Join(ctxDir, "suid/run"), os.ModeSetuid|0o755))
	must(os.MkdirAll(filepath.Join(ctxDir, "sgid/inner"), 0o755))
	must(os.Chmod(filepath.Join(ctxDir, "sgid/inner"), os.ModeSetgid|0o755))
	if fi, err := os.Stat(filepath.Join(ctxDir, "suid/run")); err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Fatalf("the context file is not set-user-ID: %v %v", fi.Mode(), err)
	}
	writeFile(t, filepath.Join(ctxDir, "one.sh"), "#!/bin/sh\n")
	must(os.Chmod(filepath.Join(ctxDir, "one.sh"), 0o640))

	df := `FROM debian:bookworm AS stage
RUN mkdir -p /out/d && echo x > /out/suid && echo y > /out/sgid && mkdir /out/gdir && echo z > /out/gdir/f \
 && chown -R 1234:1234 /out && chmod 4755 /out/suid && chmod 2755 /out/sgid && chmod 2775 /out/gdir

FROM debian:bookworm
RUN groupadd -g 2000 grp && groupadd -g 1234 usr && useradd -u 1234 -g 2000 -M usr
# an existing destination directory keeps its owner and mode
WORKDIR /exist
COPY --chown=1000:1000 src/ .
WORKDIR /chmexist
COPY --chmod=700 src/ .
WORKDIR /
# a new destination and the parents the COPY creates get them
COPY --chown=1000:1000 src/ /new/sub
COPY --chmod=700 src/ /chm
# chown -R and chmod -R change the destination itself
COPY src/ /plain
RUN cp -a /plain /rec && chown -R 1000:1000 /rec && chmod -R 750 /rec
# owner names
COPY --chown=usr src/ /byname
RUN cp -a /plain /cu && chown -R usr /cu && cp -a /plain /cuc && chown -R usr: /cuc
COPY --chown=1234 src/ /bynum
# set-user-ID and set-group-ID bits
COPY suid/ /suid
RUN chown -R 1000:1000 /suid
COPY --chown=1000:1000 suid/ /suid2
COPY sgid/ /sgid
RUN chmod -R 755 /sgid
COPY --chmod=755 sgid/ /sgid2
COPY --from=stage /out /fromch
RUN chown -R 1000:1000 /fromch
COPY --from=stage --chown=1000:1000 /out /fromch2
COPY --from=stage /out /fromchm
RUN chmod -R 755 /fromchm
COPY --from=stage --chmod=755 /out /fromchm2
# umask: RUN's chmod +w is u+w under 022, --chmod=+w is a+w
RUN printf x > /umask && chmod 444 /umask && chmod +w /umask
COPY --chmod=+w one.sh /one-w.sh
# --link gives an existing parent the owner too
RUN mkdir /linked
COPY --link --chown=1000:1000 src/ /linked/app
`
	res := build(t, harness.BuildOptions{Env: env, Dockerfile: df, ContextDir: ctxDir, NoCache: true})
	tr := tree(t, res)
	for _, c := range []struct{ path, want, why string }{
		{"/exist", "dir 0755 0:0", "--chown leaves an existing destination alone"},
		{"/exist/sub", "dir 0750 1000:1000", "--chown applies to copied directories"},
		{"/exist/a.txt", "file 0644 1000:1000", "--chown applies to copied files"},
		{"/exist/link", "symlink 0777 1000:1000", "--chown applies to symbolic links"},
		{"/chmexist", "dir 0755 0:0", "--chmod leaves an existing destination alone"},
		{"/chmexist/sub", "dir 0700 0:0", "--chmod applies to copied directories"},
		{"/new", "dir 0755 1000:1000", "a parent the COPY creates gets the --chown owner"},
		{"/new/sub", "dir 0755 1000:1000", "a destination the COPY creates gets the owner (mode 0755, not the source's 0711)"},
		{"/chm", "dir 0700 0:0", "a destination the COPY creates gets the --chmod mode"},
		{"/plain", "dir 0755 0:0", "without flags a new destination is root's, 0755"},
		{"/plain/a.txt", "file 0644 0:0", "files from the context are root's whoever owns them on the host"},
		{"/rec", "dir 0750 1000:1000", "chown -R and chmod -R change the directory itself"},
		{"/rec/link", "symlink 0777 1000:1000", "chown -R changes symbolic links themselves"},
		{"/byname/a.txt", "file 0644 1234:2000", "--chown=NAME takes the user's primary group"},
		{"/cuc/a.txt", "file 0644 1234:2000", "chown NAME: takes the user's login group too"},
		{"/cu/a.txt", "file 0644 1234:0", "chown NAME keeps the group"},
		{"/bynum/a.txt", "file 0644 1234:1234", "--chown=UID takes GID = UID"},
		{"/suid/run", "file 0755 1000:1000", "chown clears the set-user-ID bit of a file from the context"},
		{"/suid2/run", "file 4755 1000:1000", "--chown keeps it: the context keeps set-user-ID bits"},
		{"/sgid/inner", "dir 2755 0:0", "chmod -R 755 keeps the set-group-ID bit of a directory from the context"},
		{"/sgid2/inner", "dir 0755 0:0", "--chmod=755 clears it"},
		{"/fromch/suid", "file 0755 1000:1000", "chown clears set-user-ID"},
		{"/fromch2/suid", "file 4755 1000:1000", "--chown keeps set-user-ID"},
		{"/fromch/gdir", "dir 2775 1000:1000", "chown keeps a directory's set-group-ID"},
		{"/fromchm/gdir", "dir 2755 1234:1234", "chmod -R 755 keeps a directory's set-group-ID"},
		{"/fromchm2/gdir", "dir 0755 1234:1234", "--chmod=755 clears it"},
		{"/umask", "file 0644 0:0", "RUN's umask is 022"},
		{"/one-w.sh", "file 0662 0:0", "a symbolic --chmod ignores the umask"},
		{"/linked", "dir 0755 1000:1000", "--link --chown re-owns an existing parent"},
	} {
		if got := entryAttrs(t, tr, c.path); got != c.want {
			t.Errorf("%s: %s, want %s (%s)", c.path, got, c.want, c.why)
		}
	}
}

// ccEquivalent builds a Dockerfile and its copy-chown rewrite with the
// cache off and requires the same files, owners and modes (apart from
// the unstable paths, see harness.Trio.Unstable); it logs
// the bytes the layers above the base add.
func ccEquivalent(t *testing.T, name, original string, opts harness.BuildOptions, base harness.LayoutRef) (rewrite string, before, after int64) {
	t.Helper()
	res, err := optimizer.Optimize([]byte(original), optimizer.Options{
		Enable: []string{"copy-chown"}, Context: os.DirFS(opts.ContextDir), Filename: "Dockerfile",
	})
	if err != nil {
		t.Fatalf("dfopt: %v", err)
	}
	if !res.Changed() {
		t.Fatalf("%s: copy-chown changed nothing", name)
	}
	t.Logf("%s: dfopt's rewrite:\n%s", name, res.Diff())
	for _, f := range res.Findings {
		t.Logf("%s: line %d: %s (fixed %v)", name, f.Line, f.Message, f.Fixed)
	}
	opts.NoCache = true
	o1, o2 := opts, opts
	o1.Dockerfile, o2.Dockerfile = original, string(res.Output)
	trio := buildTrio(t, o1, o2)
	orig, rewritten := trio.Before, trio.After
	d, left := trioDiff(t, trio, oci.DiffOptions{})
	if !d.Empty() {
		t.Fatalf("%s: the rewrite changed the image's files:\n%s", name, d.Format(40))
	}
	baseImg, err := oci.Open(base.Dir)
	if err != nil {
		t.Fatal(err)
	}
	n := len(baseImg.Layers)
	bc, bu := addedBytes(orig, n)
	ac, au := addedBytes(rewritten, n)
	t.Logf("%s: bytes above the base, uncompressed: before %s, after %s, saved %s (%.1f%%); compressed %s -> %s; layers %d -> %d; unstable between two builds of the original: %v",
		name, mib(bu), mib(au), mib(bu-au), 100*float64(bu-au)/float64(bu), mib(bc), mib(ac),
		len(orig.Image.Layers), len(rewritten.Image.Layers), left)
	if au >= bu {
		t.Errorf("%s: the rewrite is not smaller: %d >= %d bytes", name, au, bu)
	}
	return string(res.Output), bu, au
}

// TestCopyChownEquivalent: about 4 MiB of sources, a build stage's output,
// scripts, a heredoc and a download are copied and then re-owned or
// re-moded; the rewrite copies them with --chown/--chmod and builds the
// same tree with each file stored once. A set-user-ID file of the context
// keeps its COPY and chown as they are.
func TestCopyChownEquivalent(t *testing.T) {
	env := requireEnv(t)
	ctxDir := t.TempDir()
	// About 4 MiB of sources in a few directories, with a symbolic link.
	for i := 0; i < 64; i++ {
		var b strings.Builder
		for b.Len() < 64<<10 {
			fmt.Fprintf(&b, "line %d of module %d: %x\n", b.Len(), i, b.Len()*2654435761)
		}
		writeFile(t, filepath.Join(ctxDir, fmt.Sprintf("app/pkg%d/mod%d.py", i%8, i)), b.String())
	}
	if err := os.Symlink("pkg0/mod0.py", filepath.Join(ctxDir, "app/main.py")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ctxDir, "app/config.ini"), "[app]\nport=8000\n")
	writeFile(t, filepath.Join(ctxDir, "scripts/run.sh"), "#!/bin/sh\nexec \"$@\"\n")
	writeFile(t, filepath.Join(ctxDir, "scripts/tools/clean.sh"), "#!/bin/sh\n")
	writeFile(t, filepath.Join(ctxDir, "entrypoint.sh"), "#!/bin/sh\nexec \"$@\"\n")
	// A set-user-ID helper: chown clears the bit, --chown would keep it, so
	// its COPY is left alone.
	writeFile(t, filepath.Join(ctxDir, "helpers/su-helper"), "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(ctxDir, "helpers/su-helper"), os.ModeSetuid|0o755); err != nil {
		t.Fatal(err)
	}

	// A file served like a download, for ADD.
	mux := http.NewServeMux()
	mux.HandleFunc("/dist/tool.txt", func(rw http.ResponseWriter, r *http.Request) {
		rw.Write([]byte(strings.Repeat("tool\n", 50000)))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	writeFile(t, filepath.Join(ctxDir, "suidtool.sh"), "#!/bin/sh\n")

	original := `FROM debian:bookworm AS build
RUN mkdir -p /out/lib && seq 1 150000 > /out/lib/data.txt && printf '#!/bin/sh\necho tool\n' > /out/tool && chmod 755 /out/tool

FROM debian:bookworm
RUN groupadd --system app && useradd --system --gid app --no-create-home --home-dir /srv/app app
WORKDIR /srv/app
COPY app/ .
ENV APP_HOME=/srv/app
RUN chown -R app:app /srv/app
COPY --from=build /out /opt/tool
RUN chown -R 1000:1000 /opt/tool && echo copied
COPY scripts/ /opt/scripts
RUN chmod -R 750 /opt/scripts
COPY entrypoint.sh /usr/local/bin/
RUN chmod +x /usr/local/bin/entrypoint.sh
COPY <<EOF /usr/local/bin/hello
#!/bin/sh
echo hello
EOF
RUN chmod u+x,go+rx /usr/local/bin/hello
COPY helpers/ /opt/helpers
RUN chown -R app:app /opt/helpers
COPY suidtool.sh /usr/local/bin/suidtool
RUN chown 1000:1000 /usr/local/bin/suidtool && chmod 4755 /usr/local/bin/suidtool
WORKDIR /opt/dl
ADD http://` + ln.Addr().String() + `/dist/tool.txt /opt/dl/tool.txt
RUN chown app:app /opt/dl/tool.txt
USER app
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
`
	rewrite, before, after := ccEquivalent(t, "sources", original, harness.BuildOptions{Env: env, ContextDir: ctxDir}, env.Base)
	for _, want := range []string{
		"COPY --chown=app:app app/ .\n", "COPY --from=build --chown=1000:1000 /out /opt/tool\n",
		"COPY --chmod=750 scripts/ /opt/scripts\n", "COPY --chmod=755 entrypoint.sh /usr/local/bin/\n",
		"COPY --chmod=755 <<EOF /usr/local/bin/hello\n", "COPY helpers/ /opt/helpers\nRUN chown -R app:app /opt/helpers\n",
		"COPY --chown=1000:1000 --chmod=4755 suidtool.sh /usr/local/bin/suidtool\n", "ADD --chown=app:app http://",
	} {
		if !strings.Contains(rewrite, want) {
			t.Errorf("the rewrite lacks %q", want)
		}
	}
	if before-after < 3<<20 {
		t.Errorf("saved only %d bytes, want the 4 MiB of sources at least", before-after)
	}
}
