// Package analysis defines what a dfopt pass is: plain data (name, summary,
// documentation, tier) and a function that reads a parsed Dockerfile and
// reports findings, each optionally carrying a fix made of byte-range edits.
//
// The optimizer package runs passes; the passes package is the registry of
// dfopt's own, each a package of its own in passes/NAME.
package analysis

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/dockerfile"
)

// Tier says how far a pass may go.
type Tier int

const (
	// Format passes change only the spelling of the file, never what it builds.
	Format Tier = iota + 1
	// Safe passes keep the image's files and its configuration, apart
	// from what their findings name (see Promise): the caches they
	// remove, the context paths a new ignore-file entry keeps out of a
	// COPY, and a node_modules an install then builds afresh, declared in
	// Fix.Changes.
	Safe
	// Aggressive passes may change behaviour (fewer packages, another base
	// image, a non-root user); they are opt-in and say what they change.
	Aggressive
)

func (t Tier) String() string {
	switch t {
	case Format:
		return "format"
	case Safe:
		return "safe"
	case Aggressive:
		return "aggressive"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Promise says what the passes of a tier may change in the image, as
// README.md and dfopt --explain say it.
func (t Tier) Promise() string {
	switch t {
	case Format:
		return "format passes change the spelling of the file only: BuildKit reads the same instructions"
	case Safe:
		return "safe passes keep the image's files and configuration, apart from what their findings name: " +
			"the package-manager caches they remove; the context paths a new .dockerignore entry keeps out of COPY . . " +
			"(.git, tests, logs, editor files, bytecode, a node_modules or build output the image makes itself), listed in the finding; " +
			"and a node_modules that an install on top of it (npm install, yarn, pnpm install) then builds afresh, " +
			"with the download cache it fills, which the fix declares as a change to the image (--json: changes; dfopt verify counts it as a difference made on purpose)"
	case Aggressive:
		return "aggressive passes change the image on purpose, and each fix declares what it changes " +
			"(--json: changes; dfopt verify lists those differences as made on purpose)"
	}
	return ""
}

// ParseTier parses "format", "safe" or "aggressive".
func ParseTier(s string) (Tier, error) {
	switch strings.ToLower(s) {
	case "format":
		return Format, nil
	case "safe":
		return Safe, nil
	case "aggressive":
		return Aggressive, nil
	}
	return 0, fmt.Errorf("unknown level %q (want format, safe or aggressive)", s)
}

// Pass is one rewrite rule.
type Pass struct {
	// Name is kebab-case; it is used in flags, configuration and messages.
	Name string
	// Docs returns the pass's summary (one line, lowercase, no final
	// period) and its documentation (the pass, its safety rules and a
	// before/after example), or why they cannot be read. Documented sets
	// it to read the pass's doc.go on first use, so that a process that
	// never shows them does not read 29 package comments when it starts;
	// StaticDocs gives them as they are. Callers use Summary and Doc.
	Docs func() (summary, doc string, err error)
	Tier Tier
	// Run reads the document and returns findings. It must not modify the
	// document. Positions are byte offsets into ctx.Doc.Src.
	Run func(ctx *Context) []Finding
}

// Summary returns the pass's one-line summary (see Docs). It panics when
// the pass's documentation is malformed, as the pass's package used to
// when it was initialized: Validate reports that as an error instead, and
// the tests validate every registered pass.
func (p *Pass) Summary() string {
	summary, _ := p.docs()
	return summary
}

// Doc returns the pass's documentation (see Docs and Summary).
func (p *Pass) Doc() string {
	_, doc := p.docs()
	return doc
}

func (p *Pass) docs() (summary, doc string) {
	if p.Docs == nil {
		return "", ""
	}
	summary, doc, err := p.Docs()
	if err != nil {
		panic(fmt.Sprintf("documentation of pass %s: %v", p.Name, err))
	}
	return summary, doc
}

// StaticDocs returns a Pass.Docs that gives summary and doc as they are,
// for passes declared in code rather than documented by a doc.go (tests,
// programs that add passes of their own).
func StaticDocs(summary, doc string) func() (string, string, error) {
	return func() (string, string, error) { return summary, doc, nil }
}

// Context is what a pass sees.
type Context struct {
	Doc *dockerfile.Document
	// BuildContext is the build context directory, or nil when unknown.
	BuildContext fs.FS
	// Target is the name of the stage being built; "" means the last stage.
	Target string
	// Settings holds pass-specific options ("init" = "tini", ...).
	Settings map[string]string
	// ContextDir is the build context's directory on disk when it is one
	// ("" otherwise): passes that read more than files, such as git
	// history, use it. Passes never write there.
	ContextDir string
	// InputLine, when set, returns the line, in the file the user gave, of
	// an offset of Doc.Src. The optimizer sets it: from the second round
	// on, Doc is the text after the fixes of the rounds before. Passes call
	// Line rather than this.
	InputLine func(off int) int
	// Governed, when set, reports whether an ignore comment governs an
	// instruction (# dfopt:ignore, hadolint's ignore pragma above it). The
	// optimizer sets it. Passes call Pinned rather than this.
	Governed func(ins *dockerfile.Instruction) bool
	// Shared, when set, is BuildContext as the caller gave it, before the
	// fixes of this call, when it is one that several Optimize calls read
	// without changing it: ContextFact keeps its facts there, for all of
	// them. The optimizer sets it.
	Shared SharedFS

	memo sync.Map
}

// Pinned reports whether an ignore comment governs ins. Such an
// instruction stays one of its own: merged into the one above, it would
// leave its comment behind; merged into, it would put other commands under
// the comment (a hadolint pragma would silence rules on them).
func (c *Context) Pinned(ins *dockerfile.Instruction) bool {
	return c.Governed != nil && c.Governed(ins)
}

// SharedFS is a build context that several Optimize calls read and that
// does not change while they run, such as a directory whose Dockerfiles
// one command optimizes without writing: what passes learn from it (its
// walk, what its ignore file excludes, the Dockerfiles in it) is computed
// once for all of them. Give the same SharedFS as optimizer.Options.Context
// to each call.
type SharedFS interface {
	fs.FS
	// Fact returns the value computed by f for key, computing it once
	// even when several goroutines ask at the same time.
	Fact(key string, f func() any) any
}

// Facts is a table of values computed once per key, safe for concurrent
// use: what a SharedFS keeps.
type Facts struct {
	m sync.Map // key -> *fact
}

type fact struct {
	once sync.Once
	v    any
}

// Fact returns the value computed by f for key, computing it once: a
// caller that asks while another computes it waits for that value.
func (t *Facts) Fact(key string, f func() any) any {
	e, _ := t.m.LoadOrStore(key, &fact{})
	ft := e.(*fact)
	ft.once.Do(func() { ft.v = f() })
	return ft.v
}

// ContextFact returns the value that f computes from the build context as
// the caller gave it: once per Optimize call, or once for every call that
// reads the same SharedFS. f must depend only on the context's files and
// on key, and must not keep the Context.
func (c *Context) ContextFact(key string, f func(fsys fs.FS) any) any {
	if c.Shared != nil {
		return c.Shared.Fact(key, func() any { return f(c.Shared) })
	}
	return c.Memo(key, func() any { return f(c.BuildContext) })
}

// Line returns the 1-based line of offset off of Doc.Src in the file the
// user gave, the one they see: a message that names a line names it
// there, as the optimizer locates the finding itself there.
func (c *Context) Line(off int) int {
	if c.InputLine != nil {
		return c.InputLine(off)
	}
	return c.Doc.LineOf(off)
}

// Memo returns the value computed by f for key, computing it once per
// Context (that is, once per Optimize call, across rounds): for facts about
// the build context, which do not change while the Dockerfile is rewritten.
func (c *Context) Memo(key string, f func() any) any {
	if v, ok := c.memo.Load(key); ok {
		return v
	}
	v, _ := c.memo.LoadOrStore(key, f())
	return v
}

// TargetStage returns the stage the build produces: the one named by Target,
// or the last stage.
func (c *Context) TargetStage() *dockerfile.Stage {
	stages := c.Doc.Stages
	if c.Target != "" {
		for _, s := range stages {
			if s.Name == strings.ToLower(c.Target) {
				return s
			}
		}
		return nil
	}
	if len(stages) == 0 {
		return nil
	}
	return stages[len(stages)-1]
}

// Finding is something a pass reports about the document.
type Finding struct {
	// Pos and End delimit the part of the source the finding is about.
	Pos, End int
	// Message is lowercase with no final period.
	Message string
	// Fix, when not nil, is the change that resolves the finding.
	Fix *Fix
	// About, when not nil, is the instruction the finding is about when it
	// is reported elsewhere: the FROM of a stage for a finding about the
	// stage as a whole that its CMD or ENTRYPOINT is the reason for (tini's
	// decline). An ignore comment above it governs the finding as one
	// above the instruction at Pos does.
	About *dockerfile.Instruction
}

// Fix is a set of edits that are applied together or not at all.
type Fix struct {
	// Message says what the fix does, as a verb phrase ("merge 3 RUN instructions").
	Message string
	Edits   []Edit
	// Removes lists what the fix takes out of the built image, as path
	// patterns: "/var/lib/apt/lists/" (trailing slash: what is below the
	// directory), "/var/cache/apk" (the path and what is below it), globs
	// such as "/home/*/.npm/_cacache", and "~/" for the home directory of
	// any user ("~/.cache/pip" is /root/.cache/pip and /home/*/.cache/pip).
	// A tool that checks a rewrite by building both images ignores exactly
	// these paths when it compares their files.
	Removes []string
	// Changes lists what the fix changes in the built image on purpose:
	// image configuration fields ("Entrypoint"), one key of a keyed field
	// ("Labels[org.opencontainers.image.authors]"), "base" for a final
	// image built on another base, or path patterns as in Removes (see
	// CheckChange for the forms). A tool that checks a rewrite by building
	// both images reports these differences as made on purpose instead of
	// failing; every other difference still fails. Safe-tier fixes declare
	// none but the one Tier.Promise names (a node_modules built afresh).
	Changes []string
	// Files edits other files of the build context (such as .dockerignore),
	// each against its current content (empty when it does not exist yet).
	// They are applied with the Dockerfile edits or not at all.
	Files []FileEdit
	// Stack says that the fix's edits are insertions that compose with
	// those of the pass's other stacking fixes inserting at the same
	// offsets: the optimizer may apply them in one round, their texts in the
	// order the pass reported them, instead of one per round. A pass sets it
	// only when each insertion does the same whatever the others insert
	// before it, such as commands of fixed effect appended to a RUN.
	Stack bool
}

// FileEdit is a change to one file of the build context.
type FileEdit struct {
	// Path is slash-separated and relative to the build context root.
	Path  string
	Edits []Edit
}

// Edit replaces Src[Pos:End] with NewText. An insertion has Pos == End.
type Edit struct {
	Pos, End int
	NewText  string
}

// Insert is an edit that inserts text at pos.
func Insert(pos int, text string) Edit { return Edit{Pos: pos, End: pos, NewText: text} }

// Delete is an edit that removes src[pos:end].
func Delete(pos, end int) Edit { return Edit{Pos: pos, End: end} }

// Replace is an edit that replaces src[pos:end] with text.
func Replace(pos, end int, text string) Edit { return Edit{Pos: pos, End: end, NewText: text} }

// Validate checks a set of passes: those of ValidateRun, a summary and a
// doc each. It reads every pass's documentation (see Pass.Docs).
func Validate(passes []*Pass) error {
	if err := ValidateRun(passes); err != nil {
		return err
	}
	for _, p := range passes {
		if p.Docs == nil {
			return fmt.Errorf("pass %q: no summary and no doc", p.Name)
		}
		summary, doc, err := p.Docs()
		switch {
		case err != nil:
			return fmt.Errorf("pass %q: documentation: %w", p.Name, err)
		case summary == "" || strings.HasSuffix(summary, "."):
			return fmt.Errorf("pass %q: summary must be one line without final period", p.Name)
		case strings.Contains(summary, "\n"):
			return fmt.Errorf("pass %q: summary must be one line", p.Name)
		case doc == "":
			return fmt.Errorf("pass %q: no doc", p.Name)
		}
	}
	return nil
}

// ValidateRun checks what running a set of passes needs: unique
// kebab-case names, a known tier and a run function each. The optimizer
// checks this much on every call; it leaves the documentation, which it
// never shows, unread.
func ValidateRun(passes []*Pass) error {
	for i, p := range passes {
		switch {
		case p == nil:
			return fmt.Errorf("nil pass")
		case !kebabCase(p.Name):
			return fmt.Errorf("pass %q: name is not kebab-case", p.Name)
		case slices.ContainsFunc(passes[:i], func(q *Pass) bool { return q.Name == p.Name }):
			return fmt.Errorf("pass %q: duplicate name", p.Name)
		case p.Tier < Format || p.Tier > Aggressive:
			return fmt.Errorf("pass %q: unknown tier %d", p.Name, p.Tier)
		case p.Run == nil:
			return fmt.Errorf("pass %q: no run function", p.Name)
		}
	}
	return nil
}

// kebabCase reports whether name is words of lowercase letters and
// digits joined by single dashes, the first starting with a letter:
// ^[a-z][a-z0-9]*(-[a-z0-9]+)*$.
func kebabCase(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && name[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// CheckEdits reports whether the edits of a fix are within [0, n], well formed
// and do not overlap one another. It sorts them by position.
func CheckEdits(edits []Edit, n int) error {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Pos != edits[j].Pos {
			return edits[i].Pos < edits[j].Pos
		}
		return edits[i].End < edits[j].End
	})
	for i, e := range edits {
		if e.Pos < 0 || e.End < e.Pos || e.End > n {
			return fmt.Errorf("edit [%d,%d) out of range [0,%d]", e.Pos, e.End, n)
		}
		if i > 0 && edits[i-1].End > e.Pos {
			return fmt.Errorf("edits [%d,%d) and [%d,%d) overlap", edits[i-1].Pos, edits[i-1].End, e.Pos, e.End)
		}
		if i > 0 && edits[i-1].Pos == e.Pos && edits[i-1].End == e.Pos && e.End == e.Pos {
			return fmt.Errorf("two insertions at %d", e.Pos)
		}
	}
	return nil
}
