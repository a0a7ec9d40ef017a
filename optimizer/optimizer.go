// Package optimizer rewrites a Dockerfile by running dfopt's passes over it.
//
//	res, err := optimizer.Optimize(src, optimizer.Options{Filename: "Dockerfile"})
//	if err != nil { ... }            // *ParseError for bad input, *InternalError for a pass bug
//	os.Stdout.Write(res.Output)      // the rewritten file
//	os.Stdout.Write(res.Diff())      // or a unified diff
//
// Passes report findings with fixes made of byte-range edits; the optimizer
// merges the fixes of one round (a fix that overlaps another is left for a later
// round, never half-applied), applies them, re-parses, and repeats until no fix
// applies. Bytes that no edit touches come out unchanged.
//
// Comments switch passes off: `# dfopt:ignore[=PASS,...]` for the next
// instruction, `# dfopt:ignore-file[=PASS,...]` for the file, and hadolint's
// `# hadolint [global] ignore=DLxxxx` and BuildKit's `# check=skip=` for the
// rules that map to a pass (HadolintRules, BuildKitChecks). No fix moves
// such a comment away from what it governs; see ignore.go.
package optimizer

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/udiff"
	"github.com/dfopt/dfopt/passes"
)

// Re-exported so that library users need only this package.
type (
	Pass       = analysis.Pass
	Tier       = analysis.Tier
	Edit       = analysis.Edit
	Fix        = analysis.Fix
	FileEdit   = analysis.FileEdit
	ParseError = dockerfile.ParseError
)

// Tiers.
const (
	TierFormat     = analysis.Format
	TierSafe       = analysis.Safe
	TierAggressive = analysis.Aggressive
)

// DefaultMaxRounds bounds the apply/re-parse loop.
const DefaultMaxRounds = 10

// Options controls a run. The zero value runs the default (safe) passes.
type Options struct {
	// Filename names the input in messages and diffs ("Dockerfile" if empty).
	Filename string
	// Passes is the set to choose from; nil means every registered pass
	// (passes.All()).
	Passes []*Pass
	// Enable, when not nil, names the passes to run regardless of Level;
	// "all" means every pass in Passes, "none" means no pass at all.
	Enable []string
	// Disable names passes to skip.
	Disable []string
	// Level selects passes by tier when Enable is nil: every pass whose tier
	// is at most Level. Zero means TierSafe.
	Level Tier
	// Context is the build context for context-aware passes (nil: none).
	// ContextDir is a convenience: a directory used when Context is nil.
	// When several calls read one context that does not change meanwhile
	// (the Dockerfiles of a directory), a Context that implements
	// analysis.SharedFS lets them share what the passes learn from it.
	Context    fs.FS
	ContextDir string
	// Target is the stage being built ("" = the last stage).
	Target string
	// Settings holds pass options, e.g. "init": "tini".
	Settings map[string]string
	// MaxRounds bounds the fix loop (0 = DefaultMaxRounds).
	MaxRounds int
}

// Finding is a finding in the result, located in the input.
type Finding struct {
	Pass string
	// Pos and End are byte offsets in Result.Input; Line/Col (1-based, Col
	// in bytes) are derived from them.
	Pos, End        int
	Line, Col       int
	EndLine, EndCol int
	Message         string
	// Fixed is set when the output includes the finding's fix; FixMessage
	// says what the fix did.
	Fixed      bool
	FixMessage string
	// Removes is what the applied fix takes out of the image (see
	// analysis.Fix.Removes).
	Removes []string
	// Changes is what the applied fix changes in the image on purpose
	// (see analysis.Fix.Changes).
	Changes []string
	// Edits is the applied fix as edits to Result.Input (sorted, not
	// overlapping), and FileEdits its edits to other files of the build
	// context, for a fix that applied to the input as it was (a fix of the
	// first round). Each such fix stands alone: it can be applied to the
	// input without the others. Edits is not nil for such a fix (it is empty
	// when the fix changes only other files). A fix that applied to text that
	// earlier fixes produced has neither.
	Edits     []Edit
	FileEdits []FileEdit
}

// String formats the finding as LINE: PASS: message.
func (f Finding) String() string {
	return fmt.Sprintf("%d: %s: %s", f.Line, f.Pass, f.Message)
}

// Result is the outcome of Optimize.
type Result struct {
	Filename string
	Input    []byte
	Output   []byte
	Findings []Finding
	// Rounds is the number of fix rounds that changed the text.
	Rounds int
	// Files are the other files of the build context that the fixes change
	// (such as .dockerignore), in path order.
	Files []FileChange
}

// FileChange is a file of the build context that the fixes change.
type FileChange struct {
	// Path is slash-separated and relative to the build context root.
	Path string
	// Existed tells whether the file was there before; Input is empty when
	// it was not.
	Existed       bool
	Input, Output []byte
}

// Diff returns a unified diff of the file, named by its path in the context
// (/dev/null as the old name of a new file).
func (f FileChange) Diff() []byte {
	old := f.Path + ".orig"
	if !f.Existed {
		old = "/dev/null"
	}
	return udiff.Unified(old, f.Path, f.Input, f.Output, 3)
}

// Changed reports whether the output differs from the input.
func (r *Result) Changed() bool { return string(r.Input) != string(r.Output) }

// FilesChanged reports whether the fixes change other files of the context.
func (r *Result) FilesChanged() bool { return len(r.Files) > 0 }

// Diff returns a unified diff from input to output (nil when unchanged),
// with the headers "--- NAME.orig" and "+++ NAME".
func (r *Result) Diff() []byte {
	return udiff.Unified(r.Filename+".orig", r.Filename, r.Input, r.Output, 3)
}

// Removes is every path pattern that the applied fixes take out of the
// image, without duplicates (see analysis.Fix.Removes).
func (r *Result) Removes() []string {
	var out []string
	for _, f := range r.Findings {
		for _, p := range f.Removes {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Changes is everything that the applied fixes declare they change in the
// image on purpose, without duplicates (see analysis.Fix.Changes).
func (r *Result) Changes() []string {
	var out []string
	for _, f := range r.Findings {
		for _, c := range f.Changes {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// FixedCount is the number of findings whose fix was applied.
func (r *Result) FixedCount() int {
	n := 0
	for _, f := range r.Findings {
		if f.Fixed {
			n++
		}
	}
	return n
}

// InternalError is a bug in a pass: it panicked, produced an invalid edit or
// an unparsable file, or kept producing fixes. The input is never partly
// rewritten when it happens.
type InternalError struct {
	Name string // file name
	Pass string // pass or passes at fault
	Err  error
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("%s: internal error in pass %s: %v", e.Name, e.Pass, e.Err)
}

func (e *InternalError) Unwrap() error { return e.Err }

// Select resolves Options to the ordered list of passes to run.
func Select(opts Options) ([]*Pass, error) {
	all := opts.Passes
	if all == nil {
		all = passes.All()
	}
	byName := map[string]*Pass{}
	for _, p := range all {
		byName[p.Name] = p
	}
	known := func(name string) error {
		if _, ok := byName[name]; ok {
			return nil
		}
		names := make([]string, 0, len(all))
		for _, p := range all {
			names = append(names, p.Name)
		}
		return fmt.Errorf("unknown pass %q (known: %s)", name, strings.Join(names, ", "))
	}
	var selected []*Pass
	switch {
	case opts.Enable != nil:
		want := map[string]bool{}
		for _, n := range opts.Enable {
			switch n {
			case "none":
				if len(opts.Enable) > 1 {
					return nil, fmt.Errorf(`"none" cannot be combined with other passes`)
				}
			case "all":
				for _, p := range all {
					want[p.Name] = true
				}
			default:
				if err := known(n); err != nil {
					return nil, err
				}
				want[n] = true
			}
		}
		for _, p := range all {
			if want[p.Name] {
				selected = append(selected, p)
			}
		}
	default:
		level := opts.Level
		if level == 0 {
			level = analysis.Safe
		}
		for _, p := range all {
			if p.Tier <= level {
				selected = append(selected, p)
			}
		}
	}
	for _, n := range opts.Disable {
		if n == "none" {
			continue
		}
		if err := known(n); err != nil {
			return nil, err
		}
		selected = slices.DeleteFunc(selected, func(p *Pass) bool { return p.Name == n })
	}
	return selected, nil
}

// Optimize rewrites src. It returns a *ParseError when src is not a valid
// Dockerfile, an *InternalError when a pass misbehaves, or another error for
// bad options. On error no partial output is returned.
func Optimize(src []byte, opts Options) (*Result, error) {
	name := opts.Filename
	if name == "" {
		name = "Dockerfile"
	}
	selected, err := Select(opts)
	if err != nil {
		return nil, err
	}
	if err := analysis.ValidateRun(selected); err != nil {
		return nil, err
	}
	doc, err := dockerfile.Parse(name, src)
	if err != nil {
		return nil, err
	}
	if ig := findIgnores(doc); ig != nil && !ig.file.empty() {
		selected = slices.DeleteFunc(slices.Clone(selected), func(p *Pass) bool { return ig.file.has(p.Name) })
	}
	ctx := &analysis.Context{
		Doc:          doc,
		BuildContext: opts.Context,
		Target:       opts.Target,
		Settings:     opts.Settings,
		ContextDir:   opts.ContextDir,
	}
	if ctx.BuildContext == nil && opts.ContextDir != "" {
		ctx.BuildContext = os.DirFS(opts.ContextDir)
	}
	if sh, ok := ctx.BuildContext.(analysis.SharedFS); ok {
		ctx.Shared = sh
	}
	var side *overlay // the context as the accepted fixes leave it
	if ctx.BuildContext != nil {
		side = newOverlay(ctx.BuildContext)
		ctx.BuildContext = side
	}
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = DefaultMaxRounds
	}

	res := &Result{Filename: name, Input: src}
	// The input's line index locates findings; the input's document, with
	// what the passes kept on it, is not kept past the first round.
	lines := doc.Lines()
	var history []round // accepted edits of each round that changed the text
	for {
		// Messages name lines of the input, where the findings are
		// located, whatever the round.
		done := history
		ctx.InputLine = func(off int) int { return lines.LineOf(toInput(done, off)) }
		cands, err := runPasses(ctx, selected, side)
		if err != nil {
			return nil, err
		}
		accepted, edits, fileEdits := merge(cands)
		if len(accepted) == 0 {
			// Nothing left to fix: what is reported now is what the output
			// still has.
			for _, c := range cands {
				res.Findings = append(res.Findings, locate(lines, history, c, false))
			}
			break
		}
		if len(history) == maxRounds {
			return nil, &InternalError{Name: name, Pass: passNames(accepted),
				Err: fmt.Errorf("still producing fixes after %d rounds", maxRounds)}
		}
		for path, fe := range fileEdits {
			side.set(path, apply(side.content(path), fe))
		}
		prevDoc := ctx.Doc
		prev := prevDoc.Src
		out := apply(prev, edits)
		// The round's document, with the syntax trees and facts the passes
		// kept on it, is let go before the next is parsed: a large file's
		// two documents are not held at once.
		ctx.Doc = nil
		reps := make([]dockerfile.Replacement, len(edits))
		for i, e := range edits {
			reps[i] = dockerfile.Replacement{Pos: e.Pos, End: e.End, Len: len(e.NewText)}
		}
		next, perr := dockerfile.Reparse(prevDoc, out, reps)
		if perr != nil {
			return nil, &InternalError{Name: name, Pass: culprits(name, prev, accepted),
				Err: fmt.Errorf("output does not parse: %v", perr)}
		}
		for _, c := range accepted {
			res.Findings = append(res.Findings, locate(lines, history, c, true))
		}
		history = append(history, newRound(edits))
		ctx.Doc = next
	}
	res.Output = ctx.Doc.Src
	res.Rounds = len(history)
	if side != nil {
		res.Files = side.changes()
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if a.Pos != b.Pos {
			return a.Pos < b.Pos
		}
		return a.Pass < b.Pass
	})
	return res, nil
}

type candidate struct {
	pass    *Pass
	finding analysis.Finding
}

// runPasses runs every pass over ctx.Doc and checks what they return.
func runPasses(ctx *analysis.Context, selected []*Pass, side *overlay) ([]candidate, error) {
	var out []candidate
	ig := findIgnores(ctx.Doc)
	ctx.Governed = nil
	if ig != nil && len(ig.ins) > 0 {
		ctx.Governed = func(ins *dockerfile.Instruction) bool {
			_, ok := ig.ins[ins.Index]
			return ok
		}
	}
	binary := binarySpans(ctx.Doc)
	for _, p := range selected {
		fs, err := runPass(ctx, p)
		if err != nil {
			return nil, err
		}
		n := len(ctx.Doc.Src)
		for _, f := range fs {
			if f.Pos < 0 || f.End < f.Pos || f.End > n {
				return nil, &InternalError{Name: ctx.Doc.Name, Pass: p.Name,
					Err: fmt.Errorf("finding range [%d,%d) out of range", f.Pos, f.End)}
			}
			if f.Fix != nil {
				if err := checkFix(ctx, f, side); err != nil {
					return nil, &InternalError{Name: ctx.Doc.Name, Pass: p.Name, Err: err}
				}
				if len(f.Fix.Edits) == 0 && len(f.Fix.Files) == 0 || touchesAny(f.Fix.Edits, binary) {
					f.Fix = nil
				}
			}
			if ig != nil {
				dropFinding, dropFix := ig.drop(ctx.Doc, p.Name, f)
				if dropFinding {
					continue
				}
				if dropFix {
					f.Fix = nil
				}
			}
			out = append(out, candidate{p, f})
		}
	}
	return out, nil
}

// binarySpans returns the spans of the instructions that hold a NUL byte in
// their text or in a heredoc. BuildKit parses them, so they are accepted,
// but what they do is not something a pass can reason about: no fix may
// touch them (NUL bytes in comments do not count; comments are never
// read).
func binarySpans(doc *dockerfile.Document) []dockerfile.Span {
	if bytes.IndexByte(doc.Src, 0) < 0 {
		return nil
	}
	var spans []dockerfile.Span
	for _, ins := range doc.Instructions {
		bin := strings.IndexByte(ins.Text, 0) >= 0
		for _, h := range ins.Heredocs() {
			bin = bin || strings.IndexByte(h.Content, 0) >= 0
		}
		if bin {
			spans = append(spans, ins.Span)
		}
	}
	return spans
}

// touchesAny reports whether an edit overlaps or abuts one of spans.
func touchesAny(edits []analysis.Edit, spans []dockerfile.Span) bool {
	for _, e := range edits {
		for _, s := range spans {
			if e.Pos <= s.End && s.Start <= e.End {
				return true
			}
		}
	}
	return false
}

// checkFix validates a fix's edits (sorting them) and copies its slices so
// that the optimizer may reorder them.
func checkFix(ctx *analysis.Context, f analysis.Finding, side *overlay) error {
	fix := f.Fix
	fix.Edits = slices.Clone(fix.Edits)
	if err := analysis.CheckEdits(fix.Edits, len(ctx.Doc.Src)); err != nil {
		return err
	}
	for _, c := range fix.Changes {
		if err := analysis.CheckChange(c); err != nil {
			return fmt.Errorf("fix %q: %v", fix.Message, err)
		}
	}
	changes := len(fix.Edits) > 0 && !noop(ctx.Doc.Src, fix.Edits)
	fix.Files = slices.Clone(fix.Files)
	seen := map[string]bool{}
	for i, fe := range fix.Files {
		if side == nil {
			return fmt.Errorf("fix %q edits %s without a build context", fix.Message, fe.Path)
		}
		if !fs.ValidPath(fe.Path) || fe.Path == "." || seen[fe.Path] {
			return fmt.Errorf("fix %q: bad or repeated file path %q", fix.Message, fe.Path)
		}
		seen[fe.Path] = true
		fe.Edits = slices.Clone(fe.Edits)
		fix.Files[i] = fe
		content := side.content(fe.Path)
		if err := analysis.CheckEdits(fe.Edits, len(content)); err != nil {
			return fmt.Errorf("%s: %v", fe.Path, err)
		}
		if len(fe.Edits) > 0 && !noop(content, fe.Edits) {
			changes = true
		}
	}
	if !changes && (len(fix.Edits) > 0 || len(fix.Files) > 0) {
		return fmt.Errorf("fix %q changes nothing", fix.Message)
	}
	return nil
}

func runPass(ctx *analysis.Context, p *Pass) (fs []analysis.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, err = nil, &InternalError{Name: ctx.Doc.Name, Pass: p.Name, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return p.Run(ctx), nil
}

func noop(src []byte, edits []analysis.Edit) bool {
	for _, e := range edits {
		if string(src[e.Pos:e.End]) != e.NewText {
			return false
		}
	}
	return true
}

// merge accepts fixes in order (pass order, then finding order) and drops a
// fix whole when any of its edits touches an edit already accepted, in the
// Dockerfile or in another file. Dropped fixes are found again, against the
// new text, in the next round. The one exception: insertions of a pass's
// stacking fixes (analysis.Fix.Stack) at the same offset go in together, in
// the order the pass reported them.
func merge(cands []candidate) ([]candidate, []analysis.Edit, map[string][]analysis.Edit) {
	var accepted []candidate
	var edits []analysis.Edit
	var files map[string][]analysis.Edit
	var taken editSet
	var takenFiles map[string]*editSet
	for _, c := range cands {
		fix := c.finding.Fix
		if fix == nil {
			continue
		}
		var owner *Pass
		if fix.Stack && insertsOnly(fix) {
			owner = c.pass
		}
		if taken.touches(fix.Edits, owner) {
			continue
		}
		clash := false
		for _, fe := range fix.Files {
			clash = clash || takenFiles[fe.Path].touches(fe.Edits, nil)
		}
		if clash {
			continue
		}
		accepted = append(accepted, c)
		edits = append(edits, fix.Edits...)
		taken.add(fix.Edits, owner)
		for _, fe := range fix.Files {
			if files == nil {
				files, takenFiles = map[string][]analysis.Edit{}, map[string]*editSet{}
			}
			files[fe.Path] = append(files[fe.Path], fe.Edits...)
			if takenFiles[fe.Path] == nil {
				takenFiles[fe.Path] = &editSet{}
			}
			takenFiles[fe.Path].add(fe.Edits, nil)
		}
	}
	// Stable: insertions at one offset keep the order they were accepted in.
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Pos < edits[j].Pos })
	for _, fe := range files {
		sort.SliceStable(fe, func(i, j int) bool { return fe[i].Pos < fe[j].Pos })
	}
	return accepted, edits, files
}

// insertsOnly reports whether every edit of fix is an insertion into the
// Dockerfile (and it edits no other file).
func insertsOnly(fix *analysis.Fix) bool {
	if len(fix.Files) > 0 {
		return false
	}
	for _, e := range fix.Edits {
		if e.Pos != e.End {
			return false
		}
	}
	return true
}

// editSet holds accepted edits, filed by the 4 KiB blocks of the text they
// touch, so that whether a new edit touches one of them takes the edits
// near it to find out, not all of them.
type editSet struct {
	blocks map[int][]setEdit
}

// setEdit is an accepted edit; stack is the pass whose stacking insertion
// it is, or nil.
type setEdit struct {
	analysis.Edit
	stack *Pass
}

const blockShift = 12

// touches reports whether an edit of b touches (overlaps or abuts) an edit
// of the set. Two edits touch when the closed ranges [Pos, End] share an
// offset, and then both are filed under that offset's block. Insertions at
// the same offset do not touch when both are stacking insertions of the
// same pass (stack, not nil).
func (s *editSet) touches(b []analysis.Edit, stack *Pass) bool {
	if s == nil || len(s.blocks) == 0 {
		return false
	}
	for _, y := range b {
		for k := y.Pos >> blockShift; k <= y.End>>blockShift; k++ {
			for _, x := range s.blocks[k] {
				if x.Pos <= y.End && y.Pos <= x.End &&
					(stack == nil || x.stack != stack || x.Pos != y.Pos) {
					return true
				}
			}
		}
	}
	return false
}

func (s *editSet) add(edits []analysis.Edit, stack *Pass) {
	if s.blocks == nil {
		s.blocks = map[int][]setEdit{}
	}
	for _, e := range edits {
		for k := e.Pos >> blockShift; k <= e.End>>blockShift; k++ {
			s.blocks[k] = append(s.blocks[k], setEdit{e, stack})
		}
	}
}

// apply applies sorted, non-overlapping edits to src.
func apply(src []byte, edits []analysis.Edit) []byte {
	size := len(src)
	for _, e := range edits {
		size += len(e.NewText) - (e.End - e.Pos)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Pos]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...)
}

// round is the edits one round applied (sorted), with where the new text of
// each starts in the text they produced.
type round struct {
	edits  []analysis.Edit
	starts []int
}

func newRound(edits []analysis.Edit) round {
	r := round{edits: edits, starts: make([]int, len(edits))}
	delta := 0
	for i, e := range edits {
		r.starts[i] = e.Pos + delta
		delta += len(e.NewText) - (e.End - e.Pos)
	}
	return r
}

// mapBack maps an offset in the text the round produced to an offset in the
// text it was applied to. Offsets inside inserted text map to the start of
// the edit.
func (r round) mapBack(pos int) int {
	// The last edit whose new text starts at or before pos.
	i := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > pos }) - 1
	if i < 0 {
		return pos
	}
	e := r.edits[i]
	if pos < r.starts[i]+len(e.NewText) {
		return e.Pos
	}
	// After edit i, the text is shifted by what it and the edits before
	// it added.
	return pos - (r.starts[i] + len(e.NewText) - e.End)
}

// toInput maps an offset in the text that the rounds of history produced
// to an offset in the input.
func toInput(history []round, pos int) int {
	for i := len(history) - 1; i >= 0; i-- {
		pos = history[i].mapBack(pos)
	}
	return pos
}

func locate(orig dockerfile.Lines, history []round, c candidate, fixed bool) Finding {
	pos, end := toInput(history, c.finding.Pos), toInput(history, c.finding.End)
	if end < pos {
		end = pos
	}
	f := Finding{Pass: c.pass.Name, Pos: pos, End: end, Message: c.finding.Message, Fixed: fixed}
	f.Line, f.Col = orig.Position(pos)
	f.EndLine, f.EndCol = orig.Position(end)
	if fixed {
		f.FixMessage = c.finding.Fix.Message
		f.Removes = c.finding.Fix.Removes
		f.Changes = c.finding.Fix.Changes
		if len(history) == 0 {
			f.Edits = append([]Edit{}, c.finding.Fix.Edits...) // not nil
			f.FileEdits = slices.Clone(c.finding.Fix.Files)
		}
	}
	return f
}

func passNames(cs []candidate) string {
	var names []string
	for _, c := range cs {
		if !slices.Contains(names, c.pass.Name) {
			names = append(names, c.pass.Name)
		}
	}
	return strings.Join(names, ", ")
}

// culprits names the passes whose fixes, applied alone, give a file that does
// not parse (all of them if only the combination fails).
func culprits(name string, src []byte, accepted []candidate) string {
	var bad []candidate
	for _, c := range accepted {
		edits := slices.Clone(c.finding.Fix.Edits)
		if _, err := dockerfile.Parse(name, apply(src, edits)); err != nil {
			bad = append(bad, c)
		}
	}
	if len(bad) == 0 {
		bad = accepted
	}
	return passNames(bad)
}
