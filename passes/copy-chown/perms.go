package copychown

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// perm is a chown or chmod command of the RUN.
type perm struct {
	item      int
	call      *syntax.CallExpr
	chown     bool
	spec      string // owner or mode as given
	specWord  *syntax.Word
	recursive bool
	paths     []string // absolute and clean; "" when not resolvable
	words     []*syntax.Word
	bad       string // why the command itself cannot be folded
}

// permName is chown or chmod.
func permName(p *perm) string {
	if p.chown {
		return "chown"
	}
	return "chmod"
}

// specialMode reports whether a chmod mode may set set-user-ID or
// set-group-ID bits.
func specialMode(mode string) bool {
	if mode == "" {
		return false
	}
	if octalRE.MatchString(mode) {
		v, _ := strconv.ParseUint(mode, 8, 32)
		return v&0o6000 != 0
	}
	return strings.Contains(mode, "s")
}

// readPerm reads a chown or chmod item of the chain; nil for other
// commands.
func readPerm(it shellparse.Item, idx int, wd string, wdKnown bool) *perm {
	call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil
	}
	c := shellparse.Resolve(call)
	if c.Name != "chown" && c.Name != "chmod" {
		return nil
	}
	p := &perm{item: idx, call: call, chown: c.Name == "chown"}
	switch {
	case len(c.Wrappers) > 0 || c.NameIdx != 0:
		p.bad = "the " + c.Name + " runs through " + strings.Join(c.Wrappers, " ")
	case len(c.Assigns) > 0:
		p.bad = "the " + c.Name + " has variable assignments"
	case len(it.Stmt.Redirs) > 0:
		p.bad = "the " + c.Name + " has redirections"
	}
	words := make([]string, len(c.Args))
	for i, w := range c.Args {
		v, literal := shellparse.LiteralWords([]*syntax.Word{w})
		if !literal {
			if p.bad == "" {
				p.bad = "variables or globs in the " + c.Name + " arguments"
			}
			words[i] = unread
			continue
		}
		words[i] = v[0]
	}
	var operands []int
	opts := true
	for i, w := range words {
		if !opts || !strings.HasPrefix(w, "-") || w == "-" || !p.chown && symbolicOption(w) || w == unread {
			operands = append(operands, i)
			continue
		}
		if w == "--" {
			opts = false
			continue
		}
		if reason := checkOption(c.Name, w, &p.recursive); reason != "" && p.bad == "" {
			p.bad = reason
		}
	}
	if len(operands) < 2 {
		if p.bad == "" {
			p.bad = "no path given"
		}
		return p
	}
	p.spec = words[operands[0]]
	p.specWord = c.Args[operands[0]]
	for _, i := range operands[1:] {
		v := words[i]
		abs := ""
		switch {
		case v == unread:
		case strings.HasPrefix(v, "/"):
			abs = path.Clean(v)
		case wdKnown:
			abs = path.Clean(path.Join(wd, v))
		}
		p.paths = append(p.paths, abs)
		p.words = append(p.words, c.Args[i])
	}
	return p
}

// unread stands for a word that is not a plain literal.
const unread = "\x00"

// symbolicOption reports whether a chmod word starting with '-' is a mode
// such as -x rather than an option.
func symbolicOption(w string) bool {
	return len(w) > 1 && strings.Trim(w[1:], "rwxXst") == ""
}

// checkOption checks one option word of chown or chmod.
func checkOption(name, w string, recursive *bool) string {
	bad := ""
	if strings.HasPrefix(w, "--") {
		opt, _, _ := strings.Cut(w[2:], "=")
		switch opt {
		case "recursive":
			*recursive = true
		case "verbose", "changes", "silent", "quiet", "preserve-root", "no-preserve-root":
		default:
			return fmt.Sprintf("%s %s has no --%s equivalent", name, w, name)
		}
		return ""
	}
	for _, r := range w[1:] {
		switch {
		case r == 'R':
			*recursive = true
		case r == 'v' || r == 'c' || r == 'f' || r == 'P' && name == "chown":
		default:
			bad = fmt.Sprintf("%s %s has no --%s equivalent", name, w, name)
		}
	}
	return bad
}

// matchPath finds the COPY whose destination (or copied file) is target.
func matchPath(copies []*copyInstr, p *perm, target string) (match, bool) {
	if target == "" {
		return match{}, false
	}
	for i := len(copies) - 1; i >= 0; i-- {
		c := copies[i]
		if c.dest == "" {
			continue
		}
		if c.kind == destFile && c.file == target {
			return match{c: c, dir: false}, true
		}
		if c.dest != target || c.kind == destFile && c.file == c.dest {
			continue
		}
		if p.recursive {
			return match{c: c, dir: true}, true
		}
		// A non-recursive chown of a directory changes the directory
		// only, which is what a COPY with the flag already leaves to
		// it; unless the source might be a single file.
		if c.kind == destUnknown && !c.slash && !(p.chown && c.hasChown || !p.chown && c.hasChmod) {
			c2 := *c
			if c2.bad == "" {
				c2.bad = "cannot tell whether the COPY's source is a file or a directory"
				if len(c.sources) > 0 && !c.add && c.from == "" {
					c2.bad += " (no build context)"
				}
			}
			return match{c: &c2, dir: false}, true
		}
	}
	return match{}, false
}

var numericRE = lazyre.New(`^[0-9]+$`)

// chownFlag turns a chown owner into the --chown value with the same effect
// on what the COPY copied.
func chownFlag(c *copyInstr, spec string) (string, string) {
	user, group, colon := strings.Cut(spec, ":")
	switch {
	case user == "":
		return "", "chown :GROUP keeps the files' owner, which --chown cannot"
	case colon && group == "":
		return "", "chown USER: takes the login group, which --chown=USER does not in every builder"
	case strings.ContainsAny(spec, ". "):
		return "", "chown with a dot in the owner (USER.GROUP or a name with a dot)"
	case strings.Contains(group, ":"):
		return "", "chown owner " + spec
	}
	if !colon {
		// The group stays: root's for what a COPY copies from the build
		// context or a heredoc, unknown for another stage.
		if c.from != "" || c.add {
			return "", "chown USER keeps the group of files from " + sourceName(c) + ", which is not known"
		}
		return user + ":0", ""
	}
	return spec, ""
}

// namesStable checks that user and group names mean at the COPY what
// they mean at the RUN: nothing copied in between replaces /etc/passwd or
// /etc/group.
func namesStable(spec string, copies []*copyInstr) string {
	user, group, _ := strings.Cut(spec, ":")
	if (numericRE.MatchString(user) || user == "root") && (group == "" || numericRE.MatchString(group) || group == "root") {
		return ""
	}
	for _, c := range copies {
		for _, f := range []string{"/etc/passwd", "/etc/group"} {
			if c.dest == "" || stages.Under(f, c.dest) && c.kind != destFile || c.file == f {
				return "the COPY may replace " + f + ", which --chown reads before the copy"
			}
		}
	}
	return ""
}

var octalRE = lazyre.New(`^[0-7]{1,5}$`)

// chmodFlag turns a chmod mode into the --chmod value with the same effect.
func chmodFlag(c *copyInstr, mode string, dir bool) (string, string) {
	if c.add {
		return "", "chmod of files from ADD"
	}
	if c.from != "" && dir {
		return "", "chmod -R of files from another stage, whose directories may be set-group-ID (" + setidNote(false) + ")"
	}
	if octalRE.MatchString(mode) {
		if v, _ := strconv.ParseUint(mode, 8, 32); v <= 0o7777 {
			return mode, ""
		}
		return "", "chmod mode " + mode
	}
	if dir {
		return "", "symbolic chmod mode " + mode + " on a directory"
	}
	if !c.modeKnown {
		return "", "symbolic chmod mode " + mode + " and the file's mode is unknown (no build context)"
	}
	m, ok := applySymbolic(c.mode, mode, 0o022)
	if !ok {
		return "", "chmod mode " + mode
	}
	return fmt.Sprintf("%03o", m), ""
}

// applySymbolic applies a symbolic chmod mode (r, w and x permissions
// only) to a regular file's permission bits as GNU chmod does with the
// given umask: without u, g, o or a, the umask limits what is set, and "="
// clears every bit first.
func applySymbolic(mode fs.FileMode, spec string, umask fs.FileMode) (fs.FileMode, bool) {
	m := mode & 0o777
	for _, clause := range strings.Split(spec, ",") {
		i := 0
		var affected fs.FileMode
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			switch clause[i] {
			case 'u':
				affected |= 0o700
			case 'g':
				affected |= 0o070
			case 'o':
				affected |= 0o007
			case 'a':
				affected |= 0o777
			}
			i++
		}
		if i == len(clause) {
			return 0, false
		}
		limit := affected
		if affected == 0 {
			limit = 0o777 &^ umask
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return 0, false
			}
			i++
			var value fs.FileMode
			for i < len(clause) && strings.IndexByte("+-=", clause[i]) < 0 {
				switch clause[i] {
				case 'r':
					value |= 0o444
				case 'w':
					value |= 0o222
				case 'x':
					value |= 0o111
				default:
					return 0, false
				}
				i++
			}
			value &= limit
			switch op {
			case '+':
				m |= value
			case '-':
				m &^= value
			case '=':
				m = m&^affected | value
				if affected == 0 {
					m = value
				}
			}
		}
	}
	return m, true
}
