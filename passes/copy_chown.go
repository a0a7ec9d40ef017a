package passes

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// CopyChown folds a chown -R or chmod -R of what a COPY has just copied
// into the COPY's --chown and --chmod flags.
var CopyChown = &analysis.Pass{
	Name:    "copy-chown",
	Summary: "copy with --chown/--chmod instead of re-owning the copied files in the next RUN",
	Tier:    analysis.Safe,
	Run:     runCopyChown,
	Doc: `A RUN that changes the owner or mode of the files the COPY before it
copied stores every one of those files a second time, in its own layer.
COPY --chown and --chmod give the files their owner and mode as they are
copied, once.

Before:
    WORKDIR /srv/app
    COPY . .
    RUN chown -R app:app /srv/app
    COPY entrypoint.sh /usr/local/bin/
    RUN chmod +x /usr/local/bin/entrypoint.sh && echo done
After:
    WORKDIR /srv/app
    COPY --chown=app:app . .
    RUN chown app:app /srv/app
    COPY --chmod=755 entrypoint.sh /usr/local/bin/
    RUN echo done

The output needs BuildKit or Docker 17.09 or later for --chown, and
BuildKit for --chmod.

What BuildKit (v0.34.2) does, measured: --chown and --chmod apply to every
file, directory and symbolic link the COPY copies, and to the destination
directory and the parents it creates; a destination directory that exists
already (made by WORKDIR, or in the base image) keeps its owner and mode.
chown -R and chmod -R change the directory itself too, so a non-recursive
"chown SPEC DIR" (or "chmod MODE DIR") of the destination stays in the
RUN: a layer with one directory in it. A copied file needs nothing more.
chown clears set-user-ID bits, --chown keeps them; chmod -R 755 keeps the
set-group-ID bit of a directory, --chmod=755 clears it; the build context
keeps both. --chown=NAME takes the user's primary group, as chown NAME:
does; chown NAME keeps the group. RUN's umask is 022.

Folded:
  - the chown/chmod names exactly the COPY's destination (relative paths
    and "." resolved against WORKDIR, trailing slashes ignored) or, for a
    copied file, that file; several paths are fine when each is the
    destination of a COPY folded at the same time;
  - the RUN comes right after the COPY (ENV, ARG, LABEL, EXPOSE, CMD,
    ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, USER and other COPYs may come
    between), runs as root, has no flags, and is an && chain in which the
    chown or chmod comes first (only set, true, ":", echo, printf or a
    chown/chmod of other paths before it): it is dropped from the chain,
    or the whole RUN goes when nothing is left;
  - chown: -R (or --recursive) for a directory; -v, -c, -f and -P are
    fine. The owner is USER:GROUP, or USER alone when the files come from
    the build context or a heredoc (they are root's, so the COPY gets
    --chown=USER:0);
  - chmod: an octal mode, or for a single file whose mode is known (build
    context, heredoc) a symbolic one, written as the octal mode it gives;
  - the copied files have no set-user-ID or set-group-ID bit: checked in
    the build context (so local sources need one), or for COPY --from a
    stage of the file, nothing in that stage sets such bits or brings files
    from elsewhere, and the files come from outside the system directories;
  - a directory destination is the COPY's alone: not a system directory
    where base images keep files (/, /etc, /usr, /var, /opt, /srv, /home
    and a home directory, ...), and nothing earlier in the stage (or the
    stages it is built on) copies, writes or runs there, since chown -R
    would change those files too (RUN mkdir of it, and useradd/adduser
    --no-create-home with it as home, are fine). The base image is assumed
    to hold nothing there;
  - the parent of the destination (or of the copied file) exists before the
    COPY: a directory every base image has, or one an earlier WORKDIR, COPY
    or mkdir made; BuildKit would give a parent it creates the new owner
    or mode;
  - user and group names: no COPY in between may replace /etc/passwd or
    /etc/group, from which --chown reads them before copying;
  - ADD of a URL (one root-owned file) takes --chown the same way.

Left alone, with a finding saying why when the chown matches a COPY:
chown -h/-H/-L/--from/--reference, chown USER: and :GROUP (their groups
differ between builders or cannot be written as --chown), owners with a
dot, variables or globs, a path the COPY did not copy (inside or next to
the destination), commands before the chown in the RUN (they may write
there, or create the user), other commands of the RUN that change the files
again, || or ; in the chain (a failing chown would not fail the build), RUN
flags, a USER other than root, COPY --link (BuildKit then gives existing
parents the owner too), --parents, a different --chown or --chmod already
there, a chown after a chmod that sets set-user-ID or set-group-ID bits
(BuildKit sets the owner first, so they would stay), ADD of local files
(archives keep their own owners), chmod of ADD downloads, COPY --from an
image, chmod -R of another stage's files, and a destination that may be a
file or a directory (no build context). find ... -exec chmod, which
changes files only, is not touched.`,
}

// ccCopy is a COPY or ADD as far as this pass understands it.
type ccCopy struct {
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
	file      string      // ccFile: the path of the copied file
	mode      fs.FileMode // ccFile: its mode before any --chmod
	modeKnown bool
	bad       string // why the COPY cannot take the flags
}

const (
	ccUnknown = iota
	ccFile
	ccDir
)

// ccPerm is a chown or chmod command of the RUN.
type ccPerm struct {
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

// ccMatch is one path of a chown/chmod that is what a COPY copied.
type ccMatch struct {
	c   *ccCopy
	dir bool // the COPY's destination directory (else the copied file)
}

func runCopyChown(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		if ins.Cmd != "run" || ins.Stage == nil || !strings.Contains(ins.Text, "chown") && !strings.Contains(ins.Text, "chmod") {
			continue
		}
		if f, ok := ccFold(ctx, ins); ok {
			out = append(out, f)
		}
	}
	return out
}

// ccWindow returns the COPYs and ADDs before run that nothing but
// instructions which leave the files alone separate from it.
func ccWindow(run *dockerfile.Instruction) []*dockerfile.Instruction {
	var copies []*dockerfile.Instruction
	ins := run.Stage.Instructions
	i := slices.Index(ins, run)
	for j := i - 1; j > 0; j-- {
		switch ins[j].Cmd {
		case "copy", "add":
			copies = append([]*dockerfile.Instruction{ins[j]}, copies...)
		case "env", "arg", "label", "expose", "stopsignal", "healthcheck", "cmd", "entrypoint", "maintainer", "onbuild", "user":
		default:
			return copies
		}
	}
	return copies
}

func ccFold(ctx *analysis.Context, run *dockerfile.Instruction) (analysis.Finding, bool) {
	doc := ctx.Doc
	window := ccWindow(run)
	if len(window) == 0 {
		return analysis.Finding{}, false
	}
	sr, _ := runs.Parse(run)
	if sr == nil {
		return analysis.Finding{}, false
	}
	wd, wdKnown := stages.KnownWorkdir(run)
	copies := make([]*ccCopy, len(window))
	for i, w := range window {
		copies[i] = ccReadCopy(ctx, w)
	}
	items := shellparse.Chain(sr.Prog.File.Stmts)
	var perms []*ccPerm
	for i, it := range items {
		if p := ccReadPerm(it, i, wd, wdKnown); p != nil {
			perms = append(perms, p)
		}
	}

	// The chown/chmod commands that touch what a COPY of the window copied.
	matches := map[*ccPerm][]ccMatch{}
	var relevant []*ccPerm
	for _, p := range perms {
		var ms []ccMatch
		for _, target := range p.paths {
			if m, ok := ccMatchPath(copies, p, target); ok {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 {
			matches[p] = ms
			relevant = append(relevant, p)
		}
	}
	if len(relevant) == 0 {
		return analysis.Finding{}, false
	}
	first := relevant[0]
	firstCopy := matches[first][0].c
	start, end := shellparse.Span(first.call)
	finding := analysis.Finding{Pos: sr.Src(start), End: sr.After(end)}
	what := ccShort(sr.Prog.Text(first.call))
	finding.Message = fmt.Sprintf("%s after the %s stores the copied files a second time", what, ccKeyword(firstCopy))
	decline := func(reason string) (analysis.Finding, bool) {
		finding.Message += "; not folded into the " + ccKeyword(firstCopy) + ": " + reason
		return finding, true
	}

	// The RUN.
	switch {
	case len(run.Flags) > 0:
		return decline("the RUN has flags")
	case !stages.IsRoot(stages.UserArg(run)):
		return decline("the RUN does not run as root")
	}
	for i, it := range items {
		if it.Negated || it.Op != shellparse.OpAnd && !(i == len(items)-1 && it.Op == shellparse.OpEnd) {
			return decline(fmt.Sprintf("the RUN is not a plain && chain, so a failing %s would not stop the build", ccName(first)))
		}
	}

	// Every relevant command comes before anything that could write.
	for _, p := range relevant {
		for i := 0; i < p.item; i++ {
			if !ccHarmless(items[i], perms, matches) {
				return decline(fmt.Sprintf("%s runs before it in the RUN and may write there", ccShort(sr.Prog.Text(items[i].Stmt))))
			}
		}
	}

	if sr.Prog.HasComments() || doc.HasCommentLines(run) {
		return decline("the RUN has comments")
	}

	// What each COPY gets, and what stays in the RUN.
	type change struct{ chown, chmod string }
	changes := map[*ccCopy]*change{}
	keep := map[*ccPerm][]*syntax.Word{}
	for _, p := range relevant {
		if p.bad != "" {
			return decline(p.bad)
		}
		ms := matches[p]
		if len(ms) != len(p.paths) {
			return decline(ccUnmatched(p, ms))
		}
		for i, m := range ms {
			c := m.c
			if c.bad != "" {
				return decline(c.bad)
			}
			ch := changes[c]
			if ch == nil {
				ch = &change{}
				changes[c] = ch
			}
			if p.chown {
				spec, reason := ccOwner(c, p.spec)
				if reason != "" {
					return decline(reason)
				}
				if ch.chown != "" && ch.chown != spec {
					return decline("two different owners for the same files")
				}
				ch.chown = spec
				if reason := ccNamesStable(spec, copies); reason != "" {
					return decline(reason)
				}
				// chown clears the set-user-ID and set-group-ID bits a
				// chmod before it set; BuildKit changes the owner first.
				if ccSpecialMode(ch.chmod) || c.hasChmod && ccSpecialMode(c.chmod) {
					return decline("the chown would clear the set-user-ID or set-group-ID bits the mode before it sets, which --chown and --chmod keep")
				}
			} else {
				mode, reason := ccMode(c, p.spec, m.dir)
				if reason != "" {
					return decline(reason)
				}
				if ch.chmod != "" && ch.chmod != mode {
					return decline("two different modes for the same files")
				}
				ch.chmod = mode
			}
			if reason := ccPlace(ctx, c, m.dir, copies); reason != "" {
				return decline(reason)
			}
			if reason := ccSourcesClean(ctx, c, p.chown); reason != "" {
				return decline(reason)
			}
			if m.dir {
				keep[p] = append(keep[p], p.words[i])
			}
		}
	}
	// Other commands of the RUN that rewrite the same files would keep the
	// second copy: nothing to gain.
	for _, it := range items {
		call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || slices.ContainsFunc(relevant, func(p *ccPerm) bool { return p.call == call }) {
			continue
		}
		c := shellparse.Resolve(call)
		switch c.Name {
		case "chown", "chmod", "chgrp", "find", "setfacl", "touch":
		default:
			continue
		}
		for i, w := range c.Args {
			v := c.Lits[i]
			if !c.Static[i] {
				v = sr.Prog.Text(w)
			}
			for c2 := range changes {
				if c2.dest != "" && (stages.Under(ccAbs(v, wd), c2.dest) || stages.Under(ccAbs(v, wd), c2.file)) {
					return decline(fmt.Sprintf("%s in the same RUN changes the files again", ccShort(sr.Prog.Text(call))))
				}
			}
		}
	}

	// Edits: the flags on the COPYs, then the RUN.
	var edits []analysis.Edit
	var flagTexts []string
	for _, c := range copies {
		ch := changes[c]
		if ch == nil {
			continue
		}
		var flags []string
		if ch.chown != "" && !(c.hasChown && c.chown == ch.chown) {
			if c.hasChown {
				return decline("the COPY has --chown=" + c.chown + " already")
			}
			flags = append(flags, "--chown="+ch.chown)
		}
		if ch.chmod != "" && !(c.hasChmod && c.chmod == ch.chmod) {
			if c.hasChmod {
				return decline("the COPY has --chmod=" + c.chmod + " already")
			}
			flags = append(flags, "--chmod="+ch.chmod)
		}
		if len(flags) == 0 {
			continue
		}
		for _, f := range flags {
			if !slices.Contains(flagTexts, f) {
				flagTexts = append(flagTexts, f)
			}
		}
		edits = append(edits, analysis.Insert(c.ins.SrcOffset(c.ins.ArgsOffset), strings.Join(flags, " ")+" "))
	}
	fix := "use " + ccKeyword(firstCopy) + " " + strings.Join(flagTexts, " ")
	if len(flagTexts) == 0 {
		fix = "rely on the " + ccKeyword(firstCopy) + "'s own flags"
	}

	removed := map[int]bool{}
	var kept []string
	var runEdits []analysis.Edit
	for _, p := range relevant {
		words := keep[p]
		if len(words) == 0 {
			removed[p.item] = true
			continue
		}
		parts := []string{sr.Prog.Text(p.call.Args[0]), sr.Prog.Text(p.specWord)}
		for _, w := range words {
			parts = append(parts, sr.Prog.Text(w))
		}
		text := strings.Join(parts, " ")
		kept = append(kept, text)
		s, e := shellparse.Span(p.call)
		runEdits = append(runEdits, analysis.Replace(sr.Src(s), sr.After(e), text))
	}
	if len(removed) == len(items) {
		runEdits = []analysis.Edit{analysis.Delete(run.Span.Start, run.Span.End)}
		fix += " and drop the RUN"
	} else {
		for i := 0; i < len(items); i++ {
			if !removed[i] {
				continue
			}
			j := i
			for j+1 < len(items) && removed[j+1] {
				j++
			}
			var from, to int
			if j+1 < len(items) {
				from, to = sr.Src(shellparse.Offset(items[i].Stmt.Pos())), sr.Src(shellparse.Offset(items[j+1].Stmt.Pos()))
			} else {
				from, to = sr.After(ccStmtEnd(items[i-1].Stmt)), sr.After(ccStmtEnd(items[j].Stmt))
			}
			runEdits = append(runEdits, analysis.Delete(from, to))
			i = j
		}
		if len(kept) > 0 {
			fix += ", keep " + strings.Join(kept, " && ") + " for a directory that may exist already"
		} else {
			fix += " and drop it from the RUN"
		}
	}
	finding.Fix = &analysis.Fix{Message: fix, Edits: append(edits, runEdits...)}
	return finding, true
}

// ccStmtEnd is the program offset just after an item's command (without a
// final ';').
func ccStmtEnd(s *syntax.Stmt) int {
	end := shellparse.Offset(s.End())
	if s.Semicolon.IsValid() && shellparse.Offset(s.Semicolon) < end {
		end = shellparse.Offset(s.Semicolon)
	}
	return end
}

// ccName is chown or chmod.
func ccName(p *ccPerm) string {
	if p.chown {
		return "chown"
	}
	return "chmod"
}

// ccSpecialMode reports whether a chmod mode may set set-user-ID or
// set-group-ID bits.
func ccSpecialMode(mode string) bool {
	if mode == "" {
		return false
	}
	if ccOctalRE.MatchString(mode) {
		v, _ := strconv.ParseUint(mode, 8, 32)
		return v&0o6000 != 0
	}
	return strings.Contains(mode, "s")
}

// ccKeyword is COPY or ADD.
func ccKeyword(c *ccCopy) string {
	if c.add {
		return "ADD"
	}
	return "COPY"
}

// ccShort is a command's text on one line, cut when long.
func ccShort(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\\\n", " ")), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// ccUnmatched says which path of p no COPY accounts for.
func ccUnmatched(p *ccPerm, ms []ccMatch) string {
	for _, w := range p.paths {
		found := false
		for _, m := range ms {
			if m.dir && m.c.dest == w || !m.dir && m.c.file == w {
				found = true
			}
		}
		switch {
		case w == "":
			return "a relative path and an unknown WORKDIR"
		case !found:
			return "it also changes " + w + ", which is not what the COPY copied"
		}
	}
	return "it changes more than what the COPY copied"
}

// ccHarmless reports whether an item that runs before a folded chown
// leaves the copied files alone.
func ccHarmless(it shellparse.Item, perms []*ccPerm, matches map[*ccPerm][]ccMatch) bool {
	call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
	if !ok || len(it.Stmt.Redirs) > 0 {
		return false
	}
	for _, p := range perms {
		if p.call != call {
			continue
		}
		if len(matches[p]) > 0 {
			return true // folded itself
		}
		if p.bad != "" {
			return false
		}
		for _, target := range p.paths {
			for _, ms := range matches {
				for _, m := range ms {
					d := m.c.file
					if m.dir {
						d = m.c.dest
					}
					if target == "" || stages.Under(target, d) || stages.Under(d, target) {
						return false
					}
				}
			}
		}
		return true
	}
	c := shellparse.Resolve(call)
	if len(c.Wrappers) > 0 || len(c.Assigns) > 0 || ccHasSubst(call) {
		return false
	}
	switch c.Name {
	case "set", "true", ":", "echo", "printf":
		return true
	}
	return false
}

// ccHasSubst reports whether n holds a command or process substitution.
func ccHasSubst(n syntax.Node) bool {
	found := false
	syntax.Walk(n, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			found = true
		}
		return !found
	})
	return found
}

// ccReadPerm reads a chown or chmod item of the chain; nil for other
// commands.
func ccReadPerm(it shellparse.Item, idx int, wd string, wdKnown bool) *ccPerm {
	call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil
	}
	c := shellparse.Resolve(call)
	if c.Name != "chown" && c.Name != "chmod" {
		return nil
	}
	p := &ccPerm{item: idx, call: call, chown: c.Name == "chown"}
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
			words[i] = ccUnread
			continue
		}
		words[i] = v[0]
	}
	var operands []int
	opts := true
	for i, w := range words {
		if !opts || !strings.HasPrefix(w, "-") || w == "-" || !p.chown && ccSymbolicOption(w) || w == ccUnread {
			operands = append(operands, i)
			continue
		}
		if w == "--" {
			opts = false
			continue
		}
		if reason := ccOption(c.Name, w, &p.recursive); reason != "" && p.bad == "" {
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
		case v == ccUnread:
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

// ccUnread stands for a word that is not a plain literal.
const ccUnread = "\x00"

// ccSymbolicOption reports whether a chmod word starting with '-' is a mode
// such as -x rather than an option.
func ccSymbolicOption(w string) bool {
	return len(w) > 1 && strings.Trim(w[1:], "rwxXst") == ""
}

// ccOption checks one option word of chown or chmod.
func ccOption(name, w string, recursive *bool) string {
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

// ccMatchPath finds the COPY whose destination (or copied file) is target.
func ccMatchPath(copies []*ccCopy, p *ccPerm, target string) (ccMatch, bool) {
	if target == "" {
		return ccMatch{}, false
	}
	for i := len(copies) - 1; i >= 0; i-- {
		c := copies[i]
		if c.dest == "" {
			continue
		}
		if c.kind == ccFile && c.file == target {
			return ccMatch{c: c, dir: false}, true
		}
		if c.dest != target || c.kind == ccFile && c.file == c.dest {
			continue
		}
		if p.recursive {
			return ccMatch{c: c, dir: true}, true
		}
		// A non-recursive chown of a directory changes the directory
		// only, which is what a COPY with the flag already leaves to
		// it; unless the source might be a single file.
		if c.kind == ccUnknown && !c.slash && !(p.chown && c.hasChown || !p.chown && c.hasChmod) {
			c2 := *c
			if c2.bad == "" {
				c2.bad = "cannot tell whether the COPY's source is a file or a directory"
				if len(c.sources) > 0 && !c.add && c.from == "" {
					c2.bad += " (no build context)"
				}
			}
			return ccMatch{c: &c2, dir: false}, true
		}
	}
	return ccMatch{}, false
}

var ccFlagRE = regexp.MustCompile(`^--([a-z-]+)(?:=(.*))?$`)

// ccReadCopy reads a COPY or ADD: its flags, sources and destination, and
// what it puts there.
func ccReadCopy(ctx *analysis.Context, ins *dockerfile.Instruction) *ccCopy {
	c := &ccCopy{ins: ins, add: ins.Cmd == "add"}
	kw := ccKeyword(c)
	setBad := func(s string) {
		if c.bad == "" {
			c.bad = s
		}
	}
	for _, f := range ins.Flags {
		m := ccFlagRE.FindStringSubmatch(f)
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
	if len(c.heredocs) != len(ins.Heredocs) {
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
		c.fromStage = ccStage(ctx.Doc, ins, c.from)
	}

	// What the COPY puts at the destination.
	n := len(c.sources) + len(c.heredocs)
	switch {
	case n > 1:
		c.kind = ccDir
	case len(c.heredocs) == 1:
		c.kind = ccFile
		c.mode, c.modeKnown = 0o644, true
		name := ins.Heredocs[0].Name
		c.file = c.dest
		if c.slash {
			c.file = path.Join(c.dest, name)
		}
	case c.add:
		src := c.sources[0]
		if !ccURL(src) {
			if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
				setBad("ADD of a git repository")
			} else {
				setBad("ADD of local files may unpack archives with their own owners")
			}
			return c
		}
		c.kind = ccFile
		c.file = c.dest
		if c.slash {
			setBad("the name ADD gives a downloaded file is not worked out here")
		}
	default:
		src := c.sources[0]
		switch {
		case strings.ContainsAny(src, "*?["):
			if c.slash {
				c.kind = ccDir
			}
		case src == "." || src == "./" || strings.HasSuffix(src, "/") || strings.HasSuffix(src, "/."):
			c.kind = ccDir
		case c.from == "" && ctx.BuildContext != nil && !strings.ContainsAny(src, "$\\"):
			name := strings.TrimPrefix(path.Clean("/"+src), "/")
			if name == "" {
				name = "."
			}
			if fi, err := fs.Stat(ctx.BuildContext, name); err == nil {
				switch {
				case fi.IsDir():
					c.kind = ccDir
				case fi.Mode().IsRegular():
					c.kind = ccFile
					c.mode, c.modeKnown = fi.Mode()&0o777, true
				}
			}
		}
		if c.kind == ccFile {
			c.file = c.dest
			if c.slash || ccBaseDirs["/"+strings.TrimPrefix(c.dest, "/")] {
				c.file = path.Join(c.dest, path.Base(path.Clean("/"+src)))
			}
		}
	}
	return c
}

// ccURL reports whether an ADD source is a plain download (not a git
// repository, which ADD checks out).
func ccURL(s string) bool {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && !strings.HasSuffix(u.Path, ".git")
}

// ccStage finds the stage a --from names, or nil for an image.
func ccStage(doc *dockerfile.Document, ins *dockerfile.Instruction, from string) *dockerfile.Stage {
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

var ccNumRE = regexp.MustCompile(`^[0-9]+$`)

// ccOwner turns a chown owner into the --chown value with the same effect
// on what the COPY copied.
func ccOwner(c *ccCopy, spec string) (string, string) {
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
			return "", "chown USER keeps the group of files from " + ccSourceName(c) + ", which is not known"
		}
		return user + ":0", ""
	}
	return spec, ""
}

// ccSourceName names where the files of an ADD or COPY --from come from.
func ccSourceName(c *ccCopy) string {
	if c.add {
		return "ADD"
	}
	return "--from=" + c.from
}

// ccNamesStable checks that user and group names mean at the COPY what
// they mean at the RUN: nothing copied in between replaces /etc/passwd or
// /etc/group.
func ccNamesStable(spec string, copies []*ccCopy) string {
	user, group, _ := strings.Cut(spec, ":")
	if (ccNumRE.MatchString(user) || user == "root") && (group == "" || ccNumRE.MatchString(group) || group == "root") {
		return ""
	}
	for _, c := range copies {
		for _, f := range []string{"/etc/passwd", "/etc/group"} {
			if c.dest == "" || stages.Under(f, c.dest) && c.kind != ccFile || c.file == f {
				return "the COPY may replace " + f + ", which --chown reads before the copy"
			}
		}
	}
	return ""
}

var ccOctalRE = regexp.MustCompile(`^[0-7]{1,5}$`)

// ccMode turns a chmod mode into the --chmod value with the same effect.
func ccMode(c *ccCopy, mode string, dir bool) (string, string) {
	if c.add {
		return "", "chmod of files from ADD"
	}
	if c.from != "" && dir {
		return "", "chmod -R of files from another stage, whose directories may be set-group-ID (" + ccSetidNote(false) + ")"
	}
	if ccOctalRE.MatchString(mode) {
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
	m, ok := ccApplySymbolic(c.mode, mode, 0o022)
	if !ok {
		return "", "chmod mode " + mode
	}
	return fmt.Sprintf("%03o", m), ""
}

// ccApplySymbolic applies a symbolic chmod mode (r, w and x permissions
// only) to a regular file's permission bits as GNU chmod does with the
// given umask: without u, g, o or a, the umask limits what is set, and "="
// clears every bit first.
func ccApplySymbolic(mode fs.FileMode, spec string, umask fs.FileMode) (fs.FileMode, bool) {
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

// ccBaseDirs are directories every Linux base image with a shell has.
var ccBaseDirs = map[string]bool{
	"/": true, "/bin": true, "/etc": true, "/home": true, "/lib": true, "/root": true,
	"/sbin": true, "/tmp": true, "/usr": true, "/usr/bin": true, "/usr/lib": true,
	"/usr/local": true, "/usr/local/bin": true, "/usr/sbin": true, "/usr/share": true,
	"/var": true, "/var/lib": true, "/opt": true, "/srv": true,
}

// ccSystemDir reports whether base images may keep files at or below dir.
func ccSystemDir(dir string) bool {
	parts := strings.Split(strings.TrimPrefix(dir, "/"), "/")
	switch parts[0] {
	case "", "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "media", "mnt",
		"proc", "root", "run", "sbin", "sys", "tmp", "var":
		return true
	case "usr":
		return !(len(parts) >= 3 && parts[1] == "src")
	case "home":
		return len(parts) < 3
	case "opt", "srv", "go":
		return len(parts) < 2
	}
	return false
}

// ccPlace checks that the files the chown/chmod touches are the COPY's
// alone and that the COPY creates no parent directory.
func ccPlace(ctx *analysis.Context, c *ccCopy, dir bool, copies []*ccCopy) string {
	target := c.file
	if dir {
		target = c.dest
	}
	if dir && ccSystemDir(target) {
		return fmt.Sprintf("the base image may have files in %s, which chown -R changes too", target)
	}
	before := stages.Before(c.ins)
	known := ccKnownDirs(ctx, before, c.ins.Stage)
	if parent := path.Dir(target); !known[parent] {
		return fmt.Sprintf("%s may not exist before the %s, which would create it with the new owner or mode", parent, ccKeyword(c))
	}
	if !dir {
		if known[target] {
			return fmt.Sprintf("%s is a directory, which the file would go into", target)
		}
		return ""
	}
	// Everything else that the window copies.
	for _, other := range copies {
		if other != c && other.ins.Index > c.ins.Index {
			before = append(before, other.ins)
		}
	}
	return ccEarlierWrites(ctx, before, target)
}

// ccSetidNote says why set-user-ID and set-group-ID bits matter to a
// chown (or chmod).
func ccSetidNote(chown bool) string {
	if chown {
		return "chown clears set-user-ID bits, --chown keeps them"
	}
	return "chmod -R keeps set-group-ID bits of directories, --chmod clears them"
}

// ccSourcesClean checks that what the COPY copies has no set-user-ID or
// set-group-ID bits, on which the RUN and the flags disagree. It returns
// why not, or "".
func ccSourcesClean(ctx *analysis.Context, c *ccCopy, chown bool) string {
	note := ccSetidNote(chown)
	switch {
	case c.from != "" && c.fromStage == nil:
		return "the " + ccKeyword(c) + " is from image " + c.from + ", which may hold set-user-ID files (" + note + ")"
	case c.fromStage != nil:
		return ccSetuidStage(ctx, c, note)
	case c.add:
		return "" // downloads: mode 0600
	}
	return ccContextClean(ctx, c.sources, note)
}

// ccContextClean looks for set-user-ID and set-group-ID files among the
// given sources in the build context.
func ccContextClean(ctx *analysis.Context, sources []string, note string) string {
	if len(sources) == 0 {
		return ""
	}
	if ctx.BuildContext == nil {
		return "no build context to check the sources for set-user-ID files (" + note + ")"
	}
	for _, src := range sources {
		name := strings.TrimPrefix(path.Clean("/"+src), "/")
		if strings.ContainsAny(src, "*?[$\\") || name == "" {
			name = "."
		}
		found := ctx.Memo("copy-chown.setid:"+name, func() any { return ccFindSetid(ctx.BuildContext, name) }).(string)
		if found != "" {
			return found + " (" + note + ")"
		}
	}
	return ""
}

// ccFindSetid walks name in fsys and describes the first set-user-ID or
// set-group-ID file found, or why it cannot tell; "" when there is none.
func ccFindSetid(fsys fs.FS, name string) string {
	found := ""
	err := fs.WalkDir(fsys, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if p == name && fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = fs.Stat(fsys, p); err != nil {
				return err
			}
		}
		if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			found = p + " in the build context has a set-user-ID or set-group-ID bit"
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "cannot read " + name + " in the build context"
	}
	return found
}

// ccSetuidStage checks the stage a COPY --from takes files from.
func ccSetuidStage(ctx *analysis.Context, c *ccCopy, note string) string {
	for _, src := range c.sources {
		if !strings.HasPrefix(src, "/") || ccSystemDir(path.Clean(src)) && !strings.HasPrefix(path.Clean(src), "/tmp/") {
			return "the COPY takes " + src + " from stage " + c.from + ", which may hold set-user-ID files (" + note + ")"
		}
	}
	for st := c.fromStage; st != nil; st = st.Parent {
		for _, ins := range st.Instructions {
			switch ins.Cmd {
			case "copy", "add":
				if ins.Cmd == "copy" && !slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from=") }) {
					other := ccReadCopy(ctx, ins)
					if reason := ccContextClean(ctx, other.sources, note); reason != "" {
						return fmt.Sprintf("stage %s copies files: %s", c.from, reason)
					}
					continue
				}
				return fmt.Sprintf("stage %s takes files from another stage, an image or an archive, maybe set-user-ID ones (%s)", c.from, note)
			case "run":
				text := ins.Text
				for _, h := range ins.Heredocs {
					text += "\n" + h.Content
				}
				if ccSetuidRE.MatchString(text) {
					return fmt.Sprintf("stage %s sets set-user-ID or set-group-ID bits (%s)", c.from, note)
				}
			}
		}
	}
	return ""
}

var ccSetuidRE = regexp.MustCompile(`(?:chmod|install)\b[^;&|\n]*(?:[ugoa]*[+=][rwxXt]*s|\s0?[2-7][0-7]{3}\b|-m\s*0?[2-7][0-7]{3}\b)`)

// ccKnownDirs lists the directories known to exist after the instructions
// before.
func ccKnownDirs(ctx *analysis.Context, before []*dockerfile.Instruction, st *dockerfile.Stage) map[string]bool {
	known := map[string]bool{}
	add := func(p string, self bool) {
		if !self {
			p = path.Dir(p)
		}
		for ; ; p = path.Dir(p) {
			known[p] = true
			if p == "/" || p == "." {
				return
			}
		}
	}
	known["/"] = true
	if base := strings.ToLower(stages.RootImage(st)); base != "scratch" {
		for d := range ccBaseDirs {
			if strings.Contains(base, "busybox") && (d == "/opt" || d == "/srv" || strings.HasPrefix(d, "/usr/local")) {
				continue
			}
			known[d] = true
		}
	}
	for _, ins := range before {
		switch ins.Cmd {
		case "workdir":
			if wd, ok := stages.KnownWorkdir(ccNext(ins)); ok {
				add(wd, true)
			}
		case "volume":
			for _, v := range ins.Args {
				if strings.HasPrefix(v, "/") && !strings.ContainsAny(v, "$[]\"") {
					add(path.Clean(v), true)
				}
			}
		case "copy", "add":
			c := ccReadCopy(ctx, ins)
			switch {
			case c.dest == "":
			case c.kind == ccDir:
				add(c.dest, true)
			case c.kind == ccFile:
				add(c.file, false)
			default:
				add(c.dest, false)
			}
		case "run":
			if p := runs.Read(ctx.Doc, ins); p != nil {
				for _, c := range shellparse.Commands(p.Prog) {
					if c.Name != "mkdir" || c.Conditional {
						continue
					}
					for i, v := range c.Lits {
						if c.Static[i] && strings.HasPrefix(v, "/") {
							add(path.Clean(v), true)
						}
					}
				}
			}
		}
	}
	return known
}

// ccNext is a stand-in instruction right after ins, to ask what holds
// after it.
func ccNext(ins *dockerfile.Instruction) *dockerfile.Instruction {
	return &dockerfile.Instruction{Index: ins.Index + 1, Stage: ins.Stage}
}

// ccAbs makes a path word absolute, or returns "" for other words.
func ccAbs(v, wd string) string {
	if strings.HasPrefix(v, "/") {
		return path.Clean(v)
	}
	if wd != "" && v != "" && !strings.HasPrefix(v, "-") {
		return path.Clean(path.Join(wd, v))
	}
	return ""
}

var ccPathRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9._\-/$~])(/[^\s"'` + "`" + `;&|()<>$]*)`)

// ccEarlierWrites looks for instructions that may have put files at or
// below dir before the COPY.
func ccEarlierWrites(ctx *analysis.Context, before []*dockerfile.Instruction, dir string) string {
	var envMentions bool
	for _, ins := range before {
		if ins.Cmd == "env" || ins.Cmd == "arg" {
			for _, a := range ins.Args {
				if ccMentions(a, dir) {
					envMentions = true
				}
			}
		}
	}
	for _, ins := range before {
		switch ins.Cmd {
		case "copy", "add":
			c := ccReadCopy(ctx, ins)
			kw := ccKeyword(c)
			switch {
			case c.dest == "":
				return fmt.Sprintf("an earlier %s copies to a path that cannot be worked out", kw)
			case c.kind == ccFile && stages.Under(c.file, dir):
				return fmt.Sprintf("an earlier %s puts %s there", kw, c.file)
			case c.kind != ccFile && (stages.Under(c.dest, dir) || stages.Under(dir, c.dest)):
				return fmt.Sprintf("an earlier %s copies to %s", kw, c.dest)
			}
		case "workdir":
			wd, ok := stages.KnownWorkdir(ccNext(ins))
			if ok && wd != dir && stages.Under(wd, dir) {
				return fmt.Sprintf("an earlier WORKDIR creates %s, which --chown would not change", wd)
			}
		case "volume":
			for _, v := range ins.Args {
				v = path.Clean(v)
				if stages.Under(v, dir) || stages.Under(dir, v) {
					return fmt.Sprintf("a VOLUME at %s", v)
				}
			}
		case "run":
			if reason := ccRunWrites(ctx.Doc, ins, dir, envMentions); reason != "" {
				return reason
			}
		}
	}
	return ""
}

// ccMentions reports whether text names dir or a path below it.
func ccMentions(text, dir string) bool {
	for _, m := range ccPathRE.FindAllStringSubmatch(text, -1) {
		if stages.Under(path.Clean(m[1]), dir) {
			return true
		}
	}
	return false
}

// ccRunWrites reports why an earlier RUN may have written at or below dir.
func ccRunWrites(doc *dockerfile.Document, ins *dockerfile.Instruction, dir string, envMentions bool) string {
	wd, _ := stages.KnownWorkdir(ins)
	if wd == "" {
		wd = "/"
	}
	p := runs.Read(doc, ins)
	if stages.Under(wd, dir) || wd != "/" && stages.Under(dir, wd) && !ccStaysOut(p, wd, dir) {
		return fmt.Sprintf("an earlier RUN runs in %s and may write to %s", wd, dir)
	}
	text := ins.Text
	for _, h := range ins.Heredocs {
		text += "\n" + h.Content
	}
	if envMentions && strings.Contains(text, "$") {
		return fmt.Sprintf("an earlier RUN uses variables that may name %s", dir)
	}
	if p == nil {
		if ccMentions(text, dir) || ccMentionsParent(text, dir) {
			return fmt.Sprintf("an earlier RUN may write to %s", dir)
		}
		return ""
	}
	for _, c := range shellparse.Commands(p.Prog) {
		for i, w := range c.Args {
			raw := p.Prog.Text(w)
			at, parent := ccMentions(raw, dir), ccMentionsParent(raw, dir)
			if !at && !parent {
				continue
			}
			v := path.Clean(c.Lits[i])
			switch {
			case c.Name == "mkdir" && c.Static[i] && (v == dir || stages.Under(dir, v)):
				continue
			case (c.Name == "useradd" || c.Name == "adduser") && c.Static[i] && v == dir && ccNoHome(c):
				continue
			}
			return fmt.Sprintf("an earlier RUN may write to %s (%s)", dir, ccShort(p.Prog.Text(c.Call)))
		}
	}
	// Redirections and other words outside simple commands.
	for _, m := range ccPathRE.FindAllStringSubmatchIndex(p.Prog.Src, -1) {
		v := path.Clean(p.Prog.Src[m[2]:m[3]])
		if (stages.Under(v, dir) || v != "/" && stages.Under(dir, v)) && !ccInCommandArgs(p.Prog, m[2]) {
			return fmt.Sprintf("an earlier RUN may write to %s", dir)
		}
	}
	return ""
}

// ccCwdSafe are commands that write nothing relative to their working
// directory unless a path argument says so.
var ccCwdSafe = map[string]bool{
	"apt-get": true, "apt": true, "apk": true, "dnf": true, "yum": true, "microdnf": true,
	"chown": true, "chmod": true, "chgrp": true, "echo": true, "printf": true, "ls": true,
	"cat": true, "true": true, "false": true, "set": true, "test": true, "[": true,
	"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "usermod": true,
	"ln": true, "mkdir": true, "rm": true, "cp": true, "mv": true, "touch": true, "sed": true,
}

// ccStaysOut reports whether a RUN whose working directory wd is a parent
// of dir certainly writes nothing below dir: it runs only commands of
// ccCwdSafe, and no relative path in it leads into dir.
func ccStaysOut(p *runs.Program, wd, dir string) bool {
	if p == nil {
		return false
	}
	for _, c := range shellparse.Commands(p.Prog) {
		if !ccCwdSafe[c.Name] || len(c.Wrappers) > 0 {
			return false
		}
	}
	ok := true
	syntax.Walk(p.Prog.File, func(n syntax.Node) bool {
		w, isWord := n.(*syntax.Word)
		if !isWord || !ok {
			return ok
		}
		v, static := shellparse.Lit(w)
		switch {
		case !static:
			ok = false
		case v != "" && !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "-"):
			if stages.Under(path.Join(wd, v), dir) {
				ok = false
			}
		}
		return false
	})
	return ok
}

// ccMentionsParent reports whether text names exactly a parent of dir
// (other than /), as in "cd /srv && git clone ... app".
func ccMentionsParent(text, dir string) bool {
	for _, m := range ccPathRE.FindAllStringSubmatch(text, -1) {
		v := path.Clean(m[1])
		if v != "/" && v != dir && stages.Under(dir, v) {
			return true
		}
	}
	return false
}

// ccInCommandArgs reports whether offset off of the program is inside an
// argument word of a simple command.
func ccInCommandArgs(prog *shellparse.Program, off int) bool {
	for _, c := range shellparse.Commands(prog) {
		for _, w := range c.Args {
			s, e := shellparse.Span(w)
			if s <= off && off < e {
				return true
			}
		}
	}
	return false
}

// ccNoHome reports whether a useradd/adduser command is told not to create
// the home directory.
func ccNoHome(c *shellparse.Command) bool {
	for i, v := range c.Lits {
		if !c.Static[i] {
			continue
		}
		if v == "--no-create-home" || c.Name == "useradd" && strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "M") {
			return true
		}
	}
	return false
}
