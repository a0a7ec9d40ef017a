package multistage

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"github.com/dfopt/dfopt/toolchains"
	"mvdan.cc/sh/v3/syntax"
)

// An ecosystem plans the split of a stage built on one of its images.
type ecosystem struct {
	// what names the toolchain in messages ("the Go toolchain").
	what string
	// matches reports whether a root image (short name, tag) is one of
	// the ecosystem's build images.
	matches func(name, tag string) bool
	// builds reports a command of a RUN that builds with the toolchain:
	// a stage that runs none is not a build stage (it may be the final
	// stage of a multi-stage build already), and is left alone silently.
	builds func(c *shellparse.Command) bool
	// plan plans the split, or says why not (neither when the split
	// would gain nothing, and nothing is said).
	plan func(s *split) (*plan, string)
}

var ecosystems = []*ecosystem{goEcosystem, javaEcosystem, nodeEcosystem, pythonEcosystem}

// plan is what an ecosystem adds to the split.
type plan struct {
	// runtime is the final stage's base image.
	runtime string
	// afterFrom are lines inserted in the build stage after its FROM,
	// beforeFinal lines appended to it (after its last RUN, COPY or ADD).
	afterFrom, beforeFinal []string
	// setup are lines of the final stage before its WORKDIR (COPY of
	// certificates, installs).
	setup []string
	// copies are the files copied from the build stage, as absolute
	// paths (source, destination).
	copies [][2]string
	// dropEnv reports an ENV variable of the build stage that the final
	// stage does not need (the toolchain's own); an ENV instruction all of
	// whose variables it drops is not copied.
	dropEnv func(key, value string) bool
	// keepVars are variables the runtime image sets as the build image
	// does, which copied instructions may use (PATH).
	keepVars []string
	// execForm writes the shell-form CMD of literal words in exec form in
	// the final stage (which has no shell).
	execForm bool
	// changes are declared besides "base" and the dropped variables.
	changes []string
	// fix is the fix message.
	fix string
}

// split is what every ecosystem needs to know about the stage to split.
type split struct {
	ctx   *analysis.Context
	doc   *dockerfile.Document
	st    *dockerfile.Stage
	image string // the root image's short name
	tag   string
	// last is the stage's last RUN, COPY or ADD: the final stage starts
	// after it. tail are the instructions after it; pre the instructions
	// before it that configure the image (ENV, LABEL, EXPOSE, ...).
	last      *dockerfile.Instruction
	tail, pre []*dockerfile.Instruction
	// wd is the working directory after last; wdEnd the image's.
	wd, wdEnd string
	// argv is the image's command (ENTRYPOINT then CMD) when its words
	// are literal; shellForm tells that one of them is in shell form.
	argv      []string
	shellForm bool
	cmdIns    *dockerfile.Instruction
	// creates are the paths mkdir and touch make in the build stage.
	creates []created
}

// created is a path a command of the build stage makes.
type created struct {
	path string // absolute
	line int
	// wrote tells a file written by a redirection (> FILE) from a path
	// made by mkdir or touch.
	wrote bool
}

// toolConfigFiles are the files of build tools' configuration and
// credentials (git, npm, Yarn, pip, ssh), which a build writes for its
// tools and the program does not read.
var toolConfigFiles = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		".netrc": true, ".npmrc": true, ".yarnrc": true, ".gitconfig": true, ".git-credentials": true,
		"pip.conf": true, ".pypirc": true, "known_hosts": true,
	}
}}

// toolConfigName returns the base name a redirection's target ends with,
// when its last part is literal (~/.netrc, $HOME/.npmrc), or "".
func toolConfigName(w *syntax.Word) string {
	if len(w.Parts) == 0 {
		return ""
	}
	lit, ok := w.Parts[len(w.Parts)-1].(*syntax.Lit)
	if !ok || !strings.Contains(lit.Value, "/") && len(w.Parts) > 1 {
		return ""
	}
	return path.Base(lit.Value)
}

// gitCloneValued are the options of git clone that take the next word.
var gitCloneValued = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"-b": true, "--branch": true, "--depth": true, "-o": true, "--origin": true, "-c": true, "--config": true,
		"--reference": true, "--reference-if-able": true, "--separate-git-dir": true, "-j": true, "--jobs": true,
		"--filter": true, "--shallow-since": true, "--shallow-exclude": true, "-u": true, "--upload-pack": true,
		"--template": true, "--server-option": true, "--bundle-uri": true,
	}
}}

// noteClone records the directory a git clone makes, which the final
// stage must have as a copied directory does; other git commands write
// inside a repository or git's own configuration.
func (s *split) noteClone(step toolchains.Step, line int) string {
	c := step.Cmd
	var ops []string
	sub := ""
	for i := 0; i < len(c.Lits); i++ {
		a := c.Lits[i]
		switch {
		case !c.Static[i]:
			if sub == "clone" {
				return fmt.Sprintf("the git clone on line %d clones into a directory given by a variable", line)
			}
			return ""
		case sub == "" && (a == "-C" || a == "-c" || a == "--git-dir" || a == "--work-tree"):
			i++
		case sub == "" && strings.HasPrefix(a, "-"):
		case sub == "":
			if sub = a; sub != "clone" {
				return ""
			}
		case gitCloneValued.Get()[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			ops = append(ops, a)
		}
	}
	if sub != "clone" || len(ops) == 0 {
		return ""
	}
	dest := ops[len(ops)-1]
	if len(ops) == 1 {
		dest = strings.TrimSuffix(path.Base(strings.TrimRight(dest, "/")), ".git")
	}
	p := toolchains.Resolve(step.Dir, dest)
	if p == "" {
		return fmt.Sprintf("the git clone on line %d clones into %s in a directory that is not known", line, dest)
	}
	s.creates = append(s.creates, created{path: p, line: line, wrote: true})
	return ""
}

// noteWrites records the files the redirections of a RUN write (echo x >
// /etc/app.conf, cat > f <<EOF): the final stage must have them too, as
// the paths mkdir and touch make. It says why when they cannot be told.
func (s *split) noteWrites(ins *dockerfile.Instruction) string {
	r, _ := runs.Parse(ins)
	if r == nil {
		return ""
	}
	line := s.ctx.Line(ins.Span.Start)
	dirs := map[*syntax.CallExpr]string{}
	for _, st := range toolchains.Steps(r.Prog, toolchains.Workdir(ins)) {
		dirs[st.Cmd.Call] = st.Dir
		switch st.Cmd.Name {
		case "update-ca-certificates":
			// It writes the CA bundle, with the certificates the build
			// added: the final stage must copy it.
			s.creates = append(s.creates, created{path: "/etc/ssl/certs/ca-certificates.crt", line: line, wrote: true})
		case "git":
			if why := s.noteClone(st, line); why != "" {
				return why
			}
		}
	}
	why := ""
	shellparse.Walk(r.Prog.File, func(n syntax.Node) bool {
		st, ok := n.(*syntax.Stmt)
		if !ok || why != "" {
			return why == ""
		}
		for _, rd := range st.Redirs {
			switch rd.Op {
			case syntax.RdrOut, syntax.AppOut, syntax.RdrInOut, syntax.DplOut, syntax.RdrClob,
				syntax.AppClob, syntax.RdrAll, syntax.RdrAllClob, syntax.AppAll, syntax.AppAllClob:
			default:
				continue
			}
			if rd.Word == nil {
				continue
			}
			target, ok := shellparse.Lit(rd.Word)
			switch {
			case toolConfigFiles.Get()[toolConfigName(rd.Word)]:
				continue // ~/.netrc, .npmrc: read by the build's tools
			case !ok:
				why = fmt.Sprintf("the RUN on line %d writes to a file given by a variable", line)
				return false
			case rd.Op == syntax.DplOut && (target == "-" || strings.Trim(target, "0123456789") == ""):
				continue // >&2, >&-
			case target == "/dev" || strings.HasPrefix(target, "/dev/"):
				continue
			}
			dir := ""
			if call, ok := st.Cmd.(*syntax.CallExpr); ok {
				dir = dirs[call]
			}
			p := toolchains.Resolve(dir, target)
			if p == "" {
				why = fmt.Sprintf("the RUN on line %d writes %s in a directory that is not known", line, target)
				return false
			}
			s.creates = append(s.creates, created{path: p, line: line, wrote: true})
		}
		return true
	})
	return why
}

// noteCreates records the paths a mkdir or touch makes; the final stage
// must have them too. It says why when they cannot be told.
func (s *split) noteCreates(step toolchains.Step, line int) string {
	c := step.Cmd
	skip := false // the option before takes this word
	for i, a := range c.Lits {
		if !c.Static[i] {
			return fmt.Sprintf("the %s on line %d makes a path given by a variable", c.Name, line)
		}
		if skip {
			skip = false
			continue
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			if c.Name == "mkdir" && (strings.HasPrefix(a, "-m") || strings.HasPrefix(a, "--mode") ||
				!strings.HasPrefix(a, "--") && strings.Contains(a, "m")) {
				return fmt.Sprintf("the %s on line %d gives a mode", c.Name, line)
			}
			if c.Name == "touch" && (a == "-d" || a == "-t" || a == "-r" || a == "--date" || a == "--reference") {
				skip = true
			}
			continue
		}
		p := toolchains.Resolve(step.Dir, a)
		if p == "" {
			return fmt.Sprintf("the %s on line %d makes %s in a directory that is not known", c.Name, line, a)
		}
		s.creates = append(s.creates, created{path: p, line: line})
	}
	return ""
}

func run(ctx *analysis.Context) []analysis.Finding {
	st := ctx.TargetStage()
	if st == nil {
		return nil
	}
	return append(archiveFindings(ctx, st), splitFindings(ctx, st)...)
}

// splitFindings reports (and fixes) a stage built on a toolchain's image.
func splitFindings(ctx *analysis.Context, st *dockerfile.Stage) []analysis.Finding {
	root := stages.RootImage(st)
	name, tag, ok := stages.ImageTag(root)
	if !ok {
		// A tag from a build argument: the image is still known by name.
		repo, _, _ := baseimage.SplitRef(strings.ToLower(root))
		if strings.Contains(repo, "$") {
			return nil
		}
		name, tag = path.Base(repo), ""
	}
	var eco *ecosystem
	for _, e := range ecosystems {
		if e.matches(name, tag) {
			eco = e
		}
	}
	if eco == nil || !runsAny(st, eco.builds) {
		return nil
	}
	msg := fmt.Sprintf("the final image is built on %s and carries %s, which the program does not need to run", root, eco.what)
	decline := func(why string) []analysis.Finding {
		return []analysis.Finding{analysis.InstructionFinding(st.From, msg+"; not splitting the build into a stage of its own: "+why)}
	}
	s, why := newSplit(ctx, st)
	if s == nil {
		if why == "" {
			return nil
		}
		return decline(why)
	}
	s.image, s.tag = name, tag
	p, why := eco.plan(s)
	switch {
	case why != "":
		return decline(why)
	case p == nil:
		return nil // nothing to gain
	}
	fix, why := s.fix(p)
	if why != "" {
		return decline(why)
	}
	f := analysis.InstructionFinding(st.From, msg)
	f.Fix = fix
	return []analysis.Finding{f}
}

// runsAny reports whether a RUN of the stage runs a command for which f
// holds.
func runsAny(st *dockerfile.Stage, f func(c *shellparse.Command) bool) bool {
	for _, ins := range st.Instructions {
		if ins.Cmd != "run" {
			continue
		}
		r, _ := runs.Parse(ins)
		if r == nil {
			continue
		}
		for _, c := range r.Commands() {
			if f(c) {
				return true
			}
		}
	}
	return false
}

// tailKinds are the instructions that may follow the build in the final
// stage: they configure the image and build nothing.
var tailKinds = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cmd": true, "entrypoint": true, "expose": true, "label": true, "env": true, "user": true,
		"workdir": true, "stopsignal": true, "volume": true, "maintainer": true, "arg": true, "healthcheck": true,
	}
}}

// configKinds are the instructions before the build's end whose effect on
// the image the final stage must repeat.
var configKinds = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cmd": true, "entrypoint": true, "expose": true, "label": true, "env": true, "user": true,
		"stopsignal": true, "volume": true, "maintainer": true, "healthcheck": true,
	}
}}

// newSplit reads the stage, or says why it cannot be split.
func newSplit(ctx *analysis.Context, st *dockerfile.Stage) (*split, string) {
	doc := ctx.Doc
	s := &split{ctx: ctx, doc: doc, st: st}
	switch {
	case st != doc.Stages[len(doc.Stages)-1]:
		return nil, "the stage built is not the file's last stage"
	case st.Parent != nil:
		return nil, "the stage is built FROM another stage"
	case st.Platform != "":
		return nil, "its FROM has --platform (a cross-build needs the final stage's platform chosen by hand)"
	case strings.Contains(st.Base, "$"):
		return nil, "the base image is given by a build argument"
	}
	for _, ins := range st.Instructions[1:] {
		switch ins.Cmd {
		case "run", "copy", "add":
			s.last = ins
		case "onbuild":
			return nil, fmt.Sprintf("ONBUILD on line %d runs in the builds of other images, which would build FROM the new final stage", ctx.Line(ins.Span.Start))
		case "shell":
			return nil, fmt.Sprintf("SHELL on line %d: the runtime image may not have that shell", ctx.Line(ins.Span.Start))
		}
	}
	if s.last == nil {
		return nil, "the stage builds nothing (no RUN, COPY or ADD)"
	}
	for _, ins := range st.Instructions[1:] {
		switch {
		case ins.Index > s.last.Index:
			if !tailKinds.Get()[ins.Cmd] {
				return nil, fmt.Sprintf("%s on line %d cannot be part of the final stage", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start))
			}
			s.tail = append(s.tail, ins)
		case configKinds.Get()[ins.Cmd]:
			s.pre = append(s.pre, ins)
		}
		switch ins.Cmd {
		case "healthcheck":
			if len(ins.Args) > 0 && !strings.EqualFold(ins.Args[0], "none") {
				return nil, fmt.Sprintf("HEALTHCHECK on line %d runs a command that the runtime image may not have", ctx.Line(ins.Span.Start))
			}
		case "user":
			if len(ins.Args) > 0 && !stages.IsRoot(ins.Args[0]) {
				return nil, fmt.Sprintf("the program runs as USER %s (line %d), whom the runtime image does not have and who may need to write files the build stage gave them; add the user to the final stage by hand", ins.Args[0], ctx.Line(ins.Span.Start))
			}
		}
	}
	s.wd = toolchains.Workdir(s.last)
	if s.wd == "" {
		return nil, "the working directory is not known"
	}
	s.wdEnd = s.wd
	for _, ins := range s.tail {
		if ins.Cmd == "workdir" && len(ins.Args) == 1 {
			s.wdEnd = stages.JoinDir(s.wdEnd, ins.Args[0])
		}
	}
	if s.wdEnd == "" || strings.Contains(s.wdEnd, "$") {
		return nil, "the working directory is not known"
	}
	// The command.
	ep := stages.Last(st, "entrypoint")
	cmd := stages.Last(st, "cmd")
	if ep == nil && cmd == nil {
		// No program of its own: a tool or CI image, whose toolchain may
		// be what it is for.
		return nil, ""
	}
	for _, ins := range []*dockerfile.Instruction{ep, cmd} {
		if ins == nil {
			continue
		}
		if ins == cmd && ep != nil && !ep.JSON {
			break // a shell-form ENTRYPOINT ignores CMD
		}
		s.cmdIns = ins
		if ins.JSON {
			s.argv = append(s.argv, ins.Args...)
			continue
		}
		s.shellForm = true
		words, ok := literalCommand(ins)
		if !ok {
			return nil, fmt.Sprintf("%s on line %d is a shell script, not one command of literal words", strings.ToUpper(ins.Cmd), ctx.Line(ins.Span.Start))
		}
		s.argv = append(s.argv, words...)
	}
	if len(s.argv) == 0 {
		return nil, "the image's command is empty"
	}
	for _, ins := range st.Instructions[1:] {
		if ins.Cmd == "run" {
			if why := s.noteWrites(ins); why != "" {
				return nil, why
			}
		}
	}
	return s, ""
}

// literalCommand reads a shell-form CMD or ENTRYPOINT that is one simple
// command of literal words.
func literalCommand(ins *dockerfile.Instruction) ([]string, bool) {
	if !ins.POSIXShell() {
		return nil, false
	}
	text, _ := ins.ShellArgs()
	prog, err := shellparse.Parse(strings.TrimSpace(text))
	if err != nil || len(prog.File.Stmts) != 1 {
		return nil, false
	}
	st := prog.File.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return nil, false
	}
	words, ok := shellparse.LiteralWords(call.Args)
	if !ok {
		return nil, false
	}
	if words[0] == "exec" {
		words = words[1:]
	}
	return words, len(words) > 0
}

// builderName is the name of the build stage: its own, or "build" (or
// "build-2", ...) when it has none or its name goes to the final stage.
func (s *split) builderName() string {
	taken := map[string]bool{}
	for _, st := range s.doc.Stages {
		taken[st.Name] = true
	}
	base := "build"
	if s.st.Name != "" {
		base = s.st.Name + "-build"
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

var varRef = lazyre.New(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// variables returns the variables an instruction's arguments refer to
// (none for exec-form CMD and ENTRYPOINT, which are not expanded).
func variables(doc *dockerfile.Document, ins *dockerfile.Instruction) []string {
	if ins.JSON && (ins.Cmd == "cmd" || ins.Cmd == "entrypoint") {
		return nil
	}
	text := ins.Text[min(len(ins.Keyword()), len(ins.Text)):]
	var out []string
	for _, m := range varRef.FindAllStringSubmatchIndex(text, -1) {
		if m[0] > 0 && text[m[0]-1] == doc.Escape {
			continue
		}
		out = append(out, text[m[2]:m[3]])
	}
	return out
}

// copyArgs writes a COPY's source and destination, which BuildKit
// reads as words of a shell: it expands $VAR, removes quotes and the
// escape character in both the plain and the JSON form, and takes *, ?
// and [ in a source for a pattern. Names with none of those, nor
// whitespace, are written as they are; names with whitespace, $ or quotes
// in the JSON form with those characters escaped; names with a pattern
// character, a backslash or a control character not at all.
func copyArgs(src, dest string, escape byte) (string, bool) {
	plain := true
	for _, n := range []string{src, dest} {
		if !utf8.ValidString(n) || strings.ContainsAny(n, "*?[\\") || strings.ContainsFunc(n, unicode.IsControl) {
			return "", false
		}
		if strings.ContainsFunc(n, unicode.IsSpace) || strings.ContainsAny(n, "$'\""+string(rune(escape))) {
			plain = false
		}
	}
	if plain {
		return src + " " + dest, true
	}
	word := func(n string) string {
		var b strings.Builder
		for _, r := range n {
			if r == '$' || r == '\'' || r == '"' || r == rune(escape) {
				b.WriteByte(escape)
			}
			b.WriteRune(r)
		}
		var q strings.Builder
		e := json.NewEncoder(&q)
		e.SetEscapeHTML(false)
		_ = e.Encode(b.String()) // a string always encodes
		return strings.TrimSuffix(q.String(), "\n")
	}
	return "[" + word(src) + ", " + word(dest) + "]", true
}

// fix writes the edits: the build stage named (and what the ecosystem
// adds to it), and the final stage after the build's last instruction,
// with the configuration instructions from before it copied.
func (s *split) fix(p *plan) (*analysis.Fix, string) {
	doc := s.doc
	nl := doc.Newline()
	kw := doc.KeywordCase
	builder := s.builderName()
	var edits []analysis.Edit
	changes := []string{analysis.ChangeBase}

	// Name the build stage (and give its name to the final stage).
	from := s.st.From
	text := strings.TrimRight(from.Text, " \t\r\n")
	finalName := ""
	if s.st.Name == "" {
		end := from.SrcOffset(len(text)-1) + 1
		edits = append(edits, analysis.Insert(end, " "+kw("AS")+" "+builder))
	} else {
		i := strings.LastIndexFunc(text, func(r rune) bool { return r == ' ' || r == '\t' }) + 1
		if !strings.EqualFold(text[i:], s.st.Name) {
			return nil, "its FROM line cannot be read"
		}
		finalName = text[i:]
		edits = append(edits, analysis.Replace(from.SrcOffset(i), from.SrcOffset(len(text)-1)+1, builder))
	}
	if len(p.afterFrom) > 0 {
		at := from.Span.End
		lead := ""
		if at == len(doc.Src) && !strings.HasSuffix(string(doc.Src), "\n") {
			lead = nl
		}
		edits = append(edits, analysis.Insert(at, lead+strings.Join(p.afterFrom, nl)+nl))
	}

	// What mkdir and touch made must be in the final stage: below what is
	// copied, or a directory that the copies or WORKDIR make.
	copies := slices.Clone(p.copies)
	for _, l := range p.setup {
		if f := strings.Fields(l); len(f) == 4 && f[0] == "COPY" && strings.HasPrefix(f[1], "--from=") {
			copies = append(copies, [2]string{f[2], f[3]})
		}
	}
	for _, c := range s.creates {
		// A directory: the working directory or above it. A file written
		// is not one.
		covered := !c.wrote && stagesUnder(s.wd, c.path)
		for _, cp := range copies {
			src, dest := strings.TrimSuffix(cp[0], "/"), strings.TrimSuffix(cp[1], "/")
			// A parent directory of a copy's destination, or inside (or
			// the file) copied to the same place.
			covered = covered || !c.wrote && stagesUnder(dest, c.path) || src == dest && stagesUnder(c.path, src)
		}
		if !covered {
			verb := "makes"
			if c.wrote {
				verb = "writes"
			}
			return nil, fmt.Sprintf("the RUN on line %d %s %s, which the final stage would not have", c.line, verb, c.path)
		}
	}

	// The final stage.
	var b strings.Builder
	at := s.last.Span.End
	if at == len(doc.Src) && !strings.HasSuffix(string(doc.Src), "\n") {
		b.WriteString(nl)
	}
	for _, l := range p.beforeFinal {
		b.WriteString(l + nl)
	}
	b.WriteString(nl)
	b.WriteString(kw("FROM") + " " + p.runtime)
	if finalName != "" {
		b.WriteString(" " + kw("AS") + " " + finalName)
	}
	b.WriteString(nl)
	for _, l := range p.setup {
		b.WriteString(strings.ReplaceAll(l, "COPY --from=build ", kw("COPY")+" --from="+builder+" ") + nl)
	}
	if s.wd != "/" {
		b.WriteString(kw("WORKDIR") + " " + s.wd + nl)
	}
	for _, c := range p.copies {
		args, ok := copyArgs(c[0], c[1], doc.Escape)
		if !ok {
			return nil, fmt.Sprintf("the final stage would copy %q, a name that a COPY cannot write as it is", c[0])
		}
		b.WriteString(kw("COPY") + " --from=" + builder + " " + args + nl)
	}
	// The configuration the build stage set before its end, and the
	// variables the final stage knows, for the checks of what follows.
	known := slices.Clone(p.keepVars)
	for _, ins := range s.pre {
		if ins.Cmd == "env" {
			var keys []string
			dropAll := true
			for i := 0; i+1 < len(ins.Args); i += 3 {
				keys = append(keys, ins.Args[i])
				if p.dropEnv == nil || !p.dropEnv(ins.Args[i], ins.Args[i+1]) {
					dropAll = false
				}
			}
			if dropAll {
				for _, k := range keys {
					changes = append(changes, "Env["+k+"]")
				}
				continue
			}
			if why := s.checkVars(ins, known); why != "" {
				return nil, why
			}
			known = append(known, keys...)
		} else if why := s.checkVars(ins, known); why != "" {
			return nil, why
		}
		b.WriteString(s.text(p, ins.Span.Start, ins.Span.End))
	}
	for _, ins := range s.tail {
		if why := s.checkVars(ins, known); why != "" {
			return nil, why
		}
		switch ins.Cmd {
		case "env":
			for i := 0; i+1 < len(ins.Args); i += 3 {
				known = append(known, ins.Args[i])
			}
		case "arg":
			for _, a := range ins.Args {
				k, _, _ := strings.Cut(a, "=")
				known = append(known, k)
			}
		}
	}
	// The edit spans the instructions that become the final stage's, so
	// that no other pass's fix to them applies in the same round: the
	// passes see them in the final stage next round.
	end := at
	if n := len(s.st.Instructions); s.st.Instructions[n-1].Index > s.last.Index {
		end = s.st.Instructions[n-1].Span.End
	}
	edits = append(edits, analysis.Replace(at, end, b.String()+s.text(p, at, end)))
	changes = append(changes, p.changes...)
	msg := p.fix
	if p.execForm {
		changes = append(changes, "Cmd")
		msg += ", with CMD in exec form (there is no shell)"
	}
	return &analysis.Fix{Message: msg, Edits: edits, Changes: changes}, ""
}

// text returns the source between start and end for the final stage: as
// written, with the shell-form CMD in exec form when the plan says so.
func (s *split) text(p *plan, start, end int) string {
	src := string(s.doc.Src[start:end])
	ins := s.cmdIns
	if !p.execForm || ins.Span.Start < start || ins.Span.End > end {
		return src
	}
	args, off := ins.ShellArgs()
	args = strings.TrimRight(args, " \t\r\n")
	from, to := ins.SrcOffset(off)-start, ins.SrcOffset(off+len(args)-1)+1-start
	return src[:from] + dockerfile.JSONArray(s.argv) + src[to:]
}

// checkVars says why an instruction copied into the final stage would not
// mean the same there: a variable that the final stage does not set as the
// build stage did.
func (s *split) checkVars(ins *dockerfile.Instruction, known []string) string {
	for _, v := range variables(s.doc, ins) {
		if !slices.Contains(known, v) {
			return fmt.Sprintf("%s on line %d uses $%s, which the final stage would not set the same way", strings.ToUpper(ins.Cmd), s.ctx.Line(ins.Span.Start), v)
		}
	}
	return ""
}

// program returns the absolute path of the program the command runs,
// looking a bare name up in dirs (the build image's PATH), or "".
func (s *split) program(dirs []string, exists func(string) bool) string {
	prog := s.argv[0]
	if strings.Contains(prog, "/") {
		return toolchains.Resolve(s.wdEnd, prog)
	}
	for _, d := range dirs {
		if p := path.Join(d, prog); exists(p) {
			return p
		}
	}
	return ""
}

// steps reads an instruction of a build stage whose RUNs a toolchain's
// rules judge command by command: a COPY or ADD --from declines (the
// program may need what it brings), and each command of a RUN goes to
// step with the RUN's line; the first reason given declines.
func (s *split) steps(ins *dockerfile.Instruction, step func(toolchains.Step, int) string) string {
	line := s.ctx.Line(ins.Span.Start)
	switch ins.Cmd {
	case "copy", "add":
		if hasFlag(ins, "--from") {
			return fmt.Sprintf("%s on line %d brings files from elsewhere, which the program may need", strings.ToUpper(ins.Cmd), line)
		}
	case "run":
		r, _ := runs.Parse(ins)
		if r == nil {
			return fmt.Sprintf("the RUN on line %d cannot be read", line)
		}
		for _, st := range toolchains.Steps(r.Prog, toolchains.Workdir(ins)) {
			if why := step(st, line); why != "" {
				return why
			}
		}
	}
	return ""
}

// buildOnlyInstall judges a package install in a build stage: it declines
// (gives the reason) when it installs a package outside build, which the
// program may need at run time, or packages named by variables; an
// install it cannot read is left to the other rules.
func buildOnlyInstall(c *shellparse.Command, line int, build map[string]bool) string {
	in, ok := toolchains.InstallOf(c)
	if !ok {
		return ""
	}
	for _, pkg := range in.Packages {
		if !build[pkg] {
			return fmt.Sprintf("the RUN on line %d installs %s, which the program may need at run time", line, pkg)
		}
	}
	if !in.Static {
		return fmt.Sprintf("the RUN on line %d installs packages named by variables", line)
	}
	return ""
}
