package shellparse

import (
	"path"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"

	"mvdan.cc/sh/v3/syntax"
)

// Command is a simple command resolved through the wrappers that run it.
type Command struct {
	Call *syntax.CallExpr
	// Name is the base name of the program actually run, after skipping
	// wrappers: "apt-get" for
	// `sudo -E env DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y x`.
	// For `python -m MODULE` it is MODULE (see Module). It is "" when the
	// name word is not static, and for a call that only assigns variables.
	Name string
	// NameIdx is the index in Call.Args of the name word, or -1 for a call
	// without arguments (`FOO=bar`).
	NameIdx int
	// Module is the module run by `python[N[.M]] [opts] -m MODULE`, in which
	// case Name is MODULE too and NameIdx is the index of the MODULE word
	// (of the option word when the name is attached to it, as in -mpip).
	Module string
	// Args are the words after the name word.
	Args []*syntax.Word
	// Lits holds the value of each of Args as returned by Lit, or "" when
	// the word is not static.
	Lits []string
	// Static reports, for each of Args, whether the word is static.
	Static []bool
	// Wrappers are the base names of the wrappers skipped to find Name, in
	// order, e.g. ["sudo", "env"].
	Wrappers []string
	// Assigns are the VAR=value prefixes of the call followed by the
	// NAME=VALUE words given to env or sudo. Those made from words are
	// built by this package with positions into the source: Name covers
	// NAME and Value covers VALUE, except for a word that quotes its NAME
	// ("A=1"), where both cover the whole word and Value is a single Lit
	// holding the unquoted value.
	Assigns []*syntax.Assign
	// InSubshell reports that the command runs in a subshell: inside ( ),
	// $( ), `...`, <( ), in a pipeline of more than one element, in the
	// background, or in a coprocess.
	InSubshell bool
	// Conditional reports that the command may not run, or that its failure
	// may be masked: inside an if/elif/else condition or body, a
	// while/until/for/select loop, a case item, a function body; in an
	// and-or list containing || where it is left of an || or directly right
	// of one; negated with !; not the last element of a pipeline; in the
	// background; or in a command substitution that is part of another
	// command's words (`echo $(a)`, but not a lone `x=$(a)`).
	Conditional bool
}

// NameWord returns the name word, or nil for a call without arguments.
func (c *Command) NameWord() *syntax.Word {
	if c.NameIdx < 0 {
		return nil
	}
	return c.Call.Args[c.NameIdx]
}

// Arg returns the static value of the i-th argument, or "" when i is out of
// range or the argument is not static.
func (c *Command) Arg(i int) string {
	if i < 0 || i >= len(c.Lits) {
		return ""
	}
	return c.Lits[i]
}

// HasWrapper reports whether the command is run through the wrapper name.
func (c *Command) HasWrapper(name string) bool {
	for _, w := range c.Wrappers {
		if w == name {
			return true
		}
	}
	return false
}

// wrapperSpec describes the command line of a program that runs another
// program given as its operands.
type wrapperSpec struct {
	// valued holds the short options that take a value, either attached
	// (-uroot) or as the next word (-u root).
	valued string
	// optional holds short options whose value can only be attached; alone
	// they stop the resolution (sudo's -h is help, -hHOST is a host).
	optional string
	// stop holds short options with which no command is run through the
	// wrapper (`command -v x`, `sudo -l`).
	stop string
	// longValued holds long options taking a value as the next word when
	// not given with '='.
	longValued []string
	// longStop holds long options with which no command is run.
	longStop []string
	// numeric accepts -NUM options (nice -10 cmd).
	numeric bool
	// dashOpt treats a lone "-" as an option (env -).
	dashOpt bool
	// noOpts means the wrapper takes no options: its first operand is the
	// command.
	noOpts bool
	// operands is the number of operands before the command (timeout DURATION).
	operands int
	// assigns accepts NAME=VALUE words before the command (env, sudo).
	assigns bool
}

var wrapperSpecs = lazy.Value[map[string]*wrapperSpec]{New: func() map[string]*wrapperSpec {
	return map[string]*wrapperSpec{
		"sudo": {
			valued:   "aCcDgpRrTtUu",
			optional: "h",
			stop:     "eKlVv",
			longValued: []string{"auth-type", "chdir", "chroot", "close-from", "command-timeout",
				"group", "host", "login-class", "other-user", "prompt", "role", "type", "user"},
			longStop: []string{"edit", "help", "list", "remove-timestamp", "validate", "version"},
			assigns:  true,
		},
		"doas": {valued: "u", stop: "CL"},
		"env": {
			valued:     "uCP",
			stop:       "S",
			longValued: []string{"unset", "chdir"},
			longStop:   []string{"split-string", "help", "version"},
			dashOpt:    true,
			assigns:    true,
		},
		"command":   {stop: "vV"},
		"builtin":   {noOpts: true},
		"exec":      {valued: "a"},
		"nice":      {valued: "n", longValued: []string{"adjustment"}, numeric: true, longStop: []string{"help", "version"}},
		"nohup":     {longStop: []string{"help", "version"}},
		"time":      {valued: "fo", longValued: []string{"format", "output"}, longStop: []string{"help", "version"}},
		"timeout":   {valued: "sk", longValued: []string{"signal", "kill-after"}, longStop: []string{"help", "version"}, operands: 1},
		"stdbuf":    {valued: "ioe", longValued: []string{"input", "output", "error"}, longStop: []string{"help", "version"}},
		"ionice":    {valued: "cnpPu", longValued: []string{"class", "classdata", "pid", "pgid", "uid"}, longStop: []string{"help", "version"}},
		"setsid":    {longStop: []string{"help", "version"}},
		"gosu":      {noOpts: true, operands: 1},
		"su-exec":   {noOpts: true, operands: 1},
		"eatmydata": {noOpts: true},
	}
}}

var pythonName = lazyre.New(`^python[0-9]*(\.[0-9]+)*$`)

// pythonSpec describes the interpreter options that may come before -m.
var pythonSpec = &wrapperSpec{
	valued:     "WX",
	stop:       "c",
	longValued: []string{"check-hash-based-pycs"},
	longStop:   []string{"help", "version"},
}

// callWords caches the static values of a call's arguments.
type callWords struct {
	args   []*syntax.Word
	lits   []string
	static []bool
}

// Resolve resolves one call expression through its wrappers. InSubshell and
// Conditional are left false: they depend on where the call is, which
// Commands works out.
func Resolve(call *syntax.CallExpr) *Command {
	c := &Command{Call: call, NameIdx: -1}
	c.Assigns = append(c.Assigns, call.Assigns...)
	if len(call.Args) == 0 {
		return c
	}
	ws := &callWords{args: call.Args, lits: make([]string, len(call.Args)), static: make([]bool, len(call.Args))}
	for i, w := range call.Args {
		ws.lits[i], ws.static[i] = Lit(w)
	}
	i := 0
	for {
		name := ws.base(i)
		spec := wrapperSpecs.Get()[name]
		if spec == nil {
			break
		}
		next, assigns, ok := ws.skip(spec, i)
		if !ok {
			break
		}
		c.Wrappers = append(c.Wrappers, name)
		c.Assigns = append(c.Assigns, assigns...)
		i = next
	}
	c.NameIdx = i
	c.Name = ws.base(i)
	if strings.HasPrefix(c.Name, "python") && pythonName.MatchString(c.Name) {
		if j, module, ok := ws.pythonModule(i); ok {
			c.NameIdx = j
			c.Module = module
			c.Name = module
		}
	}
	c.Args = ws.args[c.NameIdx+1:]
	c.Lits = ws.lits[c.NameIdx+1:]
	c.Static = ws.static[c.NameIdx+1:]
	return c
}

// base returns the base name of the static word i, or "".
func (ws *callWords) base(i int) string {
	if !ws.static[i] || ws.lits[i] == "" {
		return ""
	}
	name := ws.lits[i]
	if strings.Contains(name, "/") {
		name = path.Base(name)
	}
	return name
}

// skip parses the options, operands and assignments of the wrapper at index
// i. It returns the index of the command that the wrapper runs, or false
// when the wrapper runs no command.
func (ws *callWords) skip(spec *wrapperSpec, i int) (int, []*syntax.Assign, bool) {
	j, ok := ws.skipOptions(spec, i+1, nil)
	if !ok {
		return 0, nil, false
	}
	j += spec.operands
	var assigns []*syntax.Assign
	for spec.assigns && j < len(ws.args) {
		as := ws.assignAt(j)
		if as == nil {
			break
		}
		assigns = append(assigns, as)
		j++
	}
	if j >= len(ws.args) {
		return 0, nil, false
	}
	return j, assigns, true
}

// skipOptions skips the options starting at index j and returns the index
// of the first word after them, or false when an option means that no command
// is run. When found is not nil, it is called for each option of
// spec.valued with the index of the word holding its value and, if the value
// is attached to the option (-mpip), that value; returning true ends the
// scan after the option.
func (ws *callWords) skipOptions(spec *wrapperSpec, j int, found func(opt byte, word int, attached string) bool) (int, bool) {
	if spec.noOpts {
		if j < len(ws.args) && ws.static[j] && ws.lits[j] == "--" {
			j++
		}
		return j, true
	}
	for j < len(ws.args) {
		if !ws.static[j] {
			return j, true
		}
		w := ws.lits[j]
		switch {
		case w == "--":
			return j + 1, true
		case w == "-":
			if !spec.dashOpt {
				return j, true
			}
			j++
		case strings.HasPrefix(w, "--"):
			name, _, hasValue := strings.Cut(w[2:], "=")
			if hasString(spec.longStop, name) {
				return 0, false
			}
			j++
			if !hasValue && hasString(spec.longValued, name) {
				j++
			}
		case strings.HasPrefix(w, "-"):
			if spec.numeric && allDigits(w[1:]) {
				j++
				continue
			}
			cur := j
			j++
			for k := 1; k < len(w); k++ {
				opt := w[k]
				if strings.IndexByte(spec.stop, opt) >= 0 {
					return 0, false
				}
				if strings.IndexByte(spec.optional, opt) >= 0 {
					if k+1 == len(w) {
						return 0, false
					}
					break
				}
				if strings.IndexByte(spec.valued, opt) < 0 {
					continue
				}
				word, attached := cur, w[k+1:]
				if attached == "" {
					word = j
					j++
				}
				if found != nil && found(opt, word, attached) {
					return j, true
				}
				break
			}
		default:
			return j, true
		}
	}
	return j, true
}

// pythonModule finds the module of `python [opts] -m MODULE ...` whose
// interpreter word is at index i. It returns the index of the word holding
// the module name and the name.
func (ws *callWords) pythonModule(i int) (int, string, bool) {
	spec := *pythonSpec
	spec.valued += "m"
	word, module := -1, ""
	_, ok := ws.skipOptions(&spec, i+1, func(opt byte, w int, attached string) bool {
		if opt != 'm' {
			return false
		}
		word, module = w, attached
		if module == "" && w < len(ws.args) && ws.static[w] {
			module = ws.lits[w]
		}
		return true
	})
	if !ok || word < 0 || word >= len(ws.args) || module == "" {
		return 0, "", false
	}
	return word, module, true
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var assignName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*=`)

// assignAt builds an assignment from the NAME=VALUE word at index i, or
// returns nil when the word is not one.
func (ws *callWords) assignAt(i int) *syntax.Assign {
	w := ws.args[i]
	if first, ok := w.Parts[0].(*syntax.Lit); ok {
		if m := assignName.FindString(first.Value); m != "" {
			// NAME= is written literally: split the word after '='.
			n := len(m) - 1
			pos := first.ValuePos
			as := &syntax.Assign{Name: &syntax.Lit{ValuePos: pos, ValueEnd: posAddBytes(pos, n), Value: m[:n]}}
			var parts []syntax.WordPart
			if rest := first.Value[len(m):]; rest != "" {
				parts = append(parts, &syntax.Lit{ValuePos: posAddBytes(pos, len(m)), ValueEnd: first.ValueEnd, Value: rest})
			}
			parts = append(parts, w.Parts[1:]...)
			if len(parts) > 0 {
				as.Value = &syntax.Word{Parts: parts}
			}
			return as
		}
	}
	// A quoted word such as "NAME=VALUE": the program still sees an
	// assignment. Name and Value then both span the whole word, and Value
	// holds the unquoted value.
	if !ws.static[i] || !assignName.MatchString(ws.lits[i]) {
		return nil
	}
	name, value, _ := strings.Cut(ws.lits[i], "=")
	as := &syntax.Assign{Name: &syntax.Lit{ValuePos: w.Pos(), ValueEnd: w.End(), Value: name}}
	if value != "" {
		as.Value = &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: w.Pos(), ValueEnd: w.End(), Value: value}}}
	}
	return as
}

// posAddBytes moves pos n bytes to the right on the same line.
func posAddBytes(pos syntax.Pos, n int) syntax.Pos {
	return syntax.NewPos(pos.Offset()+uint(n), pos.Line(), pos.Col()+uint(n))
}

// Commands returns every simple command of the program in source order,
// walking into blocks, subshells, if/for/while/case bodies, function bodies,
// command and process substitutions and here-documents.
//
// Declarations (export, declare, local, readonly, typeset), let, [[ ]] and
// (( )) are not simple commands in the syntax tree and are not returned,
// though commands substituted in their words are.
//
// They are found once per program: every caller gets the same slice and
// commands, which must not be modified.
func Commands(p *Program) []*Command {
	p.cmdsOnce.Do(func() {
		w := &cmdWalker{}
		w.stmts(p.File.Stmts, cmdCtx{})
		sort.SliceStable(w.cmds, func(i, j int) bool {
			return w.cmds[i].Call.Pos().Offset() < w.cmds[j].Call.Pos().Offset()
		})
		p.cmds = w.cmds
	})
	return p.cmds
}

// CommandOf returns the command of the call expression call of p: the one
// Commands found, or, for a call it did not list, Resolve(call). Callers
// must not modify it. It spares resolving a call again (and allocating
// its words) for a walk that goes through p's calls itself.
func (p *Program) CommandOf(call *syntax.CallExpr) *Command {
	p.byCallOnce.Do(func() {
		cmds := Commands(p)
		p.byCall = make(map[*syntax.CallExpr]*Command, len(cmds))
		for _, c := range cmds {
			p.byCall[c.Call] = c
		}
	})
	if c := p.byCall[call]; c != nil {
		return c
	}
	return Resolve(call)
}

type cmdCtx struct {
	sub, cond bool
}

type cmdWalker struct {
	cmds []*Command
}

func (w *cmdWalker) stmts(list []*syntax.Stmt, c cmdCtx) {
	for _, s := range list {
		w.andOr(s, c)
	}
}

// andOr walks one statement of a list: an and-or list of pipelines.
func (w *cmdWalker) andOr(s *syntax.Stmt, c cmdCtx) {
	if s.Background || s.Coprocess || s.Disown {
		c.sub, c.cond = true, true
	}
	items := appendAndOr(nil, s, OpEnd)
	// orLater[i]: an item at i or after it is followed by ||.
	orLater := make([]bool, len(items)+1)
	for i := len(items) - 1; i >= 0; i-- {
		orLater[i] = orLater[i+1] || items[i].Op == OpOr
	}
	for i, it := range items {
		ic := c
		if it.Negated || orLater[i] || i > 0 && items[i-1].Op == OpOr {
			ic.cond = true
		}
		w.pipe(it.Stmt, ic)
	}
	if len(items) > 1 {
		w.redirs(s.Redirs, c)
	}
}

func (w *cmdWalker) pipe(s *syntax.Stmt, c cmdCtx) {
	elems := pipelineElems(s)
	if len(elems) == 1 {
		w.stmt(s, c)
		return
	}
	for i, e := range elems {
		ec := c
		ec.sub = true
		if i < len(elems)-1 || s.Negated {
			ec.cond = true
		}
		w.stmt(e, ec)
	}
	w.redirs(s.Redirs, c)
}

func (w *cmdWalker) stmt(s *syntax.Stmt, c cmdCtx) {
	if s.Negated {
		c.cond = true
	}
	cond := c
	cond.cond = true
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		cmd := Resolve(x)
		cmd.InSubshell, cmd.Conditional = c.sub, c.cond
		w.cmds = append(w.cmds, cmd)
		wc := cond
		if len(x.Args) == 0 && countSubsts(x) == 1 {
			wc = c
		}
		for _, as := range x.Assigns {
			w.expr(as, wc)
		}
		for _, arg := range x.Args {
			w.expr(arg, wc)
		}
	case *syntax.Block:
		w.stmts(x.Stmts, c)
	case *syntax.Subshell:
		c.sub = true
		w.stmts(x.Stmts, c)
	case *syntax.IfClause:
		for ; x != nil; x = x.Else {
			w.stmts(x.Cond, cond)
			w.stmts(x.Then, cond)
		}
	case *syntax.WhileClause:
		w.stmts(x.Cond, cond)
		w.stmts(x.Do, cond)
	case *syntax.ForClause:
		w.expr(x.Loop, cond)
		w.stmts(x.Do, cond)
	case *syntax.CaseClause:
		w.expr(x.Word, cond)
		for _, item := range x.Items {
			for _, pat := range item.Patterns {
				w.expr(pat, cond)
			}
			w.stmts(item.Stmts, cond)
		}
	case *syntax.BinaryCmd:
		// An and-or list or pipeline in an unexpected place.
		w.andOr(s, c)
	case *syntax.FuncDecl:
		w.stmt(x.Body, cond)
	case *syntax.TestDecl:
		w.stmt(x.Body, cond)
	case *syntax.TimeClause:
		if x.Stmt != nil {
			w.pipe(x.Stmt, c)
		}
	case *syntax.CoprocClause:
		cond.sub = true
		w.pipe(x.Stmt, cond)
	case *syntax.ArithmCmd, *syntax.TestClause, *syntax.DeclClause, *syntax.LetClause:
		w.expr(x, cond)
	}
	w.redirs(s.Redirs, cond)
}

func (w *cmdWalker) redirs(rs []*syntax.Redirect, c cmdCtx) {
	c.cond = true
	for _, r := range rs {
		w.expr(r, c)
	}
}

// expr walks the words under n, descending into command and process
// substitutions.
func (w *cmdWalker) expr(n syntax.Node, c cmdCtx) {
	if isNilNode(n) {
		return
	}
	Walk(n, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst:
			w.stmts(x.Stmts, cmdCtx{sub: true, cond: c.cond})
			return false
		case *syntax.ProcSubst:
			w.stmts(x.Stmts, cmdCtx{sub: true, cond: true})
			return false
		}
		return true
	})
}

// countSubsts counts the command and process substitutions in the words of a
// call, not counting nested ones.
func countSubsts(call *syntax.CallExpr) int {
	n := 0
	Walk(call, func(node syntax.Node) bool {
		switch node.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			n++
			return false
		}
		return true
	})
	return n
}

// isNilNode reports a nil node, including a typed nil in an interface.
func isNilNode(n syntax.Node) bool {
	switch x := n.(type) {
	case nil:
		return true
	case *syntax.Word:
		return x == nil
	case *syntax.Assign:
		return x == nil
	case *syntax.Redirect:
		return x == nil
	}
	return false
}
