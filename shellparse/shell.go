// Package shellparse analyses the shell programs of Dockerfile RUN
// instructions.
//
// The input is always the logical program that the builder hands to
// `/bin/sh -c`. Every position reported by this package is a 0-based byte
// offset into that text, so that callers can map results back to the
// Dockerfile and edit it with small byte-range insertions and replacements.
package shellparse

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"weak"

	"mvdan.cc/sh/v3/syntax"
)

// Program is a parsed shell program, made by Parse. It is not modified after
// Parse, so it may be used by several goroutines at once.
type Program struct {
	// Src is the source text that was parsed.
	Src string
	// File is the syntax tree, parsed with comments kept, as bash.
	File *syntax.File

	comments []syntax.Comment

	cmdsOnce sync.Once
	cmds     []*Command // Commands, found once

	byCallOnce sync.Once
	byCall     map[*syntax.CallExpr]*Command // the cmds, by call
}

// ParseError describes why a program could not be parsed.
type ParseError struct {
	// Offset is the 0-based byte offset of the error in the source.
	Offset int
	// Line and Col are the 1-based line and byte column of Offset.
	Line, Col int
	// Msg is a short description from the parser, starting in lower case.
	Msg string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// parsers are reused: a parser is a few kilobytes of buffers, and a file of
// many RUNs parses each of them (see ParseCached).
var parsers = sync.Pool{New: func() any {
	return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
}}

// Parse parses src as a bash program. On failure the error is a *ParseError.
func Parse(src string) (*Program, error) {
	parser := parsers.Get().(*syntax.Parser)
	f, err := parser.Parse(strings.NewReader(src), "")
	parsers.Put(parser)
	if err != nil {
		return nil, newParseError(src, err)
	}
	p := &Program{Src: src, File: f}
	if !strings.Contains(src, "#") {
		return p, nil // no comments, and no tree walk to find none
	}
	Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.Comment); ok {
			p.comments = append(p.comments, *c)
		}
		return true
	})
	sort.SliceStable(p.comments, func(i, j int) bool {
		return p.comments[i].Hash.Offset() < p.comments[j].Hash.Offset()
	})
	return p, nil
}

// Cache holds values computed once per instruction that depend on its
// text only, which the instruction keeps while its text does not change;
// dockerfile.Instruction is one.
type Cache interface {
	TextCached(key string, f func() any) any
}

// ParseCached is Parse, computed once per cache and source text while the
// tree is in use, so that everything that reads an instruction's shell
// shares one syntax tree. The cache holds the tree weakly: once nothing
// refers to it, the garbage collector may take it back, and the next call
// parses the text again. So the trees of a file of 50,000 RUNs are not all
// kept while every pass reads them one after the other: memory follows
// what the passes hold, not the size of the file. Parse errors are kept.
// A tree is keyed by the text it was parsed from: a cache may be asked for
// other texts (a RUN's program, its here-documents).
func ParseCached(c Cache, src string) (*Program, error) {
	t := c.TextCached("shellparse.Parse", func() any { return &parsedTexts{} }).(*parsedTexts)
	return t.get(src)
}

// parsedTexts are the programs of one cache, by source text: most caches
// (instructions) parse one text.
type parsedTexts struct {
	mu    sync.Mutex
	first parsedText
	more  map[string]*parsedText
}

type parsedText struct {
	src  string
	used bool
	err  error
	tree weak.Pointer[Program]
}

func (t *parsedTexts) get(src string) (*Program, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := &t.first
	switch {
	case !e.used:
		e.src, e.used = src, true
	case e.src != src:
		if e = t.more[src]; e == nil {
			if t.more == nil {
				t.more = map[string]*parsedText{}
			}
			e = &parsedText{src: src, used: true}
			t.more[src] = e
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	if p := e.tree.Value(); p != nil {
		return p, nil
	}
	p, err := Parse(src)
	if err != nil {
		e.err = err
		return nil, err
	}
	e.tree = weak.Make(p)
	return p, nil
}

func newParseError(src string, err error) *ParseError {
	var (
		pos syntax.Pos
		msg string
	)
	var pe syntax.ParseError
	var le syntax.LangError
	switch {
	case errors.As(err, &pe):
		pos, msg = pe.Pos, pe.Text
	case errors.As(err, &le):
		pos, msg = le.Pos, strings.TrimPrefix(le.Error(), le.Pos.String()+": ")
	default:
		msg = err.Error()
	}
	off := 0
	if pos.IsValid() {
		off = min(int(pos.Offset()), len(src))
	}
	line, col := posLineCol(src, off)
	return &ParseError{Offset: off, Line: line, Col: col, Msg: msg}
}

// lineCol returns the 1-based line and byte column of offset off in src.
func posLineCol(src string, off int) (int, int) {
	before := src[:off]
	line := 1 + strings.Count(before, "\n")
	col := off - strings.LastIndexByte(before, '\n')
	return line, col
}

// Offset returns the byte offset of pos in the source.
func Offset(pos syntax.Pos) int { return int(pos.Offset()) }

// Span returns the byte range [start, end) that n covers in the source.
func Span(n syntax.Node) (start, end int) {
	return int(n.Pos().Offset()), int(n.End().Offset())
}

// Text returns the source text of n.
func (p *Program) Text(n syntax.Node) string {
	start, end := Span(n)
	return p.Src[start:end]
}

// Op is the operator that follows an item of an and-or list.
type Op int

const (
	// OpEnd marks the last item of a statement list that is not run in the
	// background, whether or not a ';' or newline follows it.
	OpEnd Op = iota
	// OpAnd is "&&".
	OpAnd
	// OpOr is "||".
	OpOr
	// OpSeq is ";" or a newline between two statements.
	OpSeq
	// OpBackground is "&" (or "|&" in its coprocess meaning); it runs the
	// whole and-or list it ends in the background.
	OpBackground
)

func (o Op) String() string {
	switch o {
	case OpEnd:
		return "end"
	case OpAnd:
		return "&&"
	case OpOr:
		return "||"
	case OpSeq:
		return ";"
	case OpBackground:
		return "&"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Item is one pipeline of a flattened statement list: a statement whose
// command is not an && or || list.
type Item struct {
	Stmt *syntax.Stmt
	// Op is the operator that follows this item.
	Op Op
	// Negated reports a leading "!".
	Negated bool
}

// Chain flattens a statement list (such as File.Stmts or a Block's Stmts)
// into its and-or items in source order:
// `a && b || c; d &` gives [a &&] [b ||] [c ;] [d &].
// Pipelines such as `a | b` stay one item. The last item has OpEnd unless it
// runs in the background. Note that a trailing "&" applies to the whole
// and-or list before it: in `a && b &` both items run in the background.
func Chain(stmts []*syntax.Stmt) []Item {
	var items []Item
	for i, s := range stmts {
		op := OpSeq
		switch {
		case s.Background || s.Coprocess:
			op = OpBackground
		case i == len(stmts)-1:
			op = OpEnd
		}
		items = appendAndOr(items, s, op)
	}
	return items
}

// appendAndOr appends the items of the and-or list s, giving the last one the
// operator last.
//
// `a && b || c` is ((a && b) || c): the list nests one level per operator,
// on its left. The left side is followed in a loop, so that a list of
// 100,000 commands takes no deep recursion (nor a stack of that depth).
func appendAndOr(items []Item, s *syntax.Stmt, last Op) []Item {
	var spine []*syntax.BinaryCmd // s's and-or commands, outermost first
	left := s
	for {
		b, ok := left.Cmd.(*syntax.BinaryCmd)
		if !ok || (b.Op != syntax.AndStmt && b.Op != syntax.OrStmt) {
			break
		}
		spine = append(spine, b)
		left = b.X
	}
	if len(spine) == 0 {
		return append(items, Item{Stmt: s, Op: last, Negated: s.Negated})
	}
	op := func(b *syntax.BinaryCmd) Op {
		if b.Op == syntax.OrStmt {
			return OpOr
		}
		return OpAnd
	}
	items = append(items, Item{Stmt: left, Op: op(spine[len(spine)-1]), Negated: left.Negated})
	for i := len(spine) - 1; i >= 0; i-- {
		next := last
		if i > 0 {
			next = op(spine[i-1])
		}
		items = appendAndOr(items, spine[i].Y, next)
	}
	return items
}

// pipeline returns the elements of the pipeline s in order; a statement that
// is not a pipeline is returned alone.
//
// `a | b | c` is ((a | b) | c), nested on its left: a stack, not recursion,
// follows it, so that a long pipeline takes time and memory linear in its
// length.
func pipelineElems(s *syntax.Stmt) []*syntax.Stmt {
	var out []*syntax.Stmt
	todo := []*syntax.Stmt{s}
	for len(todo) > 0 {
		s := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) {
			todo = append(todo, b.Y, b.X)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Comments returns every comment of the program in source order.
func (p *Program) Comments() []syntax.Comment {
	return append([]syntax.Comment(nil), p.comments...)
}

// HasComments reports whether the program holds any comment.
func (p *Program) HasComments() bool { return len(p.comments) > 0 }

// ContentEnd returns the offset just after the last byte of the program that
// is not a blank, a newline, a comment or a line continuation
// (backslash-newline). Text inserted at ContentEnd follows the last command,
// before any trailing comment. It is 0 for a program without commands.
//
// When the program ends in a here-document (see HasHeredoc), ContentEnd is
// just after its closing delimiter, where nothing may be appended on the same
// line.
func (p *Program) ContentEnd() int {
	src := p.Src
	end := len(src)
	for end > 0 {
		c := src[end-1]
		if start, ok := p.commentAt(end - 1); ok {
			end = start
			continue
		}
		switch c {
		case ' ', '\t':
			end--
			continue
		case '\n':
			end--
			if end > 0 && src[end-1] == '\\' && oddBackslashes(src, end-1) {
				if _, ok := p.commentAt(end - 1); !ok {
					end--
				}
			}
			continue
		}
		break
	}
	return end
}

// oddBackslashes reports whether the run of backslashes ending at src[i]
// (inclusive) has an odd length, so that its last one escapes what follows.
func oddBackslashes(src string, i int) bool {
	n := 0
	for ; i >= 0 && src[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// commentAt returns the start of the comment covering byte off, if any.
func (p *Program) commentAt(off int) (int, bool) {
	for _, c := range p.comments {
		start, end := int(c.Hash.Offset()), int(c.End().Offset())
		if start <= off && off < end {
			return start, true
		}
	}
	return 0, false
}

// HasHeredoc reports whether the program holds a here-document.
func (p *Program) HasHeredoc() bool {
	// The operator is two <, next to each other (or, to be safe, with a
	// line continuation or a NUL byte, which the parser passes over,
	// between them): without "<<", a backslash after a < or a NUL byte in
	// the source there is none, and the tree need not be walked.
	if !strings.Contains(p.Src, "<<") && !strings.Contains(p.Src, `<\`) && strings.IndexByte(p.Src, 0) < 0 {
		return false
	}
	found := false
	Walk(p.File, func(n syntax.Node) bool {
		if r, ok := n.(*syntax.Redirect); ok && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
			found = true
		}
		return !found
	})
	return found
}

// TrailingComment returns the offset of the '#' of the first comment after
// the last command (see ContentEnd), or -1 when the program does not end in
// comments. Everything from that offset to the end of Src is comments and
// whitespace.
func (p *Program) TrailingComment() int {
	end := p.ContentEnd()
	for _, c := range p.comments {
		if off := int(c.Hash.Offset()); off >= end {
			return off
		}
	}
	return -1
}

// FinalSemicolon returns the offset of the ';' that terminates the last
// top-level statement, or -1 if there is none. A '&' is not a semicolon:
// check the last statement's Background field for that.
func (p *Program) FinalSemicolon() int {
	stmts := p.File.Stmts
	if len(stmts) == 0 {
		return -1
	}
	s := stmts[len(stmts)-1]
	if !s.Semicolon.IsValid() || s.Background || s.Coprocess || s.Disown {
		return -1
	}
	off := int(s.Semicolon.Offset())
	if off < len(p.Src) && p.Src[off] == ';' {
		return off
	}
	return -1
}

// EndsWithSemicolon reports whether the last top-level statement is
// terminated by ';', so that appending `&& x` after it would be a syntax
// error.
func (p *Program) EndsWithSemicolon() bool { return p.FinalSemicolon() >= 0 }

// EndsInBackground reports whether the last top-level statement is run in the
// background (terminated by '&'), so that appending `&& x` after it would be
// a syntax error too.
func (p *Program) EndsInBackground() bool {
	stmts := p.File.Stmts
	if len(stmts) == 0 {
		return false
	}
	s := stmts[len(stmts)-1]
	return s.Background || s.Coprocess || s.Disown
}
