package shellparse

import (
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/internal/lazy"
)

// Leak is a construct that changes the state of the shell process running a
// program in a way that a command run after it by the same shell could
// observe.
type Leak struct {
	// Kind classifies the construct:
	//   - a builtin name for builtins ("set", "trap", "exec", "exit",
	//     "unset", "umask", "read", ...), except that cd, pushd and popd
	//     are "cd" and source and . are "source";
	//   - the declaration name ("export", "declare", "local", "readonly",
	//     "typeset") for declarations;
	//   - "assign" for assignments that stay in the shell: a plain
	//     `FOO=bar`, a for loop variable, ${v:=x}, arithmetic assignments,
	//     {fd}> redirections, and prefix assignments of special builtins
	//     and functions (`FOO=1 export X`, `FOO=1 f`);
	//   - "function" for a function definition;
	//   - "call" for a call to a function of the program whose body leaks;
	//   - "background" for a job started with & (or a coprocess), wherever
	//     it is, as it keeps running;
	//   - "dynamic" for a command whose name is not static, which could be
	//     any builtin.
	Kind string
	// Offset is the byte offset of the construct in the source.
	Offset int
	// What names the builtin, variable or function concerned; for
	// "background" and "dynamic" it is the source text.
	What string
}

// Leaks returns the constructs of p that change the state of the shell
// process running p in a way that a command appended after p (as in
// `p && next` or `p; next`) could observe, in source order.
//
// Constructs that only run in a subshell ( ( ), $( ), `...`, <( ), elements
// of a pipeline of more than one command) do not leak, except background jobs.
// Those in { } blocks and in if/for/while/until/case conditions and bodies do,
// even when they may not run. A function definition leaks; a call to a
// function of p leaks only when its body does. Prefix assignments
// (`FOO=1 make`) do not leak except for special builtins and functions.
// When unsure, Leaks reports a leak.
func Leaks(p *Program) []Leak {
	funcs := map[string][]*syntax.FuncDecl{}
	Walk(p.File, func(n syntax.Node) bool {
		if fd, ok := n.(*syntax.FuncDecl); ok && fd.Name != nil {
			funcs[fd.Name.Value] = append(funcs[fd.Name.Value], fd)
		}
		return true
	})
	w := &leakWalker{p: p, funcs: funcs, leaking: leakingFuncs(p, funcs)}
	w.stmts(p.File.Stmts, leakCtx{})
	sort.SliceStable(w.leaks, func(i, j int) bool { return w.leaks[i].Offset < w.leaks[j].Offset })
	return w.leaks
}

type leakCtx struct {
	// sub: running in a subshell.
	sub bool
	// fn: running in a function body.
	fn bool
}

type leakWalker struct {
	p     *Program
	funcs map[string][]*syntax.FuncDecl
	// leaking holds the functions whose calls leak. While it is nil, calls
	// to functions of the program are recorded in callees instead.
	leaking map[string]bool
	callees []string
	leaks   []Leak
}

func (w *leakWalker) add(kind string, pos syntax.Pos, what string) {
	w.leaks = append(w.leaks, Leak{Kind: kind, Offset: int(pos.Offset()), What: what})
}

func (w *leakWalker) stmts(list []*syntax.Stmt, c leakCtx) {
	for _, s := range list {
		w.stmt(s, c)
	}
}

func (w *leakWalker) stmt(s *syntax.Stmt, c leakCtx) {
	if s.Background || s.Coprocess || s.Disown {
		what := w.p.Text(s)
		if s.Semicolon.IsValid() {
			what = w.p.Src[s.Pos().Offset():s.Semicolon.Offset()]
		}
		w.add("background", s.Pos(), strings.TrimSpace(what))
		c.sub = true
	}
	sub := c
	sub.sub = true
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		w.call(x, c)
	case *syntax.BinaryCmd:
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			// `a | b | c` is ((a | b) | c): the left side is followed in
			// a loop through the inner pipelines, which have no
			// redirection or & of their own, so that a long pipeline
			// takes no deep recursion.
			var right []*syntax.Stmt
			left := x
			for {
				right = append(right, left.Y)
				l := left.X
				lb, ok := l.Cmd.(*syntax.BinaryCmd)
				if !ok || lb.Op != syntax.Pipe && lb.Op != syntax.PipeAll ||
					len(l.Redirs) > 0 || l.Background || l.Coprocess || l.Disown {
					w.stmt(l, sub)
					break
				}
				left = lb
			}
			for i := len(right) - 1; i >= 0; i-- {
				w.stmt(right[i], sub)
			}
		} else {
			// An && or || list, flat: no recursion as deep as it is long.
			for _, it := range appendAndOr(nil, s, OpEnd) {
				w.stmt(it.Stmt, c)
			}
		}
	case *syntax.Block:
		w.stmts(x.Stmts, c)
	case *syntax.Subshell:
		w.stmts(x.Stmts, sub)
	case *syntax.IfClause:
		for ; x != nil; x = x.Else {
			w.stmts(x.Cond, c)
			w.stmts(x.Then, c)
		}
	case *syntax.WhileClause:
		w.stmts(x.Cond, c)
		w.stmts(x.Do, c)
	case *syntax.ForClause:
		if it, ok := x.Loop.(*syntax.WordIter); ok && !c.sub {
			w.add("assign", it.Name.Pos(), it.Name.Value)
		}
		w.expr(x.Loop, c)
		w.stmts(x.Do, c)
	case *syntax.CaseClause:
		w.expr(x.Word, c)
		for _, item := range x.Items {
			for _, pat := range item.Patterns {
				w.expr(pat, c)
			}
			w.stmts(item.Stmts, c)
		}
	case *syntax.FuncDecl:
		if !c.sub && x.Name != nil {
			w.add("function", x.Pos(), x.Name.Value)
		}
	case *syntax.DeclClause:
		w.decl(x, c)
	case *syntax.LetClause:
		if !c.sub {
			w.add("let", x.Pos(), "let")
		}
		w.expr(x, c)
	case *syntax.ArithmCmd, *syntax.TestClause:
		w.expr(x, c)
	case *syntax.TimeClause:
		if x.Stmt != nil {
			w.stmt(x.Stmt, c)
		}
	case *syntax.CoprocClause:
		if !s.Background {
			w.add("background", x.Pos(), strings.TrimSpace(w.p.Text(x)))
		}
		w.stmt(x.Stmt, sub)
	case *syntax.TestDecl:
		w.stmt(x.Body, c)
	}
	for _, r := range s.Redirs {
		if r.N != nil && strings.HasPrefix(r.N.Value, "{") && !c.sub {
			w.add("assign", r.N.Pos(), strings.Trim(r.N.Value, "{}"))
		}
		w.expr(r, c)
	}
}

// specialBuiltins are the POSIX special builtins, after which prefix
// assignments stay in the shell in POSIX mode.
var specialBuiltins = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"break": true, ":": true, ".": true, "continue": true, "eval": true, "exec": true,
		"exit": true, "export": true, "readonly": true, "return": true, "set": true,
		"shift": true, "times": true, "trap": true, "unset": true,
	}
}}

// stateBuiltins maps the builtins that change the shell state to their leak
// kind.
var stateBuiltins = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"cd": "cd", "pushd": "cd", "popd": "cd",
		".": "source", "source": "source",
		"alias": "alias", "unalias": "unalias",
		"declare": "declare", "typeset": "typeset", "local": "local",
		"export": "export", "readonly": "readonly",
		"enable": "enable", "eval": "eval", "exec": "exec",
		"exit": "exit", "logout": "exit", "return": "return",
		"getopts": "getopts", "hash": "hash", "let": "let",
		"mapfile": "mapfile", "readarray": "readarray", "read": "read",
		"set": "set", "shift": "shift", "shopt": "shopt",
		"trap": "trap", "ulimit": "ulimit", "umask": "umask", "unset": "unset",
		"printf": "printf", "dirs": "dirs", "suspend": "suspend",
	}
}}

func (w *leakWalker) call(x *syntax.CallExpr, c leakCtx) {
	for _, as := range x.Assigns {
		w.expr(as, c)
	}
	for _, arg := range x.Args {
		w.expr(arg, c)
	}
	if c.sub {
		return
	}
	if len(x.Args) == 0 {
		w.assigns(x.Assigns)
		return
	}
	lits := make([]string, len(x.Args))
	static := make([]bool, len(x.Args))
	for i, arg := range x.Args {
		lits[i], static[i] = Lit(arg)
	}
	// Skip `builtin` and `command`, which run builtins but not functions.
	i, viaBuiltin := 0, false
skip:
	for i < len(x.Args) && static[i] {
		switch lits[i] {
		case "builtin":
			i++
		case "command":
			i++
			for i < len(x.Args) && static[i] && strings.HasPrefix(lits[i], "-") && lits[i] != "-" {
				if lits[i] == "--" {
					i++
					break
				}
				if strings.ContainsAny(lits[i], "vV") {
					return // a lookup: nothing is run
				}
				i++
			}
		default:
			break skip
		}
		viaBuiltin = true
	}
	if i >= len(x.Args) {
		return
	}
	if !static[i] {
		w.add("dynamic", x.Args[i].Pos(), w.p.Text(x.Args[i]))
		return
	}
	name, pos := lits[i], x.Args[i].Pos()
	args, argStatic := lits[i+1:], static[i+1:]
	if !viaBuiltin && len(w.funcs[name]) > 0 {
		w.assigns(x.Assigns)
		switch {
		case w.leaking == nil:
			w.callees = append(w.callees, name)
		case w.leaking[name]:
			w.add("call", pos, name)
		}
		return
	}
	if specialBuiltins.Get()[name] {
		w.assigns(x.Assigns)
	}
	kind, ok := stateBuiltins.Get()[name]
	if !ok || !builtinLeaks(name, args, argStatic, c) {
		return
	}
	w.add(kind, pos, name)
}

// builtinLeaks reports whether the state builtin name, called with args,
// changes the shell state.
func builtinLeaks(name string, args []string, static []bool, c leakCtx) bool {
	hasOperand := false
	for i, a := range args {
		if !static[i] || !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
			hasOperand = true
		}
	}
	switch name {
	case "set":
		return len(args) > 0
	case "export", "readonly", "declare", "typeset":
		if c.fn && name != "export" && name != "readonly" && !hasGlobalOpt(args) {
			return false
		}
		return hasOperand
	case "local":
		return !c.fn
	case "return":
		return !c.fn
	case "printf":
		for i, a := range args {
			if !static[i] || strings.HasPrefix(a, "-v") {
				return true
			}
			if a == "--" || !strings.HasPrefix(a, "-") {
				break
			}
		}
		return false
	case "dirs":
		return len(args) > 0
	}
	return true
}

func hasGlobalOpt(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && strings.Contains(a, "g") {
			return true
		}
	}
	return false
}

func (w *leakWalker) assigns(list []*syntax.Assign) {
	for _, as := range list {
		name := ""
		if as.Name != nil {
			name = as.Name.Value
		}
		w.add("assign", as.Pos(), name)
	}
}

func (w *leakWalker) decl(x *syntax.DeclClause, c leakCtx) {
	for _, as := range x.Args {
		w.expr(as, c)
	}
	if c.sub {
		return
	}
	variant := x.Variant.Value
	global := false
	var operands []*syntax.Assign
	for _, as := range x.Args {
		if as.Naked && as.Name == nil && as.Value != nil {
			if v, ok := Lit(as.Value); ok && (strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+")) {
				if strings.HasPrefix(v, "-") && strings.Contains(v, "g") {
					global = true
				}
				continue
			}
		}
		operands = append(operands, as)
	}
	if c.fn && !global && (variant == "local" || variant == "declare" || variant == "typeset") {
		return
	}
	for _, as := range operands {
		what := ""
		if as.Name != nil {
			what = as.Name.Value
		} else {
			what = w.p.Text(as)
		}
		w.add(variant, as.Pos(), what)
	}
}

// leakingFuncs returns the functions of funcs whose calls leak: those whose
// body leaks by itself or calls such a function.
func leakingFuncs(p *Program, funcs map[string][]*syntax.FuncDecl) map[string]bool {
	leaking := map[string]bool{}
	callees := map[string][]string{}
	for name, decls := range funcs {
		body := &leakWalker{p: p, funcs: funcs}
		for _, fd := range decls {
			body.stmt(fd.Body, leakCtx{fn: true})
		}
		leaking[name] = len(body.leaks) > 0
		callees[name] = body.callees
	}
	for changed := true; changed; {
		changed = false
		for name, called := range callees {
			if leaking[name] {
				continue
			}
			for _, callee := range called {
				if leaking[callee] {
					leaking[name], changed = true, true
					break
				}
			}
		}
	}
	return leaking
}

// expr walks the words and expressions under n: substitutions run in a
// subshell, but ${v:=x} and arithmetic assignments change the shell itself.
func (w *leakWalker) expr(n syntax.Node, c leakCtx) {
	if isNilNode(n) {
		return
	}
	Walk(n, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst:
			w.stmts(x.Stmts, leakCtx{sub: true, fn: c.fn})
			return false
		case *syntax.ProcSubst:
			w.stmts(x.Stmts, leakCtx{sub: true, fn: c.fn})
			return false
		case *syntax.ParamExp:
			if !c.sub && x.Exp != nil && x.Param != nil &&
				(x.Exp.Op == syntax.AssignUnset || x.Exp.Op == syntax.AssignUnsetOrNull) {
				w.add("assign", x.Pos(), x.Param.Value)
			}
		case *syntax.BinaryArithm:
			if !c.sub && isArithAssign(x.Op) {
				w.add("assign", x.Pos(), w.p.Text(x.X))
			}
		case *syntax.UnaryArithm:
			if !c.sub && (x.Op == syntax.Inc || x.Op == syntax.Dec) {
				w.add("assign", x.Pos(), w.p.Text(x.X))
			}
		}
		return true
	})
}

func isArithAssign(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
		syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn,
		syntax.ShrAssgn, syntax.AndBoolAssgn, syntax.OrBoolAssgn, syntax.XorBoolAssgn, syntax.PowAssgn:
		return true
	}
	return false
}
