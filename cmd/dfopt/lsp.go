package main

// dfopt lsp: a Language Server Protocol server on standard input and output.
//
// It publishes the findings of an open Dockerfile as diagnostics (on open,
// change and save; the pass is the code, linked to its page under
// docs/passes/), formats (textDocument/formatting gives the edits that turn
// the document into what dfopt prints for it; range formatting applies the
// fixes that lie in the range), and offers a code action per fixable finding
// plus "apply all safe fixes" (kind source.fixAll.dfopt). A document that
// does not parse gets one diagnostic at the line of the error, and
// formatting returns no edits.
//
// Passes and settings come, from weakest to strongest, from the project's
// .dfopt.yaml (found from the document's directory, read again on every
// run, so edits to it apply at once), the flags given to `dfopt lsp`, and
// the editor's settings (initializationOptions and
// workspace/didChangeConfiguration: {"level": ..., "enable": [...],
// "disable": [...], "settings": {...}}, or the same object under "dfopt").
//
// The JSON-RPC connection and the protocol types are internal/lsp: the few
// messages served here do not justify linking a general LSP implementation
// into every dfopt process, most of which format one file (see that
// package). Messages are served one at a time, in the order they arrive.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dfopt/dfopt/analysis"
	dfconfig "github.com/dfopt/dfopt/config"
	"github.com/dfopt/dfopt/internal/lsp"
	"github.com/dfopt/dfopt/internal/udiff"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

const lspUsage = `usage: dfopt lsp [flags]

Serves the Language Server Protocol on standard input and output: diagnostics
from findings, formatting (what dfopt prints for the file), code actions.

Flags (as for dfopt; the editor's settings override them):
  --level=LEVEL, --enable=LIST, --disable=LIST, --init=NAME
  --config=FILE, --no-config
`

// fixAllKind is the code action kind of "apply all safe fixes".
const fixAllKind lsp.CodeActionKind = "source.fixAll.dfopt"

func runLSP(args []string, stdin io.Reader, stdout, stderr io.Writer, all []*analysis.Pass) int {
	cfg, err := parseArgs(args)
	if err == nil && len(cfg.paths) > 0 {
		err = fmt.Errorf("unexpected argument %q", cfg.paths[0])
	}
	if err == nil && cfg.help {
		io.WriteString(stdout, lspUsage)
		return exitOK
	}
	if err == nil {
		err = cfg.resolve(all)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dfopt lsp: %v\n", err)
		return exitError
	}
	s := &lspServer{cfg: cfg, all: all, docs: map[lsp.DocumentURI]*lspDoc{}, stderr: stderr}
	if s.all == nil {
		s.all = passes.All()
	}
	s.conn = lsp.NewConn(stdin, stdout)
	// Serve returns at the exit notification, at the end of the input, or
	// when the stream breaks (a malformed header, a failed write); which of
	// them it was does not change the status, nor is it reported: the
	// client has gone either way.
	s.conn.Serve(context.Background(), s.handle)
	if c, ok := stdin.(io.Closer); ok {
		// Ends the connection's reading of a stream that is still open
		// after exit (a pipe, when the server runs in a test).
		c.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return exitOK
	}
	return 1 // exit without shutdown, or the client went away
}

type lspServer struct {
	cfg    *config
	all    []*analysis.Pass
	stderr io.Writer
	conn   *lsp.Conn

	mu          sync.Mutex
	docs        map[lsp.DocumentURI]*lspDoc
	utf8        bool        // positions count bytes (else UTF-16 code units)
	editor      lspSettings // the editor's settings
	shutdown    bool        // shutdown was requested
	settingsErr error       // the initializationOptions were refused
}

// handle serves one request or notification. Requests that are not served
// here are answered "method not found"; notifications that are not handled
// ($/setTrace, workspace/didChangeWatchedFiles, ...) are dropped. The order
// of the lifecycle is not enforced: a request before initialize or after
// shutdown is served as any other.
func (s *lspServer) handle(_ context.Context, req *lsp.Request) (any, error) {
	switch req.Method {
	case "initialize":
		return serveRequest(req, s.Initialize)
	case "initialized":
		s.Initialized()
		return nil, nil
	case "shutdown":
		s.Shutdown()
		return nil, nil
	case "exit":
		return nil, lsp.ErrStop
	case "textDocument/didOpen":
		return serveNotification(req, s.DidOpen)
	case "textDocument/didChange":
		return serveNotification(req, s.DidChange)
	case "textDocument/didSave":
		return serveNotification(req, s.DidSave)
	case "textDocument/didClose":
		return serveNotification(req, s.DidClose)
	case "workspace/didChangeConfiguration":
		return serveNotification(req, s.DidChangeConfiguration)
	case "textDocument/formatting":
		return serveRequest(req, s.Formatting)
	case "textDocument/rangeFormatting":
		return serveRequest(req, s.RangeFormatting)
	case "textDocument/codeAction":
		return serveRequest(req, s.CodeAction)
	}
	return nil, lsp.MethodNotFound(req.Method)
}

// serveRequest decodes a request's params and serves it with f.
func serveRequest[P, R any](req *lsp.Request, f func(*P) (R, error)) (any, error) {
	var p P
	if err := req.UnmarshalParams(&p); err != nil {
		return nil, err
	}
	return f(&p)
}

// serveNotification decodes a notification's params and handles it with f.
func serveNotification[P any](req *lsp.Request, f func(*P) error) (any, error) {
	var p P
	if err := req.UnmarshalParams(&p); err != nil {
		return nil, err
	}
	return nil, f(&p)
}

type lspDoc struct {
	text    []byte
	version int32
}

// lspSettings are the editor's settings.
type lspSettings struct {
	Level    string            `json:"level"`
	Enable   []string          `json:"enable"`
	Disable  []string          `json:"disable"`
	Settings map[string]string `json:"settings"`
}

func (s *lspServer) Initialize(p *lsp.InitializeParams) (*lsp.InitializeResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := lsp.UTF16
	if g := p.Capabilities.General; g != nil && slices.Contains(g.PositionEncodings, lsp.UTF8) {
		enc, s.utf8 = lsp.UTF8, true
	}
	if len(p.InitializationOptions) > 0 {
		if err := s.setSettings(p.InitializationOptions); err != nil {
			// Not fatal: the server runs with the file's settings.
			s.settingsErr = err
		}
	}
	return &lsp.InitializeResult{
		Capabilities: lsp.ServerCapabilities{
			PositionEncoding:                enc,
			TextDocumentSync:                &lsp.TextDocumentSyncOptions{OpenClose: true, Change: lsp.SyncIncremental},
			CodeActionProvider:              &lsp.CodeActionOptions{CodeActionKinds: []lsp.CodeActionKind{lsp.QuickFix, fixAllKind}},
			DocumentFormattingProvider:      true,
			DocumentRangeFormattingProvider: true,
		},
		ServerInfo: &lsp.ServerInfo{Name: "dfopt", Version: version()},
	}, nil
}

func (s *lspServer) Initialized() {
	s.mu.Lock()
	err := s.settingsErr
	s.mu.Unlock()
	if err != nil {
		s.settingsError(err)
	}
}

// settingsError tells the user that the editor's settings were refused
// (they stay as they were).
func (s *lspServer) settingsError(err error) {
	fmt.Fprintf(s.stderr, "dfopt lsp: settings: %v\n", err)
	s.conn.Notify("window/showMessage", &lsp.ShowMessageParams{Type: lsp.MessageError,
		Message: "dfopt: settings ignored: " + err.Error()})
}

func (s *lspServer) Shutdown() {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
}

func (s *lspServer) DidOpen(p *lsp.DidOpenTextDocumentParams) error {
	s.mu.Lock()
	s.docs[p.TextDocument.URI] = &lspDoc{text: []byte(p.TextDocument.Text), version: p.TextDocument.Version}
	s.mu.Unlock()
	return s.publish(p.TextDocument.URI)
}

func (s *lspServer) DidChange(p *lsp.DidChangeTextDocumentParams) error {
	s.mu.Lock()
	d, ok := s.docs[p.TextDocument.URI]
	if !ok {
		s.mu.Unlock()
		return nil
	}
	for _, ch := range p.ContentChanges {
		if ch.Range == nil {
			d.text = []byte(ch.Text)
			continue
		}
		start, end := s.offset(d.text, ch.Range.Start), s.offset(d.text, ch.Range.End)
		if end < start {
			start, end = end, start
		}
		d.text = slices.Concat(d.text[:start], []byte(ch.Text), d.text[end:])
	}
	d.version = p.TextDocument.Version
	s.mu.Unlock()
	return s.publish(p.TextDocument.URI)
}

func (s *lspServer) DidSave(p *lsp.DidSaveTextDocumentParams) error {
	// The build context may have changed with the file (a .dockerignore
	// written by a fix): run again.
	return s.publish(p.TextDocument.URI)
}

func (s *lspServer) DidClose(p *lsp.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	return s.conn.Notify("textDocument/publishDiagnostics", &lsp.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []lsp.Diagnostic{}})
}

func (s *lspServer) DidChangeConfiguration(p *lsp.DidChangeConfigurationParams) error {
	s.mu.Lock()
	err := s.setSettings(p.Settings)
	var open []lsp.DocumentURI
	for u := range s.docs {
		open = append(open, u)
	}
	s.mu.Unlock()
	if err != nil {
		s.settingsError(err)
	}
	slices.Sort(open)
	for _, u := range open {
		if err := s.publish(u); err != nil {
			return err
		}
	}
	return nil
}

// setSettings reads the editor's settings: the dfopt object, or an object
// holding it under "dfopt". Unknown passes and values are errors; the
// settings are then left as they were. s.mu is held.
func (s *lspServer) setSettings(raw []byte) error {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(raw, &outer); err != nil {
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil
		}
		return err
	}
	if inner, ok := outer["dfopt"]; ok {
		raw = inner
	}
	var st lspSettings
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return err
	}
	if _, err := st.selection(); err != nil {
		return err
	}
	s.editor = st
	return nil
}

// selection checks the editor's settings and turns them into a selection.
func (st lspSettings) selection() (dfconfig.Selection, error) {
	var sel dfconfig.Selection
	if st.Level != "" {
		t, err := analysis.ParseTier(st.Level)
		if err != nil {
			return sel, err
		}
		sel.Level = t
	}
	for _, n := range slices.Concat(st.Enable, st.Disable) {
		if passes.Lookup(n) == nil {
			return sel, fmt.Errorf("unknown pass %q", n)
		}
	}
	sel.Enable, sel.Disable = st.Enable, st.Disable
	for k, v := range st.Settings {
		found := false
		for _, known := range dfconfig.Settings {
			if known.Name == k {
				found = true
				if err := known.Check(v); err != nil {
					return sel, fmt.Errorf("setting %s: bad value %q: %v", k, v, err)
				}
			}
		}
		if !found {
			return sel, fmt.Errorf("unknown setting %q", k)
		}
	}
	sel.Settings = st.Settings
	return sel, nil
}

// lspRun is one run of the optimizer over an open document.
type lspRun struct {
	uri  lsp.DocumentURI
	text []byte
	res  *optimizer.Result // nil on error
	err  error
	opts optimizer.Options
}

// path is the document's file name, or "" for a document that is not a file.
func lspPath(u lsp.DocumentURI) string {
	path, _ := u.FilePath()
	return path
}

// options are the optimizer options for a document: the project's
// configuration file, the flags of dfopt lsp, the editor's settings.
func (s *lspServer) options(path string) (optimizer.Options, error) {
	s.mu.Lock()
	editor := s.editor
	s.mu.Unlock()
	var sel dfconfig.Selection
	if path != "" && !s.cfg.noConfig {
		cf := s.cfg.explicit
		if cf == nil {
			// Found and read again each time: edits to it apply at once.
			found, err := dfconfig.Find(filepath.Dir(path))
			if err == nil && found != "" {
				cf, err = dfconfig.Load(found)
			}
			if err != nil {
				return optimizer.Options{}, err
			}
		}
		if cf != nil {
			sel = cf.For(path)
		}
	}
	esel, err := editor.selection()
	if err != nil {
		return optimizer.Options{}, err
	}
	base := s.cfg.opts
	if esel.Level != 0 {
		sel.Level = esel.Level
		base.Level = 0 // the editor's level wins over the flag's
	}
	sel = sel.With(dfconfig.Selection{Enable: esel.Enable, Disable: esel.Disable, Settings: esel.Settings})
	opts := combine(base, s.cfg.enable.set, sel)
	opts.Filename = "Dockerfile"
	if path != "" {
		opts.Filename = path
		opts.ContextDir = filepath.Dir(path)
	}
	return opts, nil
}

// run optimizes the open document u (nil when it is not open).
func (s *lspServer) run(u lsp.DocumentURI) *lspRun {
	s.mu.Lock()
	d, ok := s.docs[u]
	var text []byte
	if ok {
		text = slices.Clone(d.text)
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	r := &lspRun{uri: u, text: text}
	r.opts, r.err = s.options(lspPath(u))
	if r.err == nil {
		r.res, r.err = safeOptimize(text, r.opts)
	}
	return r
}

func safeOptimize(src []byte, opts optimizer.Options) (res *optimizer.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%s: internal error: %v", opts.Filename, p)
		}
	}()
	return optimizer.Optimize(src, opts)
}

// publish sends the diagnostics of document u.
func (s *lspServer) publish(u lsp.DocumentURI) error {
	r := s.run(u)
	if r == nil {
		return nil
	}
	diags := []lsp.Diagnostic{}
	var pe *optimizer.ParseError
	switch {
	case errors.As(r.err, &pe):
		line := max(pe.Line, 1)
		start := lineStart(r.text, line)
		end := start + len(strings.TrimRight(strings.SplitN(string(r.text[start:]), "\n", 2)[0], "\r"))
		diags = append(diags, s.diagnostic(r.text, start, end, lsp.SeverityError, "", pe.Msg))
	case r.err != nil:
		diags = append(diags, s.diagnostic(r.text, 0, 0, lsp.SeverityError, "", r.err.Error()))
	default:
		for _, f := range r.res.Findings {
			diags = append(diags, s.findingDiagnostic(r, f))
		}
	}
	return s.conn.Notify("textDocument/publishDiagnostics", &lsp.PublishDiagnosticsParams{URI: u, Diagnostics: diags})
}

func (s *lspServer) findingDiagnostic(r *lspRun, f optimizer.Finding) lsp.Diagnostic {
	sev := lsp.SeverityWarning
	for _, p := range s.all {
		if p.Name == f.Pass && p.Tier == analysis.Format {
			sev = lsp.SeverityInformation
		}
	}
	return s.diagnostic(r.res.Input, f.Pos, f.End, sev, f.Pass, f.Message)
}

func (s *lspServer) diagnostic(text []byte, pos, end int, sev lsp.DiagnosticSeverity, pass, msg string) lsp.Diagnostic {
	d := lsp.Diagnostic{
		Range:    lsp.Range{Start: s.position(text, pos), End: s.position(text, end)},
		Severity: sev,
		Source:   "dfopt",
		Message:  msg,
	}
	if pass != "" {
		d.Code = pass
		d.CodeDescription = &lsp.CodeDescription{Href: passDocURL(pass)}
	}
	return d
}

func (s *lspServer) Formatting(p *lsp.DocumentFormattingParams) ([]lsp.TextEdit, error) {
	r := s.run(p.TextDocument.URI)
	if r == nil || r.err != nil {
		return []lsp.TextEdit{}, nil // nothing is formatted on an error
	}
	return s.textEdits(r.text, r.res.Output), nil
}

// textEdits are the line edits that turn text into out.
func (s *lspServer) textEdits(text, out []byte) []lsp.TextEdit {
	edits := []lsp.TextEdit{}
	for _, e := range udiff.Edits(text, out) {
		edits = append(edits, lsp.TextEdit{
			Range:   lsp.Range{Start: s.position(text, e.Start), End: s.position(text, e.End)},
			NewText: e.Text,
		})
	}
	return edits
}

// RangeFormatting applies the fixes whose edits all lie in the range (fixes
// that apply to the document as it is; see optimizer.Finding.Edits).
func (s *lspServer) RangeFormatting(p *lsp.DocumentRangeFormattingParams) ([]lsp.TextEdit, error) {
	r := s.run(p.TextDocument.URI)
	if r == nil || r.err != nil {
		return []lsp.TextEdit{}, nil
	}
	lo, hi := s.offset(r.text, p.Range.Start), s.offset(r.text, p.Range.End)
	var chosen []optimizer.Edit
	for _, f := range r.res.Findings {
		if !f.Fixed || len(f.Edits) == 0 || len(f.FileEdits) > 0 {
			continue
		}
		inside := true
		for _, e := range f.Edits {
			inside = inside && e.Pos >= lo && e.End <= hi
		}
		if inside && !overlaps(chosen, f.Edits) {
			chosen = append(chosen, f.Edits...)
		}
	}
	slices.SortFunc(chosen, func(a, b optimizer.Edit) int { return a.Pos - b.Pos })
	out := applyFix(r.text, chosen)
	if _, err := optimizer.Optimize(out, optimizer.Options{Enable: []string{"none"}}); err != nil {
		return []lsp.TextEdit{}, nil // never hand back a file that does not parse
	}
	return s.textEdits(r.text, out), nil
}

func overlaps(a, b []optimizer.Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Pos <= y.End && y.Pos <= x.End {
				return true
			}
		}
	}
	return false
}

func applyFix(src []byte, edits []optimizer.Edit) []byte {
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Pos]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, src[last:]...)
}

func (s *lspServer) CodeAction(p *lsp.CodeActionParams) ([]lsp.CodeAction, error) {
	actions := []lsp.CodeAction{}
	r := s.run(p.TextDocument.URI)
	if r == nil || r.err != nil {
		return actions, nil
	}
	want := func(kind lsp.CodeActionKind) bool {
		if len(p.Context.Only) == 0 {
			return true
		}
		for _, o := range p.Context.Only {
			if kind == o || strings.HasPrefix(string(kind), string(o)+".") {
				return true
			}
		}
		return false
	}
	lo, hi := s.offset(r.text, p.Range.Start), s.offset(r.text, p.Range.End)
	if want(lsp.QuickFix) {
		for _, f := range r.res.Findings {
			if !f.Fixed || len(f.Edits) == 0 || len(f.FileEdits) > 0 {
				continue // later-round fixes and fixes of other files: see "apply all"
			}
			if f.End < lo || f.Pos > hi {
				continue
			}
			var edits []lsp.TextEdit
			for _, e := range f.Edits {
				edits = append(edits, lsp.TextEdit{
					Range:   lsp.Range{Start: s.position(r.text, e.Pos), End: s.position(r.text, e.End)},
					NewText: e.NewText,
				})
			}
			actions = append(actions, lsp.CodeAction{
				Title:       fmt.Sprintf("%s (%s)", f.FixMessage, f.Pass),
				Kind:        lsp.QuickFix,
				Diagnostics: []lsp.Diagnostic{s.findingDiagnostic(r, f)},
				IsPreferred: true,
				Edit:        &lsp.WorkspaceEdit{Changes: map[lsp.DocumentURI][]lsp.TextEdit{r.uri: edits}},
			})
		}
	}
	if want(fixAllKind) {
		opts := safeOnly(r.opts, s.all)
		if res, err := safeOptimize(r.text, opts); err == nil && res.Changed() {
			actions = append(actions, lsp.CodeAction{
				Title: "apply all safe fixes (dfopt)",
				Kind:  fixAllKind,
				Edit:  &lsp.WorkspaceEdit{Changes: map[lsp.DocumentURI][]lsp.TextEdit{r.uri: s.textEdits(r.text, res.Output)}},
			})
		}
	}
	return actions, nil
}

// safeOnly keeps the passes of opts up to the safe tier.
func safeOnly(opts optimizer.Options, all []*analysis.Pass) optimizer.Options {
	sel, err := optimizer.Select(opts)
	if err != nil {
		return opts
	}
	names := []string{}
	for _, p := range sel {
		if p.Tier <= analysis.Safe {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	opts.Enable, opts.Disable, opts.Level = names, nil, 0
	return opts
}

// Positions. LSP lines are 0-based; characters count UTF-16 code units, or
// bytes when the client takes UTF-8.

func (s *lspServer) position(text []byte, off int) lsp.Position {
	off = min(max(off, 0), len(text))
	line := bytes.Count(text[:off], []byte{'\n'})
	start := bytes.LastIndexByte(text[:off], '\n') + 1
	return lsp.Position{Line: uint32(line), Character: uint32(s.units(text[start:off]))}
}

func (s *lspServer) units(b []byte) int {
	if s.utf8 {
		return len(b)
	}
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b) // an invalid byte is U+FFFD, one unit
		n += utf16.RuneLen(r)
		b = b[size:]
	}
	return n
}

// offset is the byte offset of a position (clamped to its line and the text).
func (s *lspServer) offset(text []byte, p lsp.Position) int {
	start := lineStart(text, int(p.Line)+1)
	if start >= len(text) {
		return len(text)
	}
	end := start + bytes.IndexByte(text[start:], '\n')
	if end < start {
		end = len(text)
	}
	line := text[start:end]
	want, n, i := int(p.Character), 0, 0
	for i < len(line) && n < want {
		r, size := utf8.DecodeRune(line[i:])
		if s.utf8 {
			n += size
		} else {
			n += utf16.RuneLen(r)
		}
		i += size
	}
	return start + i
}

// lineStart is the offset of 1-based line n (len(text) past the end).
func lineStart(text []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(text[off:], '\n')
		if j < 0 {
			return len(text)
		}
		off += j + 1
	}
	return off
}
