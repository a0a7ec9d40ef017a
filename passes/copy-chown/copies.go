package copychown

import (
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/stages"
)

// copyInstr is a COPY or ADD as far as this pass understands it.
type copyInstr struct {
	ins       *dockerfile.Instruction
	add       bool
	from      string
	fromStage *dockerfile.Stage
	chown     string // value of an existing --chown
	chmod     string // value of an existing --chmod
	hasChown  bool
	hasChmod  bool
	sources   []string // local sources (or URLs for ADD)
	heredocs  []string // heredoc source names
	dest      string   // absolute and clean; "" when it cannot be resolved
	slash     bool     // the destination ends in "/"
	kind      int
	file      string      // destFile: the path of the copied file
	mode      fs.FileMode // destFile: its mode before any --chmod
	modeKnown bool
	bad       string // why the COPY cannot take the flags
}

const (
	destUnknown = iota
	destFile
	destDir
)

// keyword is COPY or ADD.
func keyword(c *copyInstr) string {
	if c.add {
		return "ADD"
	}
	return "COPY"
}

var flagRE = lazyre.New(`^--([a-z-]+)(?:=(.*))?$`)

// readCopy reads a COPY or ADD: its flags, sources and destination, and
// what it puts there.
func readCopy(ctx *analysis.Context, ins *dockerfile.Instruction) *copyInstr {
	c := &copyInstr{ins: ins, add: ins.Cmd == "add"}
	kw := keyword(c)
	setBad := func(s string) {
		if c.bad == "" {
			c.bad = s
		}
	}
	for _, f := range ins.Flags {
		m := flagRE.FindStringSubmatch(f)
		if m == nil {
			setBad("the " + kw + " has flag " + f)
			continue
		}
		val := m[2]
		if strings.ContainsAny(val, "$\"'\\`") {
			setBad("the " + kw + "'s " + f + " has variables or quotes")
		}
		switch m[1] {
		case "from":
			c.from = val
		case "chown":
			c.chown, c.hasChown = val, true
		case "chmod":
			c.chmod, c.hasChmod = val, true
		case "exclude", "checksum":
		case "link":
			if val != "false" {
				setBad("the " + kw + " has --link, with which BuildKit gives existing parent directories the owner too")
			}
		default:
			setBad("the " + kw + " has " + f)
		}
	}
	args := ins.Args
	if len(args) < 2 {
		setBad("the " + kw + " has no destination")
		return c
	}
	rawDest := args[len(args)-1]
	for _, a := range args[:len(args)-1] {
		if strings.HasPrefix(a, "<<") && !ins.JSON {
			c.heredocs = append(c.heredocs, a)
			continue
		}
		c.sources = append(c.sources, a)
	}
	if len(c.heredocs) != len(ins.Heredocs()) {
		setBad("the " + kw + "'s heredocs cannot be read")
	}
	wd, wdKnown := stages.KnownWorkdir(ins)
	switch {
	case strings.ContainsAny(rawDest, "$\"'\\`*?["):
		setBad("the " + kw + " destination has variables or quotes")
		return c
	case strings.HasPrefix(rawDest, "/"):
		c.dest = path.Clean(rawDest)
	case wdKnown:
		c.dest = path.Clean(path.Join(wd, rawDest))
	default:
		setBad("the " + kw + " destination is relative to an unknown WORKDIR")
		return c
	}
	c.slash = strings.HasSuffix(rawDest, "/") || rawDest == "." || strings.HasSuffix(rawDest, "/.") || rawDest == ".."
	if c.from != "" {
		c.fromStage = stageNamed(ctx.Doc, ins, c.from)
	}

	// What the COPY puts at the destination.
	n := len(c.sources) + len(c.heredocs)
	switch {
	case n > 1:
		c.kind = destDir
	case len(c.heredocs) == 1:
		c.kind = destFile
		c.mode, c.modeKnown = 0o644, true
		name := ins.Heredocs()[0].Name
		c.file = c.dest
		if c.slash {
			c.file = path.Join(c.dest, name)
		}
	case c.add:
		src := c.sources[0]
		if !downloadURL(src) {
			if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
				setBad("ADD of a git repository")
			} else {
				setBad("ADD of local files may unpack archives with their own owners")
			}
			return c
		}
		c.kind = destFile
		c.file = c.dest
		if c.slash {
			setBad("the name ADD gives a downloaded file is not worked out here")
		}
	default:
		src := c.sources[0]
		switch {
		case strings.ContainsAny(src, "*?["):
			if c.slash {
				c.kind = destDir
			}
		case src == "." || src == "./" || strings.HasSuffix(src, "/") || strings.HasSuffix(src, "/."):
			c.kind = destDir
		case c.from == "" && ctx.BuildContext != nil && !strings.ContainsAny(src, "$\\"):
			name := strings.TrimPrefix(path.Clean("/"+src), "/")
			if name == "" {
				name = "."
			}
			if fi, err := fs.Stat(ctx.BuildContext, name); err == nil {
				switch {
				case fi.IsDir():
					c.kind = destDir
				case fi.Mode().IsRegular():
					c.kind = destFile
					c.mode, c.modeKnown = fi.Mode()&0o777, true
				}
			}
		}
		if c.kind == destFile {
			c.file = c.dest
			if c.slash || baseDirs.Get()["/"+strings.TrimPrefix(c.dest, "/")] {
				c.file = path.Join(c.dest, path.Base(path.Clean("/"+src)))
			}
		}
	}
	return c
}

// downloadURL reports whether an ADD source is a plain download (not a git
// repository, which ADD checks out).
func downloadURL(s string) bool {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && !strings.HasSuffix(u.Path, ".git")
}

// stageNamed finds the stage a --from names, or nil for an image.
func stageNamed(doc *dockerfile.Document, ins *dockerfile.Instruction, from string) *dockerfile.Stage {
	if n, err := strconv.Atoi(from); err == nil {
		if n >= 0 && n < len(doc.Stages) && doc.Stages[n].Index < ins.Stage.Index {
			return doc.Stages[n]
		}
		return nil
	}
	for _, st := range doc.Stages {
		if st.Index < ins.Stage.Index && st.Name != "" && st.Name == strings.ToLower(from) {
			return st
		}
	}
	return nil
}

// sourceName names where the files of an ADD or COPY --from come from.
func sourceName(c *copyInstr) string {
	if c.add {
		return "ADD"
	}
	return "--from=" + c.from
}
