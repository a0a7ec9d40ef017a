package optimizer_test

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// applyEdits applies sorted, non-overlapping edits.
func applyEdits(src []byte, edits []optimizer.Edit) []byte {
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Pos]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...)
}

// Finding.Edits stands alone: applied to the input without the other
// fixes it gives a file that parses; when it is the only fix, it gives the
// output.
func TestFindingEditsStandAlone(t *testing.T) {
	withEdits, laterRounds := 0, 0
	for _, f := range corpus(t) {
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name, Level: optimizer.TierAggressive})
		if err != nil {
			continue
		}
		fixed := 0
		for _, fd := range res.Findings {
			if !fd.Fixed {
				require.Nil(t, fd.Edits, "%s: %s", f.name, fd)
				continue
			}
			fixed++
			if fd.Edits == nil {
				laterRounds++
				continue
			}
			withEdits++
			out := applyEdits(res.Input, fd.Edits)
			_, err := dockerfile.Parse(f.name, out)
			require.NoError(t, err, "%s: %s alone", f.name, fd)
			if res.Rounds == 1 && fixed == 1 && res.FixedCount() == 1 {
				require.Equal(t, string(res.Output), string(out), "%s: %s", f.name, fd)
			}
		}
	}
	require.Positive(t, withEdits)
	t.Logf("%d applied fixes with edits to the input, %d from later rounds", withEdits, laterRounds)
}
