package cachecleanup

import (
	"regexp"
	"slices"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// usesBeforeUpdate returns the offset in the program of a command that
// reads an index (uses) and may run, in the program's order of execution,
// before any command that writes it (updates) has run for sure, or -1:
// `apt-get install x && apt-get update && apt-get install y` uses the
// lists that an earlier RUN left.
func usesBeforeUpdate(p *shellparse.Program, uses, updates func(*shellparse.Command) bool) int {
	w := &orderWalker{prog: p, uses: uses, updates: updates, found: -1}
	w.stmts(p.File.Stmts, false)
	return w.found
}

type orderWalker struct {
	prog          *shellparse.Program
	uses, updates func(*shellparse.Command) bool
	found         int // the first use found, or -1
}

// stmts walks a list with the index written (updated) or not before it,
// and returns whether it is written for sure after it.
func (w *orderWalker) stmts(list []*syntax.Stmt, updated bool) bool {
	for _, s := range list {
		updated = w.stmt(s, updated)
	}
	return updated
}

func (w *orderWalker) stmt(s *syntax.Stmt, updated bool) bool {
	if s == nil {
		return updated
	}
	if s.Background || s.Coprocess {
		w.node(s.Cmd, updated)
		return updated
	}
	out := w.node(s.Cmd, updated)
	for _, r := range s.Redirs {
		w.words(r, updated)
	}
	return out
}

func (w *orderWalker) node(n syntax.Command, updated bool) bool {
	switch x := n.(type) {
	case *syntax.CallExpr:
		updated = w.words(x, updated)
		c := w.prog.CommandOf(x)
		if w.uses(c) && !updated && w.found < 0 {
			w.found = shellparse.Offset(x.Pos())
		}
		return updated || w.updates(c)
	case *syntax.BinaryCmd:
		switch x.Op {
		case syntax.AndStmt:
			return w.stmt(x.Y, w.stmt(x.X, updated))
		case syntax.OrStmt:
			// Y runs only when X failed; either way X ran first.
			left := w.stmt(x.X, updated)
			w.stmt(x.Y, left)
			return left
		default: // pipelines run their parts at the same time
			w.stmt(x.X, updated)
			w.stmt(x.Y, updated)
			return updated
		}
	case *syntax.Block:
		return w.stmts(x.Stmts, updated)
	case *syntax.Subshell:
		return w.stmts(x.Stmts, updated)
	case *syntax.IfClause:
		cond := w.stmts(x.Cond, updated)
		then := w.stmts(x.Then, cond)
		els := cond
		if x.Else != nil {
			els = w.node(x.Else, cond)
		}
		return then && els
	case *syntax.WhileClause:
		cond := w.stmts(x.Cond, updated)
		w.stmts(x.Do, cond)
		return cond
	case *syntax.ForClause:
		w.stmts(x.Do, updated)
		return updated
	case *syntax.CaseClause:
		for _, item := range x.Items {
			w.stmts(item.Stmts, updated)
		}
		return updated
	case *syntax.FuncDecl:
		// A function body runs when it is called, in a state not known here.
		w.stmt(x.Body, false)
		return updated
	case *syntax.TimeClause:
		return w.stmt(x.Stmt, updated)
	case nil:
		return updated
	default:
		w.words(x, updated)
		return updated
	}
}

// words walks the command substitutions in n, which run first.
func (w *orderWalker) words(n syntax.Node, updated bool) bool {
	shellparse.Walk(n, func(m syntax.Node) bool {
		switch x := m.(type) {
		case *syntax.CmdSubst:
			updated = w.stmts(x.Stmts, updated)
			return false
		case *syntax.ProcSubst:
			w.stmts(x.Stmts, updated)
			return false
		}
		return true
	})
	return updated
}

// uses finds, for a question about the instructions that read a cache,
// the first such instruction after a given one: in its stage, a stage
// built FROM it, or an ONBUILD. Each question scans the document once;
// answering it for every instruction then costs the number of instructions
// that read the cache, not the length of the file.
type uses struct {
	ctx   *analysis.Context
	facts *factsTable
	memo  map[string][]usePoint
}

// usePoint is where an instruction reads a cache: the source offset of
// the command that does, or of the instruction when that is not known,
// and what it does when that is not the usual read ("" otherwise).
type usePoint struct {
	ins  *dockerfile.Instruction
	pos  int
	what string
}

// after returns the line of the first read after ins (see uses), in the
// file the user gave, or 0. key names the question: the same key must
// always come with the same use. use gets the facts of RUNs whose shell
// can be read, and nil with the instruction otherwise; it returns the
// source offset of the read, or -1.
func (u *uses) after(ins *dockerfile.Instruction, key string, use func(other *dockerfile.Instruction, f *runFacts) int) int {
	return u.afterAmong(ins, key, nil, use)
}

// afterAmong is after for a use that is a command with an argument that
// is one of flags (see shellparse.ArgIs) when flags is not empty: a RUN
// whose text cannot hold one (see lacksWords) is passed over without its
// facts.
func (u *uses) afterAmong(ins *dockerfile.Instruction, key string, flags []string, use func(other *dockerfile.Instruction, f *runFacts) int) int {
	line, _ := u.scan(ins, key, flags, func(other *dockerfile.Instruction, f *runFacts) (int, string) { return use(other, f), "" })
	return line
}

// afterWhat is after for a use that says what the read is (a script the
// RUN runs) when it is not the usual one: it returns that too.
func (u *uses) afterWhat(ins *dockerfile.Instruction, key string, use func(other *dockerfile.Instruction, f *runFacts) (int, string)) (int, string) {
	return u.scan(ins, key, nil, use)
}

func (u *uses) scan(ins *dockerfile.Instruction, key string, flags []string, use func(other *dockerfile.Instruction, f *runFacts) (int, string)) (int, string) {
	cands, ok := u.memo[key]
	if !ok {
		for _, other := range u.ctx.Doc.Instructions {
			if other.Cmd != "run" && !(other.Cmd == "onbuild" && other.Onbuild() == "run") {
				continue
			}
			if lacksWords(other, flags) {
				continue
			}
			if pos, what := use(other, u.facts.get(other)); pos >= 0 {
				cands = append(cands, usePoint{other, pos, what})
			}
		}
		u.memo[key] = cands
	}
	// cands are in the file's order: skip those up to ins.
	i, _ := slices.BinarySearchFunc(cands, ins.Index+1, func(c usePoint, index int) int { return c.ins.Index - index })
	for _, c := range cands[i:] {
		if stages.Descends(c.ins.Stage, ins.Stage) {
			return u.ctx.Line(c.pos), c.what
		}
	}
	// An ONBUILD of the stage runs in the images built on it, after all of
	// the stage's instructions, wherever it stands.
	for _, c := range cands[:i] {
		if c.ins.Cmd == "onbuild" && c.ins.Stage == ins.Stage {
			return u.ctx.Line(c.pos), c.what
		}
	}
	return 0, ""
}

// lacksWords reports whether no word of the program of the instruction
// ins can hold one of words (words not empty; see runs.MayHold), so that
// no command of it can have one of them in an argument (such as one of
// the flags of shellparse.ArgIs, or FLAG=VALUE for one).
func lacksWords(ins *dockerfile.Instruction, words []string) bool {
	return len(words) > 0 && !runs.MayHold(ins, words...)
}

// textUsesBeforeUpdate is usesBeforeUpdate for a RUN whose shell cannot be
// read (an ONBUILD RUN, a heredoc for another interpreter, exec form,
// unparsable shell): in the instruction's text and heredoc bodies, a use
// comes before the first update. It returns the
// source offset of the use, or -1.
func textUsesBeforeUpdate(ins *dockerfile.Instruction, use, update *regexp.Regexp) int {
	text, src := instructionText(ins)
	u := use.FindStringIndex(text)
	if u == nil {
		return -1
	}
	if up := update.FindStringIndex(text); up != nil && up[0] <= u[0] {
		return -1
	}
	return src(u[0])
}

var (
	aptUseRE    = lazyre.New(`\bapt(-get)?\s+(-\S+\s+)*(install|reinstall|upgrade|dist-upgrade|full-upgrade|build-dep|source|download|satisfy|show|search|policy)\b|\bapt-cache\b`)
	aptUpdateRE = lazyre.New(`\bapt(-get)?\s+(-\S+\s+)*update\b`)
	apkUseRE    = lazyre.New(`\bapk\s+(-\S+\s+)*(add|upgrade|fix|fetch|search|policy|info)\b`)
	apkUpdateRE = lazyre.New(`\bapk\s+(-\S+\s+)*update\b|--no-cache|--update-cache|\bapk\s+(\S+\s+)*(-U|--update)\b`)
)
