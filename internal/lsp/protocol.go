package lsp

import "encoding/json"

// The protocol types dfopt uses, from the LSP 3.17 specification. Each holds
// the fields dfopt reads or writes, under the specification's JSON names;
// optional fields are omitted when empty, required ones never are. Fields
// are in the specification's order, which is the order they are written in.
//
// Types that dfopt only receives leave out what it does not read. Notably
// CodeActionContext has no diagnostics: the client sends back diagnostics of
// every server there, whose codes may be numbers, and dfopt finds its own
// findings again rather than trusting them.

// DocumentURI is a document's URI as the client wrote it. It is kept as it
// is, never re-encoded, so that what the server sends back matches what the
// client holds; FilePath reads the path of a file: URI.
type DocumentURI string

// Position is a place in a document: a 0-based line and a column in the
// units of the position encoding agreed at initialization (UTF-16 code
// units unless the client offered UTF-8).
type Position struct {
	Line      uint32 `json:"line"`
	Character uint32 `json:"character"`
}

// Range is the text from Start up to End (exclusive).
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// TextEdit replaces a range of a document.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// TextDocumentIdentifier names a document.
type TextDocumentIdentifier struct {
	URI DocumentURI `json:"uri"`
}

// VersionedTextDocumentIdentifier names a version of a document.
type VersionedTextDocumentIdentifier struct {
	URI     DocumentURI `json:"uri"`
	Version int32       `json:"version"`
}

// TextDocumentItem is a document as the client opened it.
type TextDocumentItem struct {
	URI        DocumentURI `json:"uri"`
	LanguageID string      `json:"languageId"`
	Version    int32       `json:"version"`
	Text       string      `json:"text"`
}

// PositionEncodingKind names how Position.Character counts.
type PositionEncodingKind string

// The position encodings dfopt counts in. UTF-16 is the one every client
// supports.
const (
	UTF8  PositionEncodingKind = "utf-8"
	UTF16 PositionEncodingKind = "utf-16"
)

// InitializeParams are the params of initialize.
type InitializeParams struct {
	Capabilities ClientCapabilities `json:"capabilities"`
	// InitializationOptions are the server's settings as the client's
	// configuration gives them, as they came.
	InitializationOptions json.RawMessage `json:"initializationOptions,omitempty"`
}

// ClientCapabilities are what the client can do.
type ClientCapabilities struct {
	General *GeneralClientCapabilities `json:"general,omitempty"`
}

// GeneralClientCapabilities are the client's capabilities that belong to no
// feature.
type GeneralClientCapabilities struct {
	// PositionEncodings are the encodings the client can count positions
	// in, the one it prefers first.
	PositionEncodings []PositionEncodingKind `json:"positionEncodings,omitempty"`
}

// InitializeResult is the result of initialize.
type InitializeResult struct {
	Capabilities ServerCapabilities `json:"capabilities"`
	ServerInfo   *ServerInfo        `json:"serverInfo,omitempty"`
}

// ServerInfo names the server.
type ServerInfo struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// ServerCapabilities are what the server does. The providers the
// specification allows as a boolean or an options object are booleans here
// (dfopt needs no options for them).
type ServerCapabilities struct {
	PositionEncoding                PositionEncodingKind     `json:"positionEncoding,omitempty"`
	TextDocumentSync                *TextDocumentSyncOptions `json:"textDocumentSync,omitempty"`
	CodeActionProvider              *CodeActionOptions       `json:"codeActionProvider,omitempty"`
	DocumentFormattingProvider      bool                     `json:"documentFormattingProvider,omitempty"`
	DocumentRangeFormattingProvider bool                     `json:"documentRangeFormattingProvider,omitempty"`
}

// TextDocumentSyncKind is how the client sends a document's changes.
type TextDocumentSyncKind int

// SyncIncremental asks for the changed ranges of a document rather than the
// whole text (1) or nothing (0, also what an omitted kind means).
const SyncIncremental TextDocumentSyncKind = 2

// TextDocumentSyncOptions are the notifications the server wants about open
// documents.
type TextDocumentSyncOptions struct {
	OpenClose bool                 `json:"openClose,omitempty"`
	Change    TextDocumentSyncKind `json:"change,omitempty"`
}

// CodeActionKind names a kind of code action; kinds are dotted, and a kind
// covers those that begin with it and a dot.
type CodeActionKind string

// QuickFix is the kind of code actions that fix one problem.
const QuickFix CodeActionKind = "quickfix"

// CodeActionOptions are the server's code action capabilities.
type CodeActionOptions struct {
	CodeActionKinds []CodeActionKind `json:"codeActionKinds,omitempty"`
}

// DidOpenTextDocumentParams are the params of textDocument/didOpen.
type DidOpenTextDocumentParams struct {
	TextDocument TextDocumentItem `json:"textDocument"`
}

// DidChangeTextDocumentParams are the params of textDocument/didChange.
type DidChangeTextDocumentParams struct {
	TextDocument   VersionedTextDocumentIdentifier  `json:"textDocument"`
	ContentChanges []TextDocumentContentChangeEvent `json:"contentChanges"`
}

// TextDocumentContentChangeEvent is one change to a document: with a range,
// the range's text is replaced; without one, Text is the whole document.
// (The deprecated rangeLength is not read: the range says it all.)
type TextDocumentContentChangeEvent struct {
	Range *Range `json:"range,omitempty"`
	Text  string `json:"text"`
}

// DidSaveTextDocumentParams are the params of textDocument/didSave.
type DidSaveTextDocumentParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
}

// DidCloseTextDocumentParams are the params of textDocument/didClose.
type DidCloseTextDocumentParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
}

// DidChangeConfigurationParams are the params of
// workspace/didChangeConfiguration.
type DidChangeConfigurationParams struct {
	// Settings are the settings as they came (nil when absent).
	Settings json.RawMessage `json:"settings"`
}

// DocumentFormattingParams are the params of textDocument/formatting. The
// formatting options (tab size, spaces) are not read: dfopt's output is the
// same whatever the editor's.
type DocumentFormattingParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
}

// DocumentRangeFormattingParams are the params of
// textDocument/rangeFormatting.
type DocumentRangeFormattingParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Range        Range                  `json:"range"`
}

// CodeActionParams are the params of textDocument/codeAction.
type CodeActionParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Range        Range                  `json:"range"`
	Context      CodeActionContext      `json:"context"`
}

// CodeActionContext says which code actions the client asks for.
type CodeActionContext struct {
	// Only, when not empty, limits the actions to these kinds.
	Only []CodeActionKind `json:"only,omitempty"`
}

// CodeAction is a change the user can choose to make.
type CodeAction struct {
	Title       string         `json:"title"`
	Kind        CodeActionKind `json:"kind,omitempty"`
	Diagnostics []Diagnostic   `json:"diagnostics,omitempty"`
	IsPreferred bool           `json:"isPreferred,omitempty"`
	Edit        *WorkspaceEdit `json:"edit,omitempty"`
}

// WorkspaceEdit is a set of edits to documents.
type WorkspaceEdit struct {
	Changes map[DocumentURI][]TextEdit `json:"changes,omitempty"`
}

// DiagnosticSeverity is how serious a diagnostic is.
type DiagnosticSeverity int

// The severities dfopt gives (the fourth is Hint).
const (
	SeverityError       DiagnosticSeverity = 1
	SeverityWarning     DiagnosticSeverity = 2
	SeverityInformation DiagnosticSeverity = 3
)

// Diagnostic is a problem found in a document. The specification allows a
// number or a string as the code; dfopt's codes are its passes' names.
type Diagnostic struct {
	Range           Range              `json:"range"`
	Severity        DiagnosticSeverity `json:"severity,omitempty"`
	Code            string             `json:"code,omitempty"`
	CodeDescription *CodeDescription   `json:"codeDescription,omitempty"`
	Source          string             `json:"source,omitempty"`
	Message         string             `json:"message"`
}

// CodeDescription links a diagnostic's code to its documentation.
type CodeDescription struct {
	Href string `json:"href"`
}

// PublishDiagnosticsParams are the params of
// textDocument/publishDiagnostics. Diagnostics is never null on the wire:
// an empty list clears the document's diagnostics.
type PublishDiagnosticsParams struct {
	URI         DocumentURI  `json:"uri"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// MessageType is how serious a message to the user is.
type MessageType int

// MessageError is the type of an error message (the others are warning,
// info and log, 2 to 4).
const MessageError MessageType = 1

// ShowMessageParams are the params of window/showMessage.
type ShowMessageParams struct {
	Type    MessageType `json:"type"`
	Message string      `json:"message"`
}
