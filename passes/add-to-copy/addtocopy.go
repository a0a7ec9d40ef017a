package addtocopy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
)

// addCopyFlags are the flags ADD shares with COPY.
var addCopyFlags = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"chown": true, "chmod": true, "link": true, "exclude": true}
}}

// plainExts are file extensions that do not name a tar archive.
var plainExts = lazy.Value[map[string]bool]{New: func() map[string]bool {
	exts := map[string]bool{}
	for _, e := range strings.Fields(`
		.py .pyi .js .mjs .cjs .ts .tsx .jsx .vue .go .rb .php .pl .pm .java .kt .kts .scala .groovy
		.gradle .c .h .cc .cpp .hpp .cs .rs .swift .lua .r .ex .exs .erl .clj
		.sh .bash .zsh .fish .ps1 .bat .cmd
		.txt .md .rst .json .yml .yaml .toml .ini .cfg .conf .cnf .properties .env .xml .html .htm
		.css .scss .sass .less .csv .tsv .sql .lock .mod .sum .tmpl .tpl .template .j2 .service
		.pem .crt .cer .key .pub .asc .gpg
		.png .jpg .jpeg .gif .svg .ico .webp
		.zip .jar .war .ear .whl
		.npmrc .yarnrc .gitignore .dockerignore .editorconfig .babelrc .bashrc .profile`) {
		exts[e] = true
	}
	return exts
}}

// plainNames are file names without a telling extension that are text.
var plainNames = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"Makefile": true, "Gemfile": true, "Pipfile": true, "Procfile": true, "Dockerfile": true,
		"Rakefile": true, "Brewfile": true, "LICENSE": true, "README": true, "VERSION": true,
	}
}}

// archiveExts name tar archives, plain or compressed as ADD can extract them.
var archiveExts = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		".tar": true, ".tgz": true, ".taz": true, ".tbz": true, ".tbz2": true, ".tb2": true,
		".txz": true, ".tzst": true, ".gz": true, ".bz2": true, ".xz": true, ".zst": true, ".zstd": true,
	}
}}

type addVerdict int

// Verdicts on ADD sources, in increasing weight: an instruction gets the
// heaviest verdict of its sources.
const (
	addCopy       addVerdict = iota // COPY does the same
	addUnknown                      // no context and a name that does not tell: report
	addArchive                      // ADD extracts it, or may: leave
	addMissing                      // not in the build context: leave
	addUnreadable                   // could not be inspected: leave
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if ins.Cmd != "add" || len(ins.Args) < 2 || len(ins.Heredocs()) > 0 || !addFlagsOK(ins.Flags) {
			continue
		}
		srcs := ins.Args[:len(ins.Args)-1]
		if skipAddSources(srcs, doc.Escape) {
			continue
		}
		if v := firstVariable(srcs); v != "" {
			out = append(out, analysis.InstructionFinding(ins, "ADD of "+v+": the source comes from a variable, so it cannot be told whether ADD downloads or extracts it; use COPY if it is a local file that is not an archive"))
			continue
		}
		verdict, which := addCopy, ""
		for _, src := range srcs {
			var v addVerdict
			if ctx.BuildContext != nil {
				v = inspectAddSource(ctx.BuildContext, src)
			} else {
				v = guessAddSource(src)
			}
			if v > verdict {
				verdict, which = v, src
			}
		}
		switch verdict {
		case addCopy:
			if f, ok := addToCopyFix(doc, ins); ok {
				out = append(out, f)
			}
		case addUnknown:
			out = append(out, analysis.InstructionFinding(ins, "ADD of "+which+": without the build context it cannot be told whether it is a tar archive, which ADD extracts; use COPY if it is not"))
		}
	}
	return out
}

// addFlagsOK reports whether every flag of an ADD is one COPY takes too.
func addFlagsOK(flags []string) bool {
	for _, f := range flags {
		name, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !addCopyFlags.Get()[name] {
			return false
		}
	}
	return true
}

// skipAddSources reports whether an ADD has a source this pass does not
// read: a URL or git repository, a heredoc, or a word whose quotes or
// escapes BuildKit would process.
func skipAddSources(srcs []string, esc byte) bool {
	for _, s := range srcs {
		if s == "" || dockerfile.IsRemoteSource(s) || strings.HasPrefix(s, "<<") ||
			strings.ContainsAny(s, "\"'\\"+string(esc)) {
			return true
		}
	}
	return false
}

func firstVariable(srcs []string) string {
	for _, s := range srcs {
		if strings.Contains(s, "$") {
			return s
		}
	}
	return ""
}

// addToCopyFix replaces the keyword ADD with COPY, in the same case.
func addToCopyFix(doc *dockerfile.Document, ins *dockerfile.Instruction) (analysis.Finding, bool) {
	kw := ins.Keyword()
	lead := len(ins.Text) - len(strings.TrimLeftFunc(ins.Text, unicode.IsSpace))
	if len(kw) != 3 || !strings.HasPrefix(ins.Text[lead:], kw) {
		return analysis.Finding{}, false
	}
	start := ins.SrcOffset(lead)
	end := ins.SrcOffset(lead+len(kw)-1) + 1
	if end-start != len(kw) || string(doc.Src[start:end]) != kw {
		return analysis.Finding{}, false
	}
	repl := "COPY"
	switch kw {
	case "add":
		repl = "copy"
	case "Add":
		repl = "Copy"
	}
	f := analysis.InstructionFinding(ins, "ADD of local files: COPY does the same without ADD's implicit archive extraction and URL handling")
	f.Fix = &analysis.Fix{Message: "use COPY", Edits: []analysis.Edit{analysis.Replace(start, end, repl)}}
	return f, true
}

// guessAddSource judges a source by its name alone.
func guessAddSource(src string) addVerdict {
	wild := hasWildcard(src)
	if !wild && (src == "." || strings.HasSuffix(src, "/") || strings.HasSuffix(src, "/.") || path.Clean("/"+src) == "/") {
		return addCopy
	}
	base := path.Base(src)
	if plainNames.Get()[base] {
		return addCopy
	}
	ext := strings.ToLower(path.Ext(base))
	switch {
	case hasWildcard(ext) || strings.Contains(ext, "]"):
		return addUnknown
	case plainExts.Get()[ext]:
		return addCopy
	case archiveExts.Get()[ext]:
		return addArchive
	}
	return addUnknown
}

// hasWildcard reports whether a path has a wildcard character, as
// BuildKit's file copy sees them.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

// inspectAddSource looks a source up in the build context.
func inspectAddSource(fsys fs.FS, src string) addVerdict {
	name := strings.TrimPrefix(path.Clean("/"+src), "/")
	if name == "" {
		name = "."
	}
	matches := []string{name}
	if hasWildcard(name) {
		var ok bool
		if matches, ok = matchContext(fsys, name); !ok {
			return addUnreadable
		}
		if len(matches) == 0 {
			return addMissing
		}
	}
	verdict := addCopy
	for _, m := range matches {
		v := inspectContextPath(fsys, m)
		if v > verdict {
			verdict = v
		}
	}
	return verdict
}

// matchContext resolves a wildcard source the way BuildKit does: the
// components before the first one with a wildcard name a directory, the
// rest is a pattern matched against the paths below it (a directory that
// matches is taken whole).
func matchContext(fsys fs.FS, name string) ([]string, bool) {
	parts := strings.Split(name, "/")
	i := 0
	for i < len(parts) && !hasWildcard(parts[i]) {
		i++
	}
	dir := path.Join(parts[:i]...)
	if dir == "" {
		dir = "."
	}
	pattern := path.Join(parts[i:]...)
	depth := strings.Count(pattern, "/")
	if fi, err := fs.Stat(fsys, dir); err != nil || !fi.IsDir() {
		return nil, errors.Is(err, fs.ErrNotExist) || err == nil
	}
	var out []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(p, dir+"/")
		}
		if ok, _ := path.Match(pattern, rel); ok {
			out = append(out, p)
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() && strings.Count(rel, "/") >= depth {
			return fs.SkipDir // nothing deeper can match
		}
		return nil
	})
	return out, err == nil
}

// inspectContextPath judges one path of the build context.
func inspectContextPath(fsys fs.FS, name string) addVerdict {
	if leavingLink(fsys, name) {
		return addUnreadable
	}
	fi, err := fs.Stat(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return addMissing
	case err != nil:
		return addUnreadable
	case !fi.Mode().IsRegular():
		return addCopy // directories are copied, not extracted
	}
	archive, err := tarArchive(fsys, name)
	switch {
	case err != nil:
		return addUnreadable
	case archive:
		return addArchive
	}
	return addCopy
}

// leavingLink reports whether a path goes through a symbolic link that is
// absolute or leads out of the context: BuildKit resolves such links
// inside the context, where the file system given to the pass may not.
func leavingLink(fsys fs.FS, name string) bool {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok || name == "." {
		return false
	}
	parts := strings.Split(name, "/")
	for i := range parts {
		p := path.Join(parts[:i+1]...)
		fi, err := rl.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		target, err := rl.ReadLink(p)
		if j := path.Join(path.Dir(p), target); err != nil || path.IsAbs(target) || j == ".." || strings.HasPrefix(j, "../") {
			return true
		}
	}
	return false
}

// The magic numbers BuildKit (moby/go-archive) recognises compression by.
var (
	bzip2Magic = []byte{0x42, 0x5A, 0x68}
	gzipMagic  = []byte{0x1F, 0x8B, 0x08}
	xzMagic    = []byte{0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00}
	zstdMagic  = []byte{0x28, 0xB5, 0x2F, 0xFD}
)

// tarInspectLimit bounds how much of a (decompressed) file is read to find
// its first tar header.
const tarInspectLimit = 2 << 20

// tarArchive reports whether ADD would extract a file: as BuildKit does,
// it detects the compression by magic number and then asks for the first
// header of a tar stream. A file it cannot decompress here (xz, zstd), or
// whose first header is not found within tarInspectLimit bytes, counts as
// an archive.
func tarArchive(fsys fs.FS, name string) (bool, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, err := br.Peek(10)
	if err != nil && err != io.EOF {
		return false, err
	}
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(head, bzip2Magic):
		r = bzip2.NewReader(br)
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return false, nil // BuildKit cannot decompress it either: copied as is
		}
		defer zr.Close()
		r = zr
	case bytes.HasPrefix(head, xzMagic), bytes.HasPrefix(head, zstdMagic),
		len(head) >= 8 && binary.LittleEndian.Uint32(head[:4])&0xFFFFFFF0 == 0x184D2A50: // zstd skippable frame
		return true, nil
	}
	lr := &limitReader{r: r, n: tarInspectLimit}
	_, err = tar.NewReader(lr).Next()
	return err == nil || lr.hit, nil
}

// limitReader reads at most n bytes and records when it stopped there.
type limitReader struct {
	r   io.Reader
	n   int64
	hit bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.hit = true
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
