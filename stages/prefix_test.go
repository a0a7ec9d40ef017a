package stages_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

// Marked must answer what AnyBefore answers by walking, at every
// instruction of files with stages built FROM one another.
func TestMarkedAgreesWithAnyBefore(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	lines := []string{"RUN a", "RUN b x", "ENV X=x", "COPY x /", "RUN c", "ONBUILD RUN x", "WORKDIR /x"}
	for n := 0; n < 200; n++ {
		var b strings.Builder
		stagesSoFar := 0
		for i := 0; i < 1+rng.Intn(5); i++ {
			base := "debian"
			if stagesSoFar > 0 && rng.Intn(3) > 0 {
				base = fmt.Sprintf("s%d", rng.Intn(stagesSoFar))
			}
			fmt.Fprintf(&b, "FROM %s AS s%d\n", base, stagesSoFar)
			stagesSoFar++
			for j := 0; j < rng.Intn(6); j++ {
				b.WriteString(lines[rng.Intn(len(lines))] + "\n")
			}
		}
		doc, err := dockerfile.Parse("Dockerfile", []byte(b.String()))
		require.NoError(t, err)
		pred := func(ins *dockerfile.Instruction) bool {
			return (ins.Cmd == "run" || ins.Cmd == "env") && strings.Contains(ins.Text, "x")
		}
		for _, ins := range doc.Instructions {
			want := stages.AnyBefore(ins, pred)
			require.Equal(t, want, stages.Marked(ins, "x", pred), "%s\nat line %d", b.String(), ins.StartLine)
			require.Equal(t, want, stages.Mentions(ins, "x"), "%s\nat line %d", b.String(), ins.StartLine)
			var wantWD []*dockerfile.Instruction
			for _, o := range stages.Before(ins) {
				if o.Cmd == "workdir" {
					wantWD = append(wantWD, o)
				}
			}
			require.Equal(t, wantWD, stages.WorkdirsBefore(ins), "%s\nat line %d", b.String(), ins.StartLine)
			inStage := false
			for st := ins.Stage; st != nil; st = st.Parent {
				for _, o := range st.Instructions {
					inStage = inStage || pred(o)
				}
			}
			require.Equal(t, inStage, stages.MarkedInStage(ins, "x", pred))
		}
	}
}

// LastMarked must find what a walk back from each instruction finds.
func TestLastMarked(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for n := 0; n < 200; n++ {
		var b strings.Builder
		for i := 0; i < 1+rng.Intn(4); i++ {
			base := "debian"
			if i > 0 && rng.Intn(3) > 0 {
				base = fmt.Sprintf("s%d", rng.Intn(i))
			}
			fmt.Fprintf(&b, "FROM %s AS s%d\n", base, i)
			for j := 0; j < rng.Intn(6); j++ {
				b.WriteString([]string{"RUN a", "RUN x", "ENV X=x", "COPY x /"}[rng.Intn(4)] + "\n")
			}
		}
		doc, err := dockerfile.Parse("Dockerfile", []byte(b.String()))
		require.NoError(t, err)
		pred := func(ins *dockerfile.Instruction) bool { return ins.Cmd == "run" && strings.Contains(ins.Text, "x") }
		for _, ins := range doc.Instructions {
			var want *dockerfile.Instruction
			for _, o := range stages.Before(ins) {
				if pred(o) {
					want = o
				}
			}
			require.Equal(t, want, stages.LastMarked(ins, "x", pred), "%s\nat line %d", b.String(), ins.StartLine)
		}
	}
}
