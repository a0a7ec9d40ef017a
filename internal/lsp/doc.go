// Package lsp is the part of the Language Server Protocol that dfopt lsp
// speaks: JSON-RPC 2.0 over a byte stream in the base protocol's framing
// (a Content-Length header, a blank line, a JSON body), and the protocol
// types of the requests and notifications that dfopt serves and sends, with
// the JSON names and optional fields of the LSP 3.17 specification.
//
// It exists so that every dfopt process, most of which format one file and
// never serve the protocol, does not link a general LSP implementation: the
// generated types of the whole protocol, a JSON library of their own, and the
// net package of a JSON-RPC library made the binary 5.9 MB larger (20.5 MB
// against 14.5) and cost each start some 15 to 20 page faults. What dfopt
// needs is small: requests are served one at a time in the order they
// arrive, the server sends notifications and no requests of its own, and the
// types hold only the fields dfopt reads or writes (unknown fields of
// incoming messages are ignored, as the protocol asks).
//
// The JSON is encoding/json's. Request ids are kept as the client wrote them
// and echoed back unchanged; so are document URIs, which the client compares
// with its own.
package lsp
