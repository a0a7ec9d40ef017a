package optimizer_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// What multi-stage does to real Dockerfiles (read without their build
// context, as an editor without one would): a file it splits gets one
// more stage, the stages before it are unchanged, the build stage keeps
// every instruction it had in order, and the new final stage is FROM a
// runtime image, copies from the build stage and carries the original's
// command; the whole aggressive tier on it still converges.
//
// The examples are read with their build context, and the Go one is
// split.
func TestCorpusMultiStage(t *testing.T) {
	split := 0
	type input struct {
		corpusFile
		dir string
	}
	var inputs []input
	for _, f := range corpus(t) {
		inputs = append(inputs, input{corpusFile: f})
	}
	examples, err := filepath.Glob("../examples/*/Dockerfile")
	require.NoError(t, err)
	for _, p := range examples {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		inputs = append(inputs, input{corpusFile{name: p, src: src}, filepath.Dir(p)})
	}
	splitExamples := map[string]bool{}
	for _, f := range inputs {
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name, ContextDir: f.dir, Enable: []string{"multi-stage"}})
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		if res.FixedCount() == 0 {
			continue
		}
		split++
		if f.dir != "" {
			splitExamples[filepath.Base(f.dir)] = true
		}
		in, _ := dockerfile.Parse(f.name, f.src)
		out, err := dockerfile.Parse(f.name, res.Output)
		if err != nil {
			t.Errorf("%s: output does not parse: %v", f.name, err)
			continue
		}
		if len(out.Stages) != len(in.Stages)+1 {
			t.Errorf("%s: %d stages became %d", f.name, len(in.Stages), len(out.Stages))
			continue
		}
		for i, st := range in.Stages[:len(in.Stages)-1] {
			if string(f.src[st.From.Span.Start:st.Instructions[len(st.Instructions)-1].Span.End]) !=
				string(res.Output[out.Stages[i].From.Span.Start:out.Stages[i].Instructions[len(out.Stages[i].Instructions)-1].Span.End]) {
				t.Errorf("%s: stage %d changed", f.name, i)
			}
		}
		// The build stage: the original's instructions, in order, and
		// only instructions the pass adds besides.
		build, final := out.Stages[len(in.Stages)-1], out.Stages[len(in.Stages)]
		orig := in.Stages[len(in.Stages)-1]
		var texts []string
		for _, ins := range build.Instructions[1:] {
			texts = append(texts, ins.Text)
		}
		for _, ins := range final.Instructions[1:] {
			texts = append(texts, ins.Text)
		}
		i := 0
		for _, ins := range orig.Instructions[1:] {
			for i < len(texts) && texts[i] != ins.Text {
				i++
			}
			if i == len(texts) {
				t.Errorf("%s: %q is not in the rewrite's last two stages in order", f.name, ins.Text)
				break
			}
			i++
		}
		copies := slices.ContainsFunc(final.Instructions, func(ins *dockerfile.Instruction) bool {
			return ins.Cmd == "copy" && slices.Contains(ins.Flags, "--from="+build.Name)
		})
		if !copies {
			t.Errorf("%s: the final stage copies nothing from %s", f.name, build.Name)
		}
		if c, oc := lastOf(final, "cmd", "entrypoint"), lastOf(orig, "cmd", "entrypoint"); c == nil || oc == nil || c.Text != oc.Text {
			t.Errorf("%s: the final stage's command is not the original's", f.name)
		}
		if _, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name, ContextDir: f.dir, Level: optimizer.TierAggressive}); err != nil {
			t.Errorf("%s: the aggressive tier: %v", f.name, err)
		}
		t.Logf("%s: split onto %s", f.name, strings.Join(final.From.Args, " "))
	}
	t.Logf("multi-stage split %d of %d files (the corpus without a build context, the examples with theirs)", split, len(inputs))
	require.True(t, splitExamples["go-mod"], "the go-mod example is not split")
}

func lastOf(st *dockerfile.Stage, cmds ...string) *dockerfile.Instruction {
	for i := len(st.Instructions) - 1; i >= 0; i-- {
		if slices.Contains(cmds, st.Instructions[i].Cmd) {
			return st.Instructions[i]
		}
	}
	return nil
}
