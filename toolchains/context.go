package toolchains

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/stages"
)

// MaxContextFiles bounds how many files of the build context Copied lists
// (and the ecosystems read): a larger context is reported as unknown
// rather than read on every run.
const MaxContextFiles = 20000

// skipDirs are directories of the context that are listed as one entry,
// not walked: what is in them is never a program's source.
var skipDirs = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{".git": true, "node_modules": true, ".hg": true, ".svn": true}
}}

// File is a file that a COPY or ADD of a stage brings from the build
// context.
type File struct {
	// Context is its path in the build context (slash-separated).
	Context string
	// Image is its absolute path in the image.
	Image string
	// Dir is set for a directory listed as one entry (.git,
	// node_modules), whose content is not listed.
	Dir bool
	// Ins is the instruction that copies it.
	Ins *dockerfile.Instruction
}

// Copy is a source of a COPY or ADD from the build context, as written.
type Copy struct {
	Ins *dockerfile.Instruction
	// Src is the source as written; Dest the absolute image path it goes
	// to ("" when not known). DestDir tells that Dest is a directory the
	// source goes into (a trailing slash, several sources, or ".").
	Src, Dest string
	DestDir   bool
}

// Copied is what the COPY and ADD instructions of a stage bring from the
// build context.
type Copied struct {
	// Copies are the sources as written, in order.
	Copies []Copy
	// Files lists the files they bring, when they can be listed.
	Files []File
	// Unknown says why Files is incomplete ("" when it is not): no build
	// context to read, a source given by a variable, an archive ADD
	// extracts, a URL, ...
	Unknown string
}

// Workdir returns the working directory at an instruction as an absolute
// path: the WORKDIRs of the file, from the base image's own when the file
// sets none that is absolute (when that image is known); "" when it cannot
// be told.
func Workdir(ins *dockerfile.Instruction) string {
	wd := stages.WorkdirAt(ins)
	if rest, ok := strings.CutPrefix(wd, stages.UnknownWorkdir); ok {
		img, known := stages.Lookup(stages.RootImage(ins.Stage))
		if !known || img.Workdir == "" {
			return ""
		}
		return path.Join(img.Workdir, "/"+rest)
	}
	return wd
}

// CopiedBy lists what the COPY and ADD instructions of a stage bring from
// the build context (those with --from are not from it, and are left
// out). ctx gives the context; without one, only Copies is filled in.
func CopiedBy(ctx *analysis.Context, st *dockerfile.Stage) *Copied {
	out := &Copied{}
	cv := buildcontext.Of(ctx)
	if cv == nil {
		out.Unknown = "there is no build context to read"
	}
	for _, ins := range st.Instructions {
		if ins.Cmd != "copy" && ins.Cmd != "add" {
			continue
		}
		if hasFlag(ins, "--from") {
			continue
		}
		if len(ins.Heredocs()) > 0 {
			out.unknown(fmt.Sprintf("%s on line %d writes a file of its own", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start)))
			continue
		}
		if hasFlag(ins, "--parents") || hasFlag(ins, "--exclude") {
			out.unknown(fmt.Sprintf("%s on line %d has --parents or --exclude", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start)))
		}
		if len(ins.Args) < 2 {
			continue
		}
		srcs, dest := ins.Args[:len(ins.Args)-1], ins.Args[len(ins.Args)-1]
		wd := Workdir(ins)
		d := ""
		if !strings.ContainsAny(dest, "$") {
			d = Resolve(wd, dest)
		}
		destDir := strings.HasSuffix(dest, "/") || len(srcs) > 1 || dest == "." || dest == ".."
		for _, s := range srcs {
			out.Copies = append(out.Copies, Copy{Ins: ins, Src: s, Dest: d, DestDir: destDir})
			switch {
			case strings.Contains(s, "$"):
				out.unknown(fmt.Sprintf("%s on line %d copies %s, given by a variable", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start), s))
				continue
			case dockerfile.IsRemoteSource(s):
				out.unknown(fmt.Sprintf("%s on line %d fetches %s", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start), s))
				continue
			case ins.Cmd == "add" && isArchiveName(s):
				out.unknown(fmt.Sprintf("ADD on line %d extracts %s", ctx.Line(ins.Span.Start), s))
				continue
			case d == "":
				out.unknown(fmt.Sprintf("%s on line %d copies to %s, which is not a known directory", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start), dest))
				continue
			}
			if cv == nil {
				continue
			}
			out.add(ctx, cv, ins, s, d, destDir)
		}
	}
	return out
}

func (c *Copied) unknown(why string) {
	if c.Unknown == "" {
		c.Unknown = why
	}
}

// add lists what one source brings.
func (c *Copied) add(ctx *analysis.Context, cv *buildcontext.View, ins *dockerfile.Instruction, src, dest string, destDir bool) {
	clean := buildcontext.Clean(src)
	var matches []string
	if strings.ContainsAny(clean, "*?[") {
		dir, pat := path.Split(clean)
		if strings.ContainsAny(dir, "*?[") {
			c.unknown(fmt.Sprintf("%s on line %d copies %s, a pattern across directories", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start), src))
			return
		}
		for _, n := range cv.List(dir) {
			if ok, _ := path.Match(pat, n); ok {
				matches = append(matches, path.Join(dir, n))
			}
		}
		destDir = true
	} else {
		matches = []string{clean}
	}
	for _, m := range matches {
		fi, ok := cv.Stat(m)
		if !ok {
			// The build fails with this context; the Dockerfile is likely
			// built with another, whose files are not in view.
			c.unknown(fmt.Sprintf("%s on line %d copies %s, which is not in the build context (it may be another directory)", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start), src))
			continue
		}
		if !fi.IsDir() {
			p := dest
			if destDir {
				p = path.Join(dest, path.Base(m))
			}
			if ins.Cmd == "add" && isArchiveName(m) {
				c.unknown(fmt.Sprintf("ADD on line %d extracts %s", ctx.Line(ins.Span.Start), m))
				continue
			}
			c.Files = append(c.Files, File{Context: m, Image: p, Ins: ins})
			continue
		}
		files, err := walk(ctx, cv, m)
		if err != "" {
			c.unknown(err)
			return
		}
		for _, f := range files {
			rel := strings.TrimPrefix(strings.TrimPrefix(f.Context, m), "/")
			if m == "" || m == "." {
				rel = f.Context
			}
			f.Image = path.Join(dest, rel)
			f.Ins = ins
			c.Files = append(c.Files, f)
			if len(c.Files) > MaxContextFiles {
				c.unknown(fmt.Sprintf("the build context has more than %d files", MaxContextFiles))
				return
			}
		}
	}
}

type walked struct {
	files []File
	err   string
}

// walk lists the files below a context directory that the builder sends,
// once per run.
func walk(ctx *analysis.Context, cv *buildcontext.View, dir string) ([]File, string) {
	w := ctx.Memo("toolchains.walk:"+dir, func() any {
		var out walked
		var rec func(d string) bool
		rec = func(d string) bool {
			for _, n := range cv.List(d) {
				p := path.Join(d, n)
				if d == "" || d == "." {
					p = n
				}
				fi, ok := cv.Stat(p)
				if !ok {
					continue
				}
				if fi.IsDir() {
					if skipDirs.Get()[n] {
						out.files = append(out.files, File{Context: p, Dir: true})
						continue
					}
					if !rec(p) {
						return false
					}
					continue
				}
				out.files = append(out.files, File{Context: p})
				if len(out.files) > MaxContextFiles {
					out.err = fmt.Sprintf("the build context has more than %d files", MaxContextFiles)
					return false
				}
			}
			return true
		}
		rec(dir)
		return out
	}).(walked)
	return w.files, w.err
}

// ReadFile returns the content of a context file, once per run.
func ReadFile(ctx *analysis.Context, p string) ([]byte, bool) {
	cv := buildcontext.Of(ctx)
	if cv == nil {
		return nil, false
	}
	type read struct {
		data []byte
		ok   bool
	}
	r := ctx.Memo("toolchains.read:"+p, func() any {
		data, ok := cv.ReadFile(p)
		return read{data, ok}
	}).(read)
	return r.data, r.ok
}

// hasFlag reports whether an instruction has the builder flag name.
func hasFlag(ins *dockerfile.Instruction, name string) bool {
	for _, f := range ins.Flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}

// isArchiveName reports a file name that ADD may extract.
func isArchiveName(p string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2", ".xz", ".zst"} {
		if strings.HasSuffix(strings.ToLower(p), ext) {
			return true
		}
	}
	return false
}
