package stages

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// Questions of the form "does an instruction before this one, in its stage
// or a stage it derives from, satisfy P", asked at every instruction of a
// file, cost a walk over everything before it each time: quadratic in the
// file's length. Marked answers them from two facts per stage, computed
// once per stage and question: the first instruction of the stage that
// satisfies P, and whether any instruction of the stages it derives from
// does. An answer then costs a lookup.

// mark is what one stage knows about one predicate.
type mark struct {
	first     int  // Index of the stage's first instruction that satisfies it, or -1
	inherited bool // an instruction of a stage it derives from satisfies it
}

// stageMark returns the mark of st for the predicate named key, computing
// it (and its parents') once; it is cached on the stage's FROM.
func stageMark(st *dockerfile.Stage, key string, pred func(*dockerfile.Instruction) bool) mark {
	if v, ok := st.From.CachedPart("stages.mark:", key); ok {
		return v.(mark) // without the key and the closure made below
	}
	return st.From.Cached("stages.mark:"+key, func() any {
		m := mark{first: -1}
		if st.Parent != nil {
			pm := stageMark(st.Parent, key, pred)
			m.inherited = pm.inherited || pm.first >= 0
		}
		for _, other := range st.Instructions {
			if pred(other) {
				m.first = other.Index
				break
			}
		}
		return m
	}).(mark)
}

// Marked reports whether pred holds for an instruction before ins in its
// stage, or in a stage it derives from: AnyBefore, answered from facts
// computed once per stage. key names pred: the same key must always come
// with the same predicate, which must depend on the instruction alone.
func Marked(ins *dockerfile.Instruction, key string, pred func(*dockerfile.Instruction) bool) bool {
	if ins.Stage == nil {
		return false
	}
	m := stageMark(ins.Stage, key, pred)
	return m.inherited || m.first >= 0 && m.first < ins.Index
}

// MarkedInStage reports whether pred holds for any instruction of the
// stage of ins or of a stage it derives from, before or after ins.
func MarkedInStage(ins *dockerfile.Instruction, key string, pred func(*dockerfile.Instruction) bool) bool {
	if ins.Stage == nil {
		return false
	}
	m := stageMark(ins.Stage, key, pred)
	return m.inherited || m.first >= 0
}

// Mentions reports whether a RUN or ENV before ins, in its stage or a
// stage it derives from, contains s in its text.
func Mentions(ins *dockerfile.Instruction, s string) bool {
	return Marked(ins, "mentions:"+s, func(other *dockerfile.Instruction) bool {
		return (other.Cmd == "run" || other.Cmd == "env") && strings.Contains(other.Text, s)
	})
}

// marks is what one stage knows about one predicate, for LastMarked.
type marks struct {
	in        []*dockerfile.Instruction // the stage's instructions that satisfy it, in order
	inherited *dockerfile.Instruction   // the last one of the stages it derives from, or nil
}

func stageMarks(st *dockerfile.Stage, key string, pred func(*dockerfile.Instruction) bool) marks {
	if v, ok := st.From.CachedPart("stages.marks:", key); ok {
		return v.(marks)
	}
	return st.From.Cached("stages.marks:"+key, func() any {
		var m marks
		if st.Parent != nil {
			pm := stageMarks(st.Parent, key, pred)
			m.inherited = pm.inherited
			if len(pm.in) > 0 {
				m.inherited = pm.in[len(pm.in)-1]
			}
		}
		for _, other := range st.Instructions {
			if pred(other) {
				m.in = append(m.in, other)
			}
		}
		return m
	}).(marks)
}

// LastMarked returns the last instruction before ins, in its stage or a
// stage it derives from, for which pred holds, or nil: the instruction
// that decides a state later ones may change again (which pip is
// installed). key names pred as for Marked.
func LastMarked(ins *dockerfile.Instruction, key string, pred func(*dockerfile.Instruction) bool) *dockerfile.Instruction {
	if ins.Stage == nil {
		return nil
	}
	m := stageMarks(ins.Stage, key, pred)
	i, _ := slices.BinarySearchFunc(m.in, ins.Index, func(o *dockerfile.Instruction, index int) int { return o.Index - index })
	if i > 0 {
		return m.in[i-1]
	}
	return m.inherited
}

// MarkedBefore returns the instructions before ins, in its stage and the
// stages it derives from, for which pred holds, in order: Before filtered
// by pred, from facts computed once per stage, so that asking at every
// instruction costs what the answers hold rather than a walk over the
// file. key names pred as for Marked.
func MarkedBefore(ins *dockerfile.Instruction, key string, pred func(*dockerfile.Instruction) bool) []*dockerfile.Instruction {
	var chain []*dockerfile.Stage
	for st := ins.Stage; st != nil; st = st.Parent {
		chain = append(chain, st)
	}
	var out []*dockerfile.Instruction
	for i := len(chain) - 1; i >= 0; i-- {
		st := chain[i]
		for _, other := range stageMarks(st, key, pred).in {
			if st == ins.Stage && other.Index >= ins.Index {
				break
			}
			if other.Cmd != "from" {
				out = append(out, other)
			}
		}
	}
	return out
}

// isWorkdir is the predicate of the "workdir" marks.
func isWorkdir(other *dockerfile.Instruction) bool { return other.Cmd == "workdir" }

// WorkdirsBefore returns the WORKDIR instructions before ins, in its stage
// and the stages it derives from, in order: Before's WORKDIRs.
func WorkdirsBefore(ins *dockerfile.Instruction) []*dockerfile.Instruction {
	return MarkedBefore(ins, "workdir", isWorkdir)
}
