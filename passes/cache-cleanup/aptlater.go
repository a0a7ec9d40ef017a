package cachecleanup

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Apt lists read further down. A RUN that installs without its own
// apt-get update reads the lists an earlier RUN (of its stage, or of a
// stage it is built FROM) left. Removing them there would break that
// install, unless the install gets its own update: the earlier RUN then
// removes its lists, and `apt-get update &&` goes in front of each later
// install that read them (the RUN then cleans its own lists in turn). A
// reader that cannot take an update in front of it (a program other than
// apt that reads the lists, an ONBUILD RUN, an install inside a condition
// or run as another user, ...) keeps the lists where they are.

// listSupply is, for the document, the RUNs that read apt's lists before
// their own update, filed under the RUNs whose update wrote what they read.
type listSupply struct {
	readers map[*dockerfile.Instruction][]listReader
}

// listReader is a read of apt's lists before the RUN's own update.
type listReader struct {
	ins *dockerfile.Instruction
	pos int // source offset of the command that reads
	// apt: the command that reads is the apt command at pos of a RUN
	// whose program is read (see aptCommand).
	apt bool
	// why it cannot get an update in front of it ("" when it can).
	why string
	// with is the program other than apt that reads them, if that is why.
	with string
	// changed says why an update in front of it may not fetch what the
	// supplier's did: the supplier's update itself, or what after it and
	// before this RUN may change apt's sources or configuration ("" when
	// nothing).
	changed string
	// script is what the RUN runs that reads them, when it is a file the
	// Dockerfile put in the image (see scriptReads and onbuildRuns).
	script string
}

// supplier is a RUN whose update wrote the lists, and why a plain update
// later may not fetch the same ("" when it would): see listReader.changed.
type supplier struct {
	ins     *dockerfile.Instruction
	changed string
}

// supplyWalk works out, once per document, which RUN's lists each reader
// reads: walking each stage from the state its parent stage ends in, the
// suppliers are the RUNs whose update wrote the lists (the last one to
// update for sure, and those that may have updated after it). It reads
// each instruction once, and only as far as a question needs: the readers
// of a RUN are known once the walk is past it and the RUN is no longer a
// supplier (or the walk is done). So the facts it reads are mostly still
// there when the cleaner, a little behind it, asks for them again.
type supplyWalk struct {
	ctx   *analysis.Context
	facts *factsTable
	s     listSupply
	atEnd map[*dockerfile.Stage][]supplier
	// The walk is at instruction next of stage si (started: its cur is
	// set up); si == len(doc.Stages) when it is done.
	si      int
	next    int
	started bool
	cur     []supplier
}

func newSupplyWalk(ctx *analysis.Context, facts *factsTable) *supplyWalk {
	return &supplyWalk{ctx: ctx, facts: facts,
		s:     listSupply{readers: map[*dockerfile.Instruction][]listReader{}},
		atEnd: map[*dockerfile.Stage][]supplier{}}
}

// readersOf returns the readers of the lists that the RUN u's update wrote.
func (w *supplyWalk) readersOf(u *dockerfile.Instruction) []listReader {
	for !w.known(u) {
		w.step()
	}
	return w.s.readers[u]
}

func (w *supplyWalk) done() bool { return w.si >= len(w.ctx.Doc.Stages) }

// known reports whether the walk has found every reader of u's lists.
func (w *supplyWalk) known(u *dockerfile.Instruction) bool {
	st := u.Stage
	switch {
	case w.done():
		return true
	case st == nil || w.si < st.Index:
		return false
	case w.si == st.Index:
		return w.started && w.next > u.Index-st.Instructions[0].Index && !supplies(w.cur, u)
	}
	return !supplies(w.atEnd[st], u)
}

func supplies(cur []supplier, u *dockerfile.Instruction) bool {
	return slices.ContainsFunc(cur, func(s supplier) bool { return s.ins == u })
}

// step takes the walk one instruction further (or into the next stage).
func (w *supplyWalk) step() {
	doc := w.ctx.Doc
	st := doc.Stages[w.si]
	if !w.started {
		w.started, w.next, w.cur = true, 1, nil
		if st.Parent != nil {
			w.cur = slices.Clone(w.atEnd[st.Parent])
		} else if strings.Contains(st.Base, "$") {
			// FROM ${PARENT}: a build argument may name any earlier stage.
			why := fmt.Sprintf("line %d names its base with a variable, which may be the stage that left them", w.ctx.Line(st.Instructions[0].Span.Start))
			for _, other := range doc.Stages[:st.Index] {
				for _, u := range w.atEnd[other] {
					w.cur = append(w.cur, supplier{u.ins, why})
				}
			}
		}
		return
	}
	if w.next >= len(st.Instructions) {
		// An ONBUILD RUN runs in the images built on the stage, after
		// all of its instructions: one above a supplier reads its lists.
		for _, ob := range st.Instructions {
			if ob.Cmd != "onbuild" || ob.Onbuild() != "run" {
				continue
			}
			rd, ok := readsLists(w.ctx, ob, w.facts.get(ob))
			if !ok {
				continue
			}
			rd.why = "it is an ONBUILD RUN, which runs in the images built from this one"
			for _, u := range w.cur {
				if ob.Index < u.ins.Index {
					rd.changed = u.changed
					w.s.readers[u.ins] = append(w.s.readers[u.ins], rd)
				}
			}
		}
		w.atEnd[st] = w.cur
		w.si, w.started, w.cur = w.si+1, false, nil
		return
	}
	ins := st.Instructions[w.next]
	w.next++
	s, cur, facts := &w.s, w.cur, w.facts
	// A COPY --from or a RUN --mount from a stage that takes its
	// lists reads them.
	for _, ref := range stages.RefsOf(doc, ins) {
		if !readsListsPath(ref) {
			continue
		}
		from := doc.Stages[:st.Index]
		if ref.Stage != nil {
			from = []*dockerfile.Stage{ref.Stage}
		}
		for _, other := range from {
			for _, u := range w.atEnd[other] {
				rd := listReader{ins: ins, pos: ins.Span.Start, why: "not apt", with: "it takes them from another stage"}
				s.readers[u.ins] = append(s.readers[u.ins], rd)
			}
		}
	}
	if len(cur) > 0 && (ins.Cmd == "run" || ins.Cmd == "onbuild" && ins.Onbuild() == "run") {
		rd, ok := readsLists(w.ctx, ins, facts.get(ins))
		if ins.Cmd == "onbuild" && ok {
			rd.why = "it is an ONBUILD RUN, which runs in the images built from this one"
		}
		for _, u := range cur {
			if ok {
				rd.changed = u.changed
				s.readers[u.ins] = append(s.readers[u.ins], rd)
			}
		}
	}
	if len(cur) > 0 {
		text, _ := instructionText(ins)
		m := sourcesChange(w.ctx, ins, text)
		if f := facts.get(ins); m == "" && f != nil {
			m = scriptChange(w.ctx, f.r, f.cmds, 0, -1)
		}
		if m != "" {
			cur = slices.Clone(cur)
			for i := range cur {
				if cur[i].changed == "" {
					cur[i].changed = m
				}
			}
		}
	}
	if ins.Cmd == "run" {
		cur = afterRun(w.ctx, ins, facts.get(ins), cur)
	}
	w.cur = cur
}

// afterRun returns the suppliers of the lists after the RUN ins, given
// those before it (cur).
func afterRun(ctx *analysis.Context, ins *dockerfile.Instruction, f *runFacts, cur []supplier) []supplier {
	if f == nil {
		text, _ := instructionText(ins)
		if aptUpdateRE.MatchString(text) {
			// It may have updated; what it did after is not known.
			return append(slices.Clone(cur), supplier{ins, fmt.Sprintf("the shell of line %d cannot be read", ctx.Line(ins.Span.Start))})
		}
		return cur
	}
	if runs.Covers(f.cacheMounts, pkgmgr.AptLists) {
		return cur // its lists are in a cache mount, not in the image
	}
	var last *shellparse.Command
	sure := false
	for _, c := range f.cmds {
		if pkgmgr.AptUpdates(c) {
			last = c
			sure = sure || !c.Conditional
		}
	}
	removed := false
	for _, c := range f.cmds {
		if pkgmgr.Removes(c, pkgmgr.AptLists) && !c.Conditional && runsAfter(c, last) {
			removed = true
		}
	}
	if removed {
		return nil
	}
	if last == nil {
		return cur
	}
	// What the RUN does to apt's configuration after its update.
	u := supplier{ins: ins, changed: updateDiffers(ctx, f, last)}
	if u.changed == "" {
		u.changed = runChanges(ctx, ins, f.r.Prog.Src[shellparse.Offset(last.Call.End()):])
	}
	if u.changed == "" {
		u.changed = scriptChange(ctx, f.r, f.cmds, shellparse.Offset(last.Call.End()), -1)
	}
	if sure {
		return []supplier{u}
	}
	return append(slices.Clone(cur), u)
}

// readsLists reports whether the RUN ins reads apt's lists before its own
// update, and how: itself, or through a script the Dockerfile put in the
// image that it runs.
func readsLists(ctx *analysis.Context, ins *dockerfile.Instruction, f *runFacts) (listReader, bool) {
	if f == nil {
		// A RUN whose shell cannot be read: its text and heredocs.
		if at := textUsesBeforeUpdate(ins, aptUseRE.Get(), aptUpdateRE.Get()); at >= 0 {
			return listReader{ins: ins, pos: at, why: "its shell cannot be read"}, true
		}
		if at, what := textOtherReader(ins); at >= 0 {
			return listReader{ins: ins, pos: at, why: "not apt", with: what}, true
		}
		if ins.Cmd == "onbuild" {
			if at, what := onbuildRuns(ctx.Doc, ins); at >= 0 {
				return listReader{ins: ins, pos: at, why: "it runs a script", script: what}, true
			}
		}
		return listReader{}, false
	}
	if runs.Covers(f.cacheMounts, pkgmgr.AptLists) {
		return listReader{}, false
	}
	r := f.r
	var aptCmd *shellparse.Command
	if f.aptUse >= 0 {
		for _, c := range f.cmds {
			if r.Src(shellparse.Offset(c.Call.Pos())) == f.aptUse {
				aptCmd = c
				break
			}
		}
	}
	other, otherAt := "", -1
	if at := usesBeforeUpdate(r.Prog, func(c *shellparse.Command) bool {
		what := pkgmgr.OtherListReaderCmd(c, r.Prog.Text(c.Call))
		if what != "" && other == "" {
			other = what
		}
		return what != ""
	}, pkgmgr.AptUpdates); at >= 0 {
		otherAt = r.Src(at)
	} else if r.Prog.HasHeredoc() {
		// A here-document inside the program may be a script for
		// another interpreter.
		if what := pkgmgr.OtherListReader(r.Prog.Src); what != "" && !aptUpdateRE.MatchString(r.Prog.Src) {
			other, otherAt = what, r.Src(0)
		}
	}
	// A script it runs that may read them before the RUN's own update,
	// when it runs before the reads above (an update put in front of those
	// would come after it).
	if su := scriptReads(ctx, r, f.cmds, "apt", pkgmgr.AptReadsLists, pkgmgr.AptUpdates); su != nil &&
		(otherAt < 0 || su.pos < otherAt) && (aptCmd == nil || su.pos < f.aptUse) {
		return listReader{ins: ins, pos: su.pos, why: "it runs a script", script: su.what}, true
	}
	switch {
	case otherAt >= 0 && (aptCmd == nil || otherAt < f.aptUse):
		return listReader{ins: ins, pos: otherAt, why: "not apt", with: other}, true
	case aptCmd != nil:
		return listReader{ins: ins, pos: f.aptUse, apt: true}, true
	}
	return listReader{}, false
}

// textOtherReader finds a reader of the lists other than apt in the text
// of an instruction whose shell cannot be read, before any apt update.
func textOtherReader(ins *dockerfile.Instruction) (int, string) {
	text, src := instructionText(ins)
	what := pkgmgr.OtherListReader(text)
	if what == "" {
		return -1, ""
	}
	at := strings.Index(text, what)
	if what == "python's apt module" {
		at = pythonAptRE.FindStringIndex(text)[0]
	}
	if up := aptUpdateRE.FindStringIndex(text); up != nil && up[0] < at {
		return -1, ""
	}
	return src(at), what
}

var pythonAptRE = lazyre.New(`\b(import|from)\s+apt`)

// updateAgain returns the edits that run apt-get update in front of each
// reader of the lists of the RUN u, and the lines of those readers; or
// the reader that cannot have it, and why.
func (cl *cleaner) updateAgain(u *dockerfile.Instruction) (edits []analysis.Edit, lines []int, bad listReader, why string) {
	readers := cl.lists.readersOf(u)
	if len(readers) > 0 && !readsOwnUpdate(cl.facts.get(u)) {
		// Removing the lists and fetching them again in the reader would
		// leave this RUN's update doing nothing.
		return nil, nil, readers[0], "this RUN fetches them for it and uses them for nothing else"
	}
	for _, rd := range readers {
		why := rd.why
		var e analysis.Edit
		if why == "" {
			e, why = insertUpdate(cl.ctx, cl.facts, rd)
		}
		if why != "" {
			return nil, nil, rd, why
		}
		edits = append(edits, e)
		lines = append(lines, cl.ctx.Line(rd.pos))
	}
	return edits, lines, listReader{}, ""
}

// readsOwnUpdate reports whether a command of the RUN reads the lists
// after its last apt update.
func readsOwnUpdate(f *runFacts) bool {
	var last *shellparse.Command
	for _, c := range f.cmds {
		if pkgmgr.AptUpdates(c) {
			last = c
		}
	}
	for _, c := range f.cmds {
		if runsAfter(c, last) && c != last && (pkgmgr.AptReadsLists(c) || pkgmgr.OtherListReaderCmd(c, f.r.Prog.Text(c.Call)) != "") {
			return true
		}
	}
	return false
}

// keptMessage says why the lists of a RUN stay: the reader bad reads them,
// and cannot have an update of its own because of why.
func (cl *cleaner) keptMessage(bad listReader, why string) string {
	line := cl.ctx.Line(bad.pos)
	if bad.script != "" {
		return fmt.Sprintf("apt lists kept in this layer: line %d %s", line, bad.script)
	}
	if bad.with != "" {
		return fmt.Sprintf("apt lists kept in this layer: line %d may read them (%s) before its own apt-get update", line, bad.with)
	}
	return fmt.Sprintf("apt lists kept in this layer: line %d installs with apt before its own apt-get update (not fixed: %s)", line, why)
}

// addUpdates adds the edits of updateAgain to the fix of the finding that
// remove has just made (the last one, from index n), if it made one.
func (cl *cleaner) addUpdates(n int, edits []analysis.Edit, lines []int) {
	if len(edits) == 0 || len(cl.out) <= n || cl.out[len(cl.out)-1].Fix == nil {
		return
	}
	fd := &cl.out[len(cl.out)-1]
	fd.Fix.Edits = append(fd.Fix.Edits, edits...)
	var at []string
	for _, l := range lines {
		at = append(at, fmt.Sprint(l))
	}
	word := "line"
	if len(at) > 1 {
		word = "lines"
	}
	fd.Fix.Message += ", and run apt-get update again before the install on " + word + " " + strings.Join(at, ", ")
}

// aptCommand returns the RUN and its apt command that read the lists, for
// a reader with apt set. They are found again from the RUN's facts: a
// reader does not keep the syntax tree of its RUN.
func (rd listReader) aptCommand(facts *factsTable) (*runs.Run, *shellparse.Command) {
	f := facts.get(rd.ins)
	for _, c := range f.cmds {
		if f.r.Src(shellparse.Offset(c.Call.Pos())) == rd.pos {
			return f.r, c
		}
	}
	panic("cache-cleanup: the apt command of a list reader is gone")
}

// lazySupply starts the supplyWalk when a cleaner first asks.
type lazySupply struct {
	ctx   *analysis.Context
	facts *factsTable
	w     *supplyWalk
	refs  map[*dockerfile.Stage][]stages.Ref
}

// refsTo is stages.RefsTo, once per stage.
func (l *lazySupply) refsTo(st *dockerfile.Stage) []stages.Ref {
	if l.refs == nil {
		l.refs = map[*dockerfile.Stage][]stages.Ref{}
	}
	refs, ok := l.refs[st]
	if !ok {
		refs = stages.RefsTo(l.ctx.Doc, st)
		l.refs[st] = refs
	}
	return refs
}

// readersOf returns the readers of the lists that the RUN u's update
// wrote.
func (l *lazySupply) readersOf(u *dockerfile.Instruction) []listReader {
	if l.w == nil {
		l.w = newSupplyWalk(l.ctx, l.facts)
	}
	return l.w.readersOf(u)
}

// insertUpdate returns the edit that runs apt-get update right before the
// reading command, so that a failing update fails the RUN as a failing
// install would, or why there is none.
func insertUpdate(ctx *analysis.Context, facts *factsTable, rd listReader) (analysis.Edit, string) {
	doc := ctx.Doc
	r, c := rd.aptCommand(facts)
	if why := pkgmgr.PlainAptCommand(c); why != "" {
		return analysis.Edit{}, why
	}
	if usr := stages.UserAt(rd.ins); usr.Runs != stages.AsRoot {
		return analysis.Edit{}, "it may not run as root, which apt-get update needs"
	}
	for _, fl := range rd.ins.Flags {
		if strings.HasPrefix(fl, "--network=") && fl != "--network=default" && fl != "--network=host" {
			return analysis.Edit{}, "it runs with " + fl
		}
	}
	items := shellparse.Chain(r.Prog.File.Stmts)
	k := slices.IndexFunc(items, func(it shellparse.Item) bool { return it.Stmt.Cmd == c.Call })
	prev := shellparse.OpSeq
	if k > 0 {
		prev = items[k-1].Op
	}
	switch {
	case k < 0 || c.InSubshell:
		return analysis.Edit{}, "the install runs inside a condition, a loop, a subshell or a pipeline"
	case prev == shellparse.OpOr || items[k].Op == shellparse.OpOr:
		return analysis.Edit{}, "the install is part of a || list"
	case items[k].Negated || c.Conditional || items[k].Op == shellparse.OpBackground:
		return analysis.Edit{}, "the install may not run, or its failure may not stop the RUN"
	}
	// With `apt-get update && ` in front, a failing update stops the rest
	// of its && list; under errexit that no longer ends the shell unless
	// the list is the last one.
	lastList := true
	for _, it := range items[k:] {
		if it.Op != shellparse.OpAnd && it.Op != shellparse.OpEnd {
			lastList = false
		}
	}
	start := shellparse.Offset(items[k].Stmt.Pos())
	what := rd.changed
	if what == "" {
		what = runChanges(ctx, rd.ins, r.Prog.Src[:start])
	}
	if what == "" {
		what = scriptChange(ctx, r, r.Commands(), 0, start)
	}
	if what != "" {
		return analysis.Edit{}, what
	}
	pos := r.Src(start)
	switch {
	case lastList:
		return analysis.Insert(pos, "apt-get update && "), ""
	case prev == shellparse.OpSeq && r.ErrexitAt(start):
		// A statement of its own, which errexit ends the shell on.
		if r.IsScript() {
			ls := doc.LineStart(doc.LineOf(pos))
			indent := string(doc.Src[ls:pos])
			if strings.TrimLeft(indent, " \t") == "" {
				return analysis.Insert(pos, "apt-get update\n"+indent), ""
			}
		}
		return analysis.Insert(pos, "apt-get update; "), ""
	}
	if !r.MayErrexit() {
		return analysis.Edit{}, "the install's && list is not the RUN's last, so a failing update in front of it would not stop the RUN"
	}
	return analysis.Edit{}, "errexit may be on, and a failing update in front of the install would not stop the RUN"
}

var aptConfigRE = lazyre.New(`/etc/apt\b|sources\.list|\.sources\b|add-apt-repository|apt-key|\bhttps?_proxy\b|\bHTTPS?_PROXY\b`)

// aptConfigWords are strings that every match of aptConfigRE contains.
var aptConfigWords = []string{"/etc/apt", "sources", "add-apt-repository", "apt-key", "_proxy", "_PROXY"}

// aptConfigName returns the first match of aptConfigRE in text, or "". The
// regexp runs only on a text that holds one of aptConfigWords: asked of
// every instruction after an update, it took 6% of the time of a file of
// 20,000 RUNs.
func aptConfigName(text string) string {
	for _, w := range aptConfigWords {
		if strings.Contains(text, w) {
			return aptConfigRE.FindString(text)
		}
	}
	return ""
}

// readsListsPath reports whether a COPY --from or a --mount from another
// stage (ref) reads apt's lists.
func readsListsPath(ref stages.Ref) bool {
	return ref.Reads(pkgmgr.AptLists)
}

// updateDiffers says why a plain `apt-get update` may not fetch what the
// update last of the RUN did, or may fail where it did not stop the RUN
// ("" when it would fetch the same): options or variables on it, a
// failure that does not stop the RUN, or a RUN with a secret, ssh or bind
// mount or a --network of its own.
func updateDiffers(ctx *analysis.Context, f *runFacts, last *shellparse.Command) string {
	r := f.r
	line := ctx.Line(r.Ins.Span.Start)
	if why := pkgmgr.PlainAptCommand(last); why != "" || !plainUpdateArgs(last) {
		return fmt.Sprintf("the update on line %d has options or variables that a plain apt-get update would not repeat", line)
	}
	for _, fl := range r.Ins.Flags {
		if strings.HasPrefix(fl, "--network=") && fl != "--network=default" {
			return fmt.Sprintf("the update on line %d runs with %s", line, fl)
		}
	}
	for _, m := range runs.Mounts(r.Ins) {
		typ, _ := m.Get("type")
		if typ == "" {
			typ = "bind"
		}
		if typ != "cache" && typ != "tmpfs" {
			return fmt.Sprintf("the update on line %d runs with a %s mount, which a later RUN would not have", line, typ)
		}
	}
	items := shellparse.Chain(r.Prog.File.Stmts)
	k := slices.IndexFunc(items, func(it shellparse.Item) bool { return it.Stmt.Cmd == last.Call })
	switch {
	case k < 0 || last.Conditional || last.InSubshell || items[k].Negated:
		return fmt.Sprintf("the update on line %d may fail without failing its RUN", line)
	case items[k].Op == shellparse.OpAnd || items[k].Op == shellparse.OpEnd:
	case items[k].Op == shellparse.OpSeq && r.ErrexitAt(shellparse.Offset(items[k].Stmt.Pos())):
	default:
		return fmt.Sprintf("the update on line %d may fail without failing its RUN", line)
	}
	return ""
}

// plainUpdateArgs reports whether the arguments of an apt update are
// "update" and options that only quieten it or answer yes.
func plainUpdateArgs(c *shellparse.Command) bool {
	if len(c.Lits) == 0 {
		return false
	}
	for i, v := range c.Lits {
		if !c.Static[i] {
			return false
		}
		switch {
		case v == "update", plainUpdateOptRE.MatchString(v):
		default:
			return false
		}
	}
	return true
}

var plainUpdateOptRE = lazyre.New(`^(-[qy]+|-q=?[0-9]|--quiet(=[0-9])?|--yes|--assume-yes|--force-yes)$`)

// scriptChangeRE matches what in a RUN may add apt sources without naming
// them: a package installed from a .deb file (a "release" package that
// drops a sources file), dpkg -i, a script piped to a shell or run from a
// file (a shell word that does not start a command, as in useradd -s
// /bin/bash or apt-get install bash, is not taken for one).
var scriptChangeRE = lazyre.New(`\bdpkg\s+(-\S+\s+)*(-i|--install)\b|[^\s|;&]*\.deb\b|\|\s*(sudo\s+(-\S+\s+)*)?(ba|da|z|k)?sh\b|(^|[;&|(\n]|\bRUN)\s*(sudo\s+)?(ba|da|z|k)?sh\s+(-[abd-zA-Z]+\s+)*[^-\s]\S*|[^\s|;&]+\.sh\b`)

// runChanges says what in text (of the RUN ins) may change apt's sources
// or configuration, or "".
func runChanges(ctx *analysis.Context, ins *dockerfile.Instruction, text string) string {
	if m := aptConfigName(text); m != "" {
		return fmt.Sprintf("apt's sources or configuration may change before it: line %d names %s", ctx.Line(ins.Span.Start), m)
	}
	if !mayChangeScript(text) {
		return ""
	}
	if m := scriptChangeRE.FindString(text); m != "" {
		return fmt.Sprintf("apt's sources or configuration may change before it: line %d may add sources (%s)", ctx.Line(ins.Span.Start), strings.TrimSpace(m))
	}
	return ""
}

// mayChangeScript reports whether text holds what every match of
// scriptChangeRE holds: "dpkg", ".deb", or "sh" at the end of a word (the
// shell alternatives end in sh\b or sh\s). The regexp runs only then: asked
// of every instruction after an update, it took 12% of the time of a file
// of 20,000 RUNs.
func mayChangeScript(text string) bool {
	if strings.Contains(text, "dpkg") || strings.Contains(text, ".deb") {
		return true
	}
	for i := 0; ; {
		j := strings.Index(text[i:], "sh")
		if j < 0 {
			return false
		}
		i += j + 2
		if i == len(text) || !isWordByte(text[i]) {
			return true
		}
	}
}

// isWordByte matches the bytes of regexp's \w (ASCII only, as \b sees them).
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// sourcesChange says what the instruction ins (whose text is text) may
// change in apt's sources or configuration, or "".
func sourcesChange(ctx *analysis.Context, ins *dockerfile.Instruction, text string) string {
	switch ins.Cmd {
	case "run":
		return runChanges(ctx, ins, text)
	case "copy", "add":
		if len(ins.Args) >= 2 {
			written := ins.Args[len(ins.Args)-1]
			dest := written
			if !path.IsAbs(dest) {
				wd := stages.WorkdirAt(ins)
				if !path.IsAbs(wd) || strings.HasPrefix(wd, stages.UnknownWorkdir) {
					wd = "/"
				}
				dest = strings.TrimRight(wd, "/") + "/" + dest
			}
			// A destination with a variable copies below the static
			// part of its path (see stages.SourceDir); one that starts
			// with a variable, anywhere.
			dir := stages.SourceDir(ctx.Doc, ins, dest)
			if strings.IndexAny(written, "$\"'\\`") == 0 {
				dir = "/"
			}
			// A tree copied to / or /etc may bring /etc/apt with it; a
			// destination further down /etc other than /etc/apt (named
			// below) cannot.
			if dir == "/" || dir == "/etc" {
				if dir != path.Clean(dest) {
					dir = written
				}
				return fmt.Sprintf("apt's sources or configuration may change before it: line %d copies into %s", ctx.Line(ins.Span.Start), dir)
			}
		}
	}
	if m := aptConfigName(text); m != "" {
		return fmt.Sprintf("apt's sources or configuration may change before it: line %d names %s", ctx.Line(ins.Span.Start), m)
	}
	return ""
}
