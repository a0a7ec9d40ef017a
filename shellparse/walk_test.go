package shellparse_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

// walkTrace records the calls a walk makes: each node (its type and span)
// or the nil that ends one. Every skip-th node is pruned (f returns false),
// so that both ways of answering are compared; skip 0 prunes none.
func walkTrace(walk func(syntax.Node, func(syntax.Node) bool), root syntax.Node, skip int) []string {
	var out []string
	n := 0
	walk(root, func(node syntax.Node) bool {
		if node == nil {
			out = append(out, "nil")
			return true
		}
		n++
		out = append(out, fmt.Sprintf("%T %d-%d", node, node.Pos().Offset(), node.End().Offset()))
		return skip == 0 || n%skip != 0
	})
	return out
}

func requireSameWalk(t *testing.T, src string) {
	t.Helper()
	p, err := shellparse.Parse(src)
	if err != nil {
		return
	}
	for _, skip := range []int{0, 2, 3, 7} {
		want := walkTrace(syntax.Walk, p.File, skip)
		got := walkTrace(shellparse.Walk, p.File, skip)
		require.Equal(t, want, got, "skip %d: %q", skip, src)
	}
	// From a statement, and from a node inside one.
	if len(p.File.Stmts) > 0 {
		s := p.File.Stmts[len(p.File.Stmts)-1]
		require.Equal(t, walkTrace(syntax.Walk, s, 0), walkTrace(shellparse.Walk, s, 0), "%q", src)
		if s.Cmd != nil {
			require.Equal(t, walkTrace(syntax.Walk, s.Cmd, 3), walkTrace(shellparse.Walk, s.Cmd, 3), "%q", src)
		}
	}
}

var walkSeeds = []string{
	"a && b || c; d & e | f |& g",
	"! a | b && c # after\n# more\n# last",
	"# first\na && # mid\nb || c > out 2>&1 # end",
	"{ a && b; } > x && (c || d) | e <<EOF\n$(f && g)\nEOF\n",
	"if a && b; then c | d; elif e; then f; else g; fi && for i in $(h || i); do j; done",
	"case $x in a) b && c;; *) d | e;; esac; while f; do g; done; until h; do i; done",
	"x=$(a | b) y=`c && d` cmd <(e && f) >(g) && declare -x k=$(l) && let m++ && [[ -f n && -d o ]]",
	"f() { a && b; } && time a | b && coproc c && (( i++ )) && arr=(a b $(c && d))",
	"echo ${x:-$(a && b)} ${y/$(c)/d} \"$(e | f)\" $'g' && ! h && a &&\n  b ||\n  c",
}

func TestWalkLikeSyntaxWalk(t *testing.T) {
	for _, src := range walkSeeds {
		requireSameWalk(t, src)
	}
	// Every RUN of the corpus.
	files, _ := filepath.Glob("../testdata/corpus/*.Dockerfile")
	edge, _ := filepath.Glob("../testdata/edge/*.Dockerfile")
	files = append(files, edge...)
	require.NotEmpty(t, files)
	runs := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		doc, err := dockerfile.Parse(f, b)
		if err != nil {
			continue
		}
		for _, ins := range doc.Instructions {
			if ins.Cmd == "run" && !ins.JSON {
				text, _ := ins.ShellArgs()
				requireSameWalk(t, text)
				runs++
			}
		}
	}
	require.Greater(t, runs, 1000)
}

// TestWalkLongLists walks lists far longer than a recursive walk could
// take with a small stack.
func TestWalkLongLists(t *testing.T) {
	const n = 100000
	for _, op := range []string{" && ", " || ", " | "} {
		src := "true" + strings.Repeat(op+"echo x", n)
		p, err := shellparse.Parse(src)
		require.NoError(t, err)
		old := debug.SetMaxStack(1 << 20)
		calls := 0
		shellparse.Walk(p.File, func(syntax.Node) bool { calls++; return true })
		debug.SetMaxStack(old)
		require.Greater(t, calls, 2*n)
	}
}

func FuzzWalk(f *testing.F) {
	for _, s := range walkSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		requireSameWalk(t, src)
	})
}
