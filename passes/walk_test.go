package passes_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mvdan.cc/sh's syntax.Walk recurses along and-or lists and pipelines, one
// level per && or |: on a RUN of 100,000 commands joined by &&, a walk of
// the whole program grew the stack to hundreds of megabytes, and the
// copies of it as it grew took most of the run's time. shellparse.Walk
// visits the same nodes in the same order without that recursion; this
// test keeps syntax.Walk out of the module's code outside shellparse's
// walker.
func TestShellWalksDoNotRecurseAlongLists(t *testing.T) {
	var problems []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && path != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || rel == "shellparse/walk.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		problems = append(problems, recursiveWalks(t, rel, src)...)
		return nil
	})
	require.NoError(t, err)
	if len(problems) > 0 {
		t.Errorf("syntax.Walk recurses along && lists; use shellparse.Walk:\n%s", strings.Join(problems, "\n"))
	}
}

// recursiveWalks returns the calls of syntax.Walk in a Go file, as
// FILE:LINE.
func recursiveWalks(t *testing.T, name string, src []byte) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	require.NoError(t, err, name)
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, isIdent := sel.X.(*ast.Ident); isIdent && x.Name == "syntax" && sel.Sel.Name == "Walk" {
			out = append(out, name+":"+strconv.Itoa(fset.Position(sel.Pos()).Line))
		}
		return true
	})
	return out
}
