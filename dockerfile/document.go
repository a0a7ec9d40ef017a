// Package dockerfile is dfopt's lossless model of a Dockerfile.
//
// It parses with buildkit's own parser (so the grammar is the real one) and maps
// every instruction back to its exact bytes in the source: passes read the model
// and describe their changes as byte-range edits against Document.Src, so bytes
// that no pass touches come out unchanged.
//
// buildkit's types stay behind this package: nothing here exports them.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/dfopt/dfopt/shellparse"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Span is a half-open byte range [Start, End) of Document.Src.
type Span struct{ Start, End int }

// Len is the number of bytes in the span.
func (s Span) Len() int { return s.End - s.Start }

// Document is a parsed Dockerfile.
type Document struct {
	Name string // file name used in messages
	Src  []byte // the source, unchanged

	BOM        bool        // Src starts with a UTF-8 byte-order mark
	Escape     byte        // escape and line-continuation character: '\\' or '`'
	Directives []Directive // parser directives (# syntax=, # escape=, # check=)
	CRLF       bool        // most line endings are \r\n

	Instructions []*Instruction
	Stages       []*Stage

	lineStarts []int // offset of the first byte of each line (line 1 at index 0)
	// contIndent is ContinuationIndent of all the instructions.
	contIndent struct {
		s  string
		ok bool
	}
}

// Directive is a parser directive at the top of the file, e.g. `# escape=`.
type Directive struct {
	Name, Value string
	Line        int
	Span        Span // the whole line including its line ending
}

// Heredoc is a here-document attached to an instruction.
type Heredoc struct {
	Name    string // the delimiter word
	Expand  bool   // the delimiter was unquoted, so the body is expanded
	Chomp   bool   // <<- form: leading tabs are removed
	Content string // body as buildkit passes it on
	Body    Span   // the body lines in the source, without the terminator line
}

// Instruction is one Dockerfile instruction and where it sits in the source.
//
// A large file has one per line or so, held while the passes run: what few
// instructions have (here-documents, comments above, ONBUILD, continuation
// lines) is kept apart, behind methods, so that the others do not carry
// room for it.
type Instruction struct {
	Index int // position in Document.Instructions

	Cmd   string   // lowercase instruction name: "run", "copy", ...
	Flags []string // builder flags as buildkit reports them ("--mount=type=cache,target=/x")
	Args  []string // arguments as buildkit parsed them

	// Span covers the instruction from the first byte of its first line
	// through the line ending of its last line, heredoc bodies included.
	Span Span
	// StartLine and EndLine are 1-based and inclusive (heredoc bodies included).
	StartLine, EndLine int
	// Text is the instruction's logical line (continuations joined as buildkit
	// joins them); SrcOffset gives each byte's offset in the source.
	Text string
	// TextEnd is the offset just after the line ending of the instruction's
	// last command line (before any heredoc body).
	TextEnd int
	// ArgsOffset is the offset in Text where the arguments start (after the
	// keyword and builder flags). For a shell-form RUN, CMD or ENTRYPOINT,
	// Text[ArgsOffset:] is the shell program.
	ArgsOffset int

	Stage *Stage // nil for ARGs before the first FROM
	// shellFrom is the SHELL instruction in effect (see Shell), or nil.
	shellFrom *Instruction

	// rare holds what most instructions do not have; nil when none of it.
	rare *rareFields
	// contentEnd is ContentEnd: with Text, it maps an instruction of one
	// line to the source (its text is the bytes before it).
	contentEnd int

	JSON bool // exec (JSON array) form

	mu    sync.Mutex
	cache []cached // a few keys: a list costs less than a map
}

// rareFields are the parts of an instruction that most do not have.
type rareFields struct {
	heredocs []Heredoc
	comments []string
	onbuild  string
	// segs map Text to the source (see SrcOffset), less segShift: an
	// instruction Reparse moved shares them with the one it was moved
	// from. nil for an instruction of one line, whose text is the bytes
	// before contentEnd.
	segs     []shellparse.Segment
	segShift int
}

// Keyword is the instruction name as written: "RUN", "run", ...
func (ins *Instruction) Keyword() string {
	kw, _ := keyword(ins.Text)
	return kw
}

// Shell is the shell in effect for shell-form commands at this
// instruction (from SHELL in this stage or the stage it is built on); nil
// means the platform default, /bin/sh -c.
func (ins *Instruction) Shell() []string {
	if ins.shellFrom == nil {
		return nil
	}
	return ins.shellFrom.Args
}

// Heredocs are the here-documents attached to the instruction, in order.
func (ins *Instruction) Heredocs() []Heredoc {
	if ins.rare == nil {
		return nil
	}
	return ins.rare.heredocs
}

// Comments are the comment lines directly above the instruction, as
// buildkit reports them.
func (ins *Instruction) Comments() []string {
	if ins.rare == nil {
		return nil
	}
	return ins.rare.comments
}

// Onbuild is the wrapped instruction name of an ONBUILD ("run", ...), or "".
func (ins *Instruction) Onbuild() string {
	if ins.rare == nil {
		return ""
	}
	return ins.rare.onbuild
}

// more returns ins.rare, made when there is none.
func (ins *Instruction) more() *rareFields {
	if ins.rare == nil {
		ins.rare = &rareFields{}
	}
	return ins.rare
}

type cached struct {
	key string
	v   any
}

// Cached returns the value computed by f for key, computing it once per
// instruction: passes use it to share work that depends only on the
// instruction, such as parsing a RUN's shell. Safe for concurrent use.
func (ins *Instruction) Cached(key string, f func() any) any {
	ins.mu.Lock()
	v, ok := ins.lookup(key)
	ins.mu.Unlock()
	if ok {
		return v
	}
	// f runs without the lock: it may use Cached for other keys of the
	// same instruction. Two concurrent callers may both compute; the
	// first value stored wins.
	v = f()
	ins.mu.Lock()
	defer ins.mu.Unlock()
	if old, ok := ins.lookup(key); ok {
		return old
	}
	// One entry more, not twice as many: a large file's instructions hold
	// their caches while the passes run, and most keep a few keys.
	c := make([]cached, len(ins.cache)+1)
	copy(c, ins.cache)
	c[len(ins.cache)] = cached{key, v}
	ins.cache = c
	return v
}

// TextCached is Cached for a value that depends on nothing but the
// instruction's text and here-documents (a syntax tree of its shell): an
// instruction that Reparse moves, unchanged, to the next round's document
// takes the value along, so that what did not change is not computed
// again. The value must not refer to the instruction or to its offsets in
// the source.
func (ins *Instruction) TextCached(key string, f func() any) any {
	return ins.Cached(textKey+key, f)
}

// textKey marks the keys of TextCached.
const textKey = "text:"

// textValues returns the values TextCached stored.
func (ins *Instruction) textValues() []cached {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	var out []cached
	for _, c := range ins.cache {
		if strings.HasPrefix(c.key, textKey) {
			out = append(out, c)
		}
	}
	return out
}

// CachedValue returns the value Cached stored for key, if any, without
// computing it.
func (ins *Instruction) CachedValue(key string) (any, bool) {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return ins.lookup(key)
}

// CachedPart is CachedValue for the key prefix+name, without making the
// key: for lookups on a hot path whose keys are built from parts.
func (ins *Instruction) CachedPart(prefix, name string) (any, bool) {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	for _, c := range ins.cache {
		if len(c.key) == len(prefix)+len(name) && c.key[:len(prefix)] == prefix && c.key[len(prefix):] == name {
			return c.v, true
		}
	}
	return nil, false
}

func (ins *Instruction) lookup(key string) (any, bool) {
	for _, c := range ins.cache {
		if c.key == key {
			return c.v, true
		}
	}
	return nil, false
}

// Stage is a build stage: a FROM instruction and what follows it.
type Stage struct {
	Index        int
	Name         string // lowercase name from `AS name`, or ""
	Base         string // the image or stage named in FROM, as written
	From         *Instruction
	Instructions []*Instruction // from the FROM on
	// Parent is the earlier stage this one is built FROM, if any.
	Parent *Stage
	// Platform is FROM's --platform flag value, if any.
	Platform string
}

// ParseError is a Dockerfile that cannot be parsed. It prints as
// NAME:LINE: message (with :COL when the column is known).
type ParseError struct {
	Name string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 0 when unknown
	Msg  string
}

func (e *ParseError) Error() string {
	name := e.Name
	if name == "" {
		name = "Dockerfile"
	}
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", name, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", name, e.Msg)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse parses src. name is used in error messages. A *ParseError is returned
// for input that buildkit would reject.
//
// Any byte that buildkit accepts is accepted, NUL bytes included (a comment
// may hold anything). Input that buildkit rejects and that holds a NUL byte
// outside comment lines is reported as not a text file, on the line of
// that byte.
//
// A small file parsed again with the same name and bytes (the passes read
// the other Dockerfiles of a build context, for every Dockerfile in it)
// gives the same *Document, from a bounded cache: a Document is never
// modified after Parse. Its Src is then dfopt's own copy of src.
func Parse(name string, src []byte) (*Document, error) {
	if len(src) > cacheMaxFile {
		return parse(name, src)
	}
	key := name + "\x00" + string(src)
	if d := parsed.get(key); d != nil {
		return d, nil
	}
	d, err := parse(name, []byte(key[len(name)+1:]))
	if err == nil {
		parsed.put(key, d)
	}
	return d, err
}

func parse(name string, src []byte) (doc *Document, err error) {
	defer func() {
		// buildkit's parser is not ours; no input may crash the caller.
		if r := recover(); r != nil {
			doc, err = nil, &ParseError{Name: name, Msg: fmt.Sprintf("cannot parse: %v", r)}
		}
		if err != nil {
			if line := binaryLine(src); line > 0 {
				err = &ParseError{Name: name, Line: line, Msg: "not a text file (NUL byte)"}
			}
		}
	}()
	d := &Document{Name: name, Src: src, Escape: '\\'}
	d.indexLines()
	d.BOM = bytes.HasPrefix(src, bom)

	if len(src) <= parseWindowSize || !d.parseInWindows() {
		d.Escape, d.Instructions = '\\', nil
		res, perr := parser.Parse(bytes.NewReader(src))
		if perr != nil {
			return nil, toParseError(name, perr)
		}
		d.Escape = byte(res.EscapeToken)
		for _, n := range res.AST.Children {
			ins, err := d.instruction(n, 0)
			if err != nil {
				return nil, err
			}
			ins.Index = len(d.Instructions)
			d.Instructions = append(d.Instructions, ins)
		}
	}
	if err := d.readDirectives(); err != nil {
		return nil, err
	}
	d.CRLF = bytes.Count(src, []byte("\r\n"))*2 > bytes.Count(src, []byte("\n"))
	if err := d.buildStages(); err != nil {
		return nil, err
	}
	d.contIndent.s, d.contIndent.ok = d.continuationIndent(d.Instructions)
	return d, nil
}

// parseWindowSize is how much of a large file Parse hands buildkit's
// parser at once. The parser makes a syntax tree of all it is given, which
// takes some five times the source in memory besides the instructions made
// from it: read in windows, a file's tree is never all held at once.
var parseWindowSize = 64 << 10

// parseInWindows sets d.Escape and d.Instructions from parses of windows
// of d.Src, about parseWindowSize bytes each, and reports whether it
// could. Each window but the first starts where the last instruction
// taken ended, after windowLead (see parseWindow), and so reads what
// follows as the parser of the whole file does; each window but the last
// ends at a line end, and its last instruction, which may go on past it,
// is left to the next window. A window without an instruction that ends
// in it is made larger. When a window does not parse, parseInWindows
// reports false, and Parse parses the whole file: so a file that does not
// parse gets the error of the whole file.
func (d *Document) parseInWindows() bool {
	start, size := 0, parseWindowSize
	for {
		end := start + size
		if end < len(d.Src) {
			end = d.LineEnd(d.LineOf(end))
		} else {
			end = len(d.Src)
		}
		final := end == len(d.Src)
		var (
			nodes []*parser.Node
			dl    int
			ok    bool
		)
		if start == 0 {
			res, err := parseSafely(bytes.NewReader(d.Src[:end]))
			if ok = err == nil; ok {
				d.Escape, nodes = byte(res.EscapeToken), res.AST.Children
			}
		} else {
			nodes, dl, ok = d.parseWindow(start, end)
		}
		if !ok {
			if final {
				return false
			}
			size *= 2
			continue
		}
		if !final {
			if len(nodes) < 2 {
				// The window must reach past the end of the instruction
				// that does not end in it (here-document bodies are left
				// to the doubling), without parsing that instruction again
				// at every size on the way.
				size *= 2
				if len(nodes) == 1 {
					e := shellparse.LogicalEnd(d.Src, d.LineStart(nodes[0].StartLine+dl), d.Escape)
					size = max(size, e+parseWindowSize-start)
				}
				continue
			}
			nodes = nodes[:len(nodes)-1]
		}
		for _, n := range nodes {
			ins, err := d.instruction(n, dl)
			if err != nil {
				return false
			}
			ins.Index = len(d.Instructions)
			d.Instructions = append(d.Instructions, ins)
		}
		if final {
			return true
		}
		start, size = d.Instructions[len(d.Instructions)-1].Span.End, parseWindowSize
	}
}

// binaryLine returns the 1-based line of the first NUL byte of src that is
// not on a comment line (one whose first non-blank byte is #), or 0.
func binaryLine(src []byte) int {
	if bytes.IndexByte(src, 0) < 0 {
		return 0
	}
	rest := bytes.TrimPrefix(src, bom)
	for line := 1; len(rest) > 0; line++ {
		l := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.IndexByte(l, 0) < 0 {
			continue
		}
		if t := bytes.TrimLeft(l, " \t\r\v\f"); len(t) == 0 || t[0] != '#' {
			return line
		}
	}
	return 0
}

func toParseError(name string, err error) *ParseError {
	pe := &ParseError{Name: name, Msg: err.Error()}
	var le *parser.LocationError
	if errors.As(err, &le) {
		pe.Msg = le.Unwrap().Error()
		if len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
			r := le.Locations[0][0]
			pe.Line = r.Start.Line
			if r.Start.Character > 0 {
				pe.Col = r.Start.Character
			}
		}
	}
	if pe.Line == 0 {
		pe.Line = 1
	}
	pe.Msg = lowerFirst(strings.TrimPrefix(pe.Msg, "dockerfile parse error: "))
	return pe
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[1]) {
		return s // an acronym such as "RUN requires ..."
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func (d *Document) indexLines() {
	d.lineStarts = append(d.lineStarts[:0], 0)
	for i, b := range d.Src {
		if b == '\n' && i+1 < len(d.Src) {
			d.lineStarts = append(d.lineStarts, i+1)
		}
	}
}

// LineCount is the number of lines in the source.
func (d *Document) LineCount() int { return len(d.lineStarts) }

// LineStart is the offset of the first byte of 1-based line n (after the
// byte-order mark on line 1). Lines past the end give len(Src).
func (d *Document) LineStart(n int) int {
	if n < 1 {
		n = 1
	}
	if n > len(d.lineStarts) {
		return len(d.Src)
	}
	off := d.lineStarts[n-1]
	if n == 1 && d.BOM {
		off = len(bom)
	}
	return off
}

// LineEnd is the offset just after the line ending of 1-based line n.
func (d *Document) LineEnd(n int) int {
	if n >= len(d.lineStarts) {
		return len(d.Src)
	}
	return d.lineStarts[n]
}

// Line returns the bytes of 1-based line n, including its line ending.
func (d *Document) Line(n int) []byte { return d.Src[d.LineStart(n):d.LineEnd(n)] }

// LineOf returns the 1-based line that holds offset off.
func (d *Document) LineOf(off int) int { return d.Lines().LineOf(off) }

// Position returns the 1-based line and column (in bytes) of offset off.
func (d *Document) Position(off int) (line, col int) { return d.Lines().Position(off) }

// Lines is the line index of a document's source: what LineOf and Position
// need, without the rest of the document (and what passes computed on its
// instructions), for a caller that keeps it longer.
type Lines struct{ starts []int }

// Lines returns the document's line index.
func (d *Document) Lines() Lines { return Lines{d.lineStarts} }

// LineOf returns the 1-based line that holds offset off.
func (l Lines) LineOf(off int) int {
	lo, hi := 0, len(l.starts)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if l.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// Position returns the 1-based line and column (in bytes) of offset off.
func (l Lines) Position(off int) (line, col int) {
	line = l.LineOf(off)
	return line, off - l.starts[line-1] + 1
}

func (d *Document) readDirectives() error {
	var dp parser.DirectiveParser
	src := d.Src
	if d.BOM {
		src = src[len(bom):]
	}
	dirs, err := dp.ParseAll(src)
	if err != nil {
		return &ParseError{Name: d.Name, Line: 1, Msg: lowerFirst(err.Error())}
	}
	for _, dir := range dirs {
		line := 0
		if len(dir.Location) > 0 {
			line = dir.Location[0].Start.Line
		}
		d.Directives = append(d.Directives, Directive{
			Name: dir.Name, Value: dir.Value, Line: line,
			Span: Span{d.LineStart(line), d.LineEnd(line)},
		})
	}
	return nil
}

// Directive returns the value of parser directive name ("syntax", "escape", "check").
func (d *Document) Directive(name string) (string, bool) {
	for _, dir := range d.Directives {
		if dir.Name == name {
			return dir.Value, true
		}
	}
	return "", false
}

// quietLinter is the linter BuildKit's instructions package is given: it
// reports nothing. (Given none, as instructions.ParseInstruction does,
// BuildKit dereferences it when a comment above the instruction is a
// "# check=" line, and the parse panics on a file BuildKit builds.) It is
// only read: a linter that cannot warn records nothing, and the
// configuration a check comment gives is merged into a copy.
var quietLinter = sync.OnceValue(func() *linter.Linter { return linter.New(&linter.Config{}) })

// instruction returns the instruction of node n, which buildkit's parser
// gave for d.Src (dl is 0) or for a window of it whose line 1 is line dl+1
// of d.Src (see parseWindow).
func (d *Document) instruction(n *parser.Node, dl int) (*Instruction, error) {
	ins := &Instruction{
		Cmd:       lowerCmd(n.Value),
		Flags:     n.Flags,
		StartLine: n.StartLine + dl,
		EndLine:   n.EndLine + dl,
		JSON:      n.Attributes["json"],
	}
	if len(n.PrevComment) > 0 {
		ins.more().comments = n.PrevComment
	}
	for a := n.Next; a != nil; a = a.Next {
		ins.Args = append(ins.Args, a.Value)
	}
	if ins.Cmd == "onbuild" && n.Next != nil && len(n.Next.Children) > 0 {
		sub := n.Next.Children[0]
		ins.more().onbuild = lowerCmd(sub.Value)
		ins.Args = nil
		for a := sub.Next; a != nil; a = a.Next {
			ins.Args = append(ins.Args, a.Value)
		}
		ins.Flags = sub.Flags
		ins.JSON = sub.Attributes["json"]
	}
	if _, err := instructions.ParseInstructionWithLinter(n, quietLinter()); err != nil {
		return nil, &ParseError{Name: d.Name, Line: ins.StartLine, Msg: instructionError(ins, err)}
	}

	start := d.LineStart(ins.StartLine)
	// The text is buildkit's, which the arguments share: not a copy.
	lg, ok := shellparse.JoinLinesAs(d.Src, start, d.Escape, n.Original)
	if !ok {
		// The byte map would be wrong; refuse rather than risk an edit in
		// the wrong place.
		return nil, &ParseError{Name: d.Name, Line: ins.StartLine,
			Msg: "cannot map instruction to its source bytes (unsupported line structure)"}
	}
	ins.Text, ins.TextEnd = lg.Text, lg.End
	ins.contentEnd = lg.ContentEnd
	if one := (shellparse.Segment{Text: 0, Src: lg.ContentEnd - len(lg.Text)}); len(lg.Segments) > 1 ||
		len(lg.Segments) == 1 && lg.Segments[0] != one {
		ins.more().segs = lg.Segments
	}
	ins.Span = Span{start, d.LineEnd(ins.EndLine)}
	if ins.Span.End < ins.TextEnd {
		ins.Span.End = ins.TextEnd
	}
	_, ins.ArgsOffset = splitKeyword(lg.Text, d.Escape)

	if len(n.Heredocs) > 0 {
		line := d.LineOf(ins.TextEnd) // first body line
		for _, h := range n.Heredocs {
			body := Heredoc{Name: h.Name, Expand: h.Expand, Chomp: h.Chomp, Content: h.Content}
			bodyStart := d.LineStart(line)
			// find the terminator line
			term := line
			for ; term <= ins.EndLine; term++ {
				l := bytes.TrimRight(d.Line(term), "\r\n")
				if h.Chomp {
					l = bytes.TrimLeft(l, "\t")
				}
				if string(l) == h.Name {
					break
				}
			}
			body.Body = Span{bodyStart, d.LineStart(term)}
			r := ins.more()
			r.heredocs = append(r.heredocs, body)
			line = term + 1
		}
	}
	return ins, nil
}

// lowerCmd is strings.ToLower of an instruction name, without a copy for
// the names buildkit knows.
func lowerCmd(name string) string {
	lower := strings.ToLower(name)
	if c, ok := commandNames[lower]; ok {
		return c
	}
	return lower
}

// commandNames are the instruction names buildkit knows, lowercase.
var commandNames = func() map[string]string {
	m := map[string]string{}
	for _, c := range []string{"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
		"healthcheck", "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user",
		"volume", "workdir"} {
		m[c] = c
	}
	return m
}()

// instructionError is the message of err, BuildKit's error about the
// instruction ins, without its location (a ParseError gives the line) and
// with a suggestion that does not change from run to run.
func instructionError(ins *Instruction, err error) string {
	var le *parser.LocationError
	if errors.As(err, &le) {
		err = le.Unwrap()
	}
	return lowerFirst(suggestionText(ins.Cmd, err))
}

// splitKeyword returns the instruction keyword as written and the offset in
// text where the arguments begin, after builder flags, mirroring buildkit.
func splitKeyword(text string, esc byte) (string, int) {
	kw, i := keyword(text)
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	return kw, i + flagsLen(text[i:], esc)
}

// keyword returns the instruction keyword of text and the offset just
// after it.
func keyword(text string) (string, int) {
	lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	i := lead
	for i < len(text) && !isBlank(text[i]) {
		i++
	}
	return text[lead:i], i
}

// isBlank matches buildkit's reWhitespace, `[\t\v\f\r ]+`.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}

// flagsLen is the length of the leading `--flag` words of line, as
// buildkit's extractBuilderFlags consumes them (a bare "--" ends the flags and is
// consumed too).
func flagsLen(line string, esc byte) int {
	const (
		inSpaces = iota
		inWord
		inQuote
	)
	phase := inSpaces
	var quote byte
	wordStart := 0
	for pos := 0; pos < len(line); pos++ {
		ch := line[pos]
		switch phase {
		case inSpaces:
			if unicode.IsSpace(rune(ch)) {
				continue
			}
			if ch != '-' || pos+1 == len(line) || line[pos+1] != '-' {
				return pos
			}
			phase, wordStart = inWord, pos
			fallthrough
		case inWord:
			switch {
			case unicode.IsSpace(rune(ch)):
				phase = inSpaces
				if line[wordStart:pos] == "--" {
					return pos
				}
			case ch == '\'' || ch == '"':
				quote, phase = ch, inQuote
			case ch == esc:
				pos++
			}
		case inQuote:
			switch ch {
			case quote:
				phase = inWord
			case esc:
				pos++
			}
		}
	}
	return len(line)
}

func (d *Document) buildStages() error {
	var cur *Stage
	var shell *Instruction // the SHELL in effect
	byName := map[string]*Stage{}
	for _, ins := range d.Instructions {
		if ins.Cmd == "from" {
			st := &Stage{Index: len(d.Stages), From: ins}
			words := ins.Args
			if len(words) > 0 {
				st.Base = words[0]
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				st.Name = strings.ToLower(words[2])
			}
			for _, f := range ins.Flags {
				if v, ok := strings.CutPrefix(f, "--platform="); ok {
					st.Platform = v
				}
			}
			shell = nil
			if p, ok := byName[strings.ToLower(st.Base)]; ok {
				st.Parent = p
				shell = p.finalShell()
			}
			if st.Name != "" {
				byName[st.Name] = st
			}
			d.Stages = append(d.Stages, st)
			cur = st
		} else if cur == nil && ins.Cmd != "arg" {
			return &ParseError{Name: d.Name, Line: ins.StartLine,
				Msg: fmt.Sprintf("%s before the first FROM (only ARG may come before FROM)", strings.ToUpper(ins.Cmd))}
		}
		if cur != nil {
			if ins.Cmd == "shell" && ins.JSON {
				shell = ins
			}
			ins.Stage = cur
			ins.shellFrom = shell
			cur.Instructions = append(cur.Instructions, ins)
		}
	}
	return nil
}

func (s *Stage) finalShell() *Instruction {
	if len(s.Instructions) == 0 {
		return nil
	}
	return s.Instructions[len(s.Instructions)-1].shellFrom
}

// ShellArgs returns the shell program of a shell-form RUN, CMD or ENTRYPOINT
// (the text after keyword and flags) and its offset in Text.
func (ins *Instruction) ShellArgs() (string, int) {
	return ins.Text[ins.ArgsOffset:], ins.ArgsOffset
}

// ContentEnd is the source offset just after the instruction's last byte of
// text, before the line ending of its last command line.
func (ins *Instruction) ContentEnd() int { return ins.contentEnd }

// segs returns the segments that map Text to the source, and the shift to
// add to their offsets.
func (ins *Instruction) segs(one *[1]shellparse.Segment) ([]shellparse.Segment, int) {
	if ins.rare != nil && ins.rare.segs != nil {
		return ins.rare.segs, ins.rare.segShift
	}
	if len(ins.Text) == 0 {
		return nil, 0
	}
	one[0] = shellparse.Segment{Text: 0, Src: ins.contentEnd - len(ins.Text)}
	return one[:], 0
}

// SrcOffset maps an offset in Text to an offset in the document source: that
// of the byte at textOff, or ContentEnd for an offset at or past the end of
// Text.
func (ins *Instruction) SrcOffset(textOff int) int {
	var one [1]shellparse.Segment
	segs, shift := ins.segs(&one)
	return shellparse.SrcOffset(segs, ins.contentEnd-shift, len(ins.Text), textOff) + shift
}

// TextIndex maps a source offset back to Text: the index of the byte at
// srcOff, or -1 when that byte is not part of Text (a line continuation, a
// comment line inside the instruction, a line ending).
func (ins *Instruction) TextIndex(srcOff int) int {
	var one [1]shellparse.Segment
	segs, shift := ins.segs(&one)
	return shellparse.TextIndex(segs, len(ins.Text), srcOff-shift)
}

// Is reports whether the instruction is the named one (case-insensitive).
func (ins *Instruction) Is(cmd string) bool { return ins.Cmd == cmd }

// POSIXShell reports whether shell-form commands of this instruction run in a
// POSIX shell (sh, bash, dash, ash, ksh, zsh, busybox sh), so that passes which
// read the shell may act on them. Windows stages and PowerShell or cmd SHELLs
// are not.
func (ins *Instruction) POSIXShell() bool {
	if ins.Stage != nil && ins.Stage.Windows() {
		return false
	}
	sh := ins.Shell()
	if len(sh) == 0 {
		return true
	}
	exe := strings.ToLower(sh[0])
	if i := strings.LastIndexAny(exe, `/\`); i >= 0 {
		exe = exe[i+1:]
	}
	if exe == "busybox" {
		return len(sh) > 1 && (sh[1] == "sh" || sh[1] == "ash")
	}
	return IsPOSIXShell(exe)
}

// Windows reports whether the stage (or the stage it derives from) is based
// on a Windows image.
func (s *Stage) Windows() bool {
	for st := s; st != nil; st = st.Parent {
		base := strings.ToLower(st.Base)
		for _, w := range []string{"windows", "nanoserver", "servercore"} {
			if strings.Contains(base, w) {
				return true
			}
		}
		if st.Platform != "" && strings.HasPrefix(strings.ToLower(st.Platform), "windows") {
			return true
		}
	}
	return false
}
