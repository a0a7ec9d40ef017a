package passes_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// From the second round on, a pass reads the text that the fixes of the
// rounds before made: an instruction's StartLine and EndLine are lines of
// that text, not of the file the user gave. A message names the input's
// line, ctx.Line(ins.Span.Start). This test keeps StartLine and EndLine out
// of what ends up in a message in the passes and the knowledge packages:
// a fmt or strconv call, a string concatenation, a value returned or put in
// a composite literal, or a variable named for a line. They stay free for
// the structure of the current text (comparisons, loops over its lines).
// The same goes for the Line of a comment or a parser directive.
func TestMessagesNameInputLines(t *testing.T) {
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join("passes", e.Name()))
		}
	}
	require.NotEmpty(t, dirs)
	dirs = append(dirs, knowledge...)
	var problems []string
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		require.NoError(t, err)
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			problems = append(problems, lineUses(t, filepath.ToSlash(strings.TrimPrefix(file, "../")), src)...)
		}
	}
	if len(problems) > 0 {
		t.Errorf("a line of the rewritten text may reach a message; name the input's, ctx.Line(ins.Span.Start):\n%s", strings.Join(problems, "\n"))
	}
}

// The check finds each way a line of the rewritten text could reach a
// message, and leaves structural uses alone.
func TestLineUsesCheck(t *testing.T) {
	src := `package p

func f(ins *I, doc *D) (string, int) {
	a := fmt.Sprintf("line %d", ins.StartLine)
	b := "line " + strconv.Itoa(ins.EndLine)
	c := "line " + fmt.Sprint(ins.StartLine+1)
	line := ins.StartLine
	_ = T{line: ins.StartLine}
	var startLine = ins.StartLine
	if ins.StartLine == ins.EndLine {
		for n := ins.StartLine + 1; n <= doc.LineOf(ins.End); n++ {
			_ = doc.Line(n)
		}
	}
	first, last := ins.StartLine, doc.LineOf(ins.End)
	_ = fmt.Sprint(lines[ins.StartLine-1], ctx.Line(ins.Span.Start), doc.LineStart(cs[0].Line))
	_ = fmt.Sprintf("line %d", cs[0].Line)
	return a + b + c, ins.StartLine
}
`
	got := lineUses(t, "p.go", []byte(src))
	var lines []string
	for _, p := range got {
		lines = append(lines, strings.SplitN(p, ":", 3)[1])
	}
	require.Equal(t, []string{"4", "5", "6", "7", "8", "9", "17", "18"}, lines, "%s", strings.Join(got, "\n"))
}

// lineUses returns "file:line: ..." for each StartLine or EndLine of src
// (or Line, the field of a comment or a directive) that may end up in a
// message.
func lineUses(t *testing.T, name string, src []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	require.NoError(t, err)
	var out []string
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "StartLine" && sel.Sel.Name != "EndLine" && sel.Sel.Name != "Line" {
			return true
		}
		if why := messageUse(stack); why != "" {
			out = append(out, fset.Position(sel.Pos()).String()+": "+sel.Sel.Name+" "+why)
		}
		return true
	})
	return out
}

// messageUse says how the selector last on stack may reach a message, or
// "" when it does not seem to.
func messageUse(stack []ast.Node) string {
	for i := len(stack) - 2; i >= 0; i-- {
		child := stack[i+1]
		switch p := stack[i].(type) {
		case *ast.CallExpr:
			if fn, ok := p.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := fn.X.(*ast.Ident); ok && (pkg.Name == "fmt" || pkg.Name == "strconv") {
					return "is formatted by " + pkg.Name + "." + fn.Sel.Name
				}
			}
			return "" // an argument of another function
		case *ast.BinaryExpr:
			if p.Op == token.ADD && (stringLit(p.X) || stringLit(p.Y)) {
				return "is joined to a string"
			}
			if p.Op != token.ADD && p.Op != token.SUB {
				return "" // a comparison, or arithmetic on lines
			}
		case *ast.ReturnStmt:
			return "is returned"
		case *ast.CompositeLit, *ast.KeyValueExpr:
			return "is kept in a value"
		case *ast.AssignStmt:
			for k, rhs := range p.Rhs {
				if rhs == child && k < len(p.Lhs) && lineName(p.Lhs[k]) {
					return "is kept in a variable named for a line"
				}
			}
			return ""
		case *ast.ValueSpec:
			for k, v := range p.Values {
				if v == child && k < len(p.Names) && lineName(p.Names[k]) {
					return "is kept in a variable named for a line"
				}
			}
			return ""
		case *ast.IndexExpr:
			if p.Index == child {
				return "" // a line of the current text, indexing its lines
			}
		case *ast.ParenExpr:
		default:
			if _, ok := p.(ast.Stmt); ok {
				return ""
			}
		}
	}
	return ""
}

func stringLit(e ast.Expr) bool {
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING
}

func lineName(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && strings.Contains(strings.ToLower(id.Name), "line")
}
