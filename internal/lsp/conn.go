package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// JSON-RPC 2.0 error codes, and the one LSP adds that dfopt uses.
const (
	CodeParseError       = -32700 // the body is not JSON
	CodeInvalidRequest   = -32600 // JSON, but not a request or notification
	CodeMethodNotFound   = -32601
	CodeInvalidParams    = -32602
	CodeInternalError    = -32603
	CodeRequestCancelled = -32800 // LSP: the client cancelled the request
)

// Error is a JSON-RPC error: what a request is answered with when it fails.
// A handler returns one to choose the code; any other error it returns is
// sent as an internal error with the error's text.
type Error struct {
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

// ErrStop, returned by a handler, ends Serve once the message is answered
// (with the handler's result, for a request): the exit notification.
var ErrStop = errors.New("lsp: stop serving")

// Request is a request or notification from the peer.
type Request struct {
	Method string
	// Params are the params as they came, nil when there were none (or
	// null, which JSON-RPC does not allow either).
	Params json.RawMessage
	// id is the request's id as the peer wrote it (a JSON string or
	// number, or null); nil for a notification.
	id json.RawMessage
}

// IsNotification tells a notification, which gets no answer, from a request.
func (r *Request) IsNotification() bool { return r.id == nil }

// UnmarshalParams decodes the params into v. It fails with an invalid-params
// Error when they are missing or do not fit v; fields that v does not have
// are ignored.
func (r *Request) UnmarshalParams(v any) error {
	if len(r.Params) == 0 {
		return &Error{Code: CodeInvalidParams, Message: r.Method + ": no params"}
	}
	if err := json.Unmarshal(r.Params, v); err != nil {
		return &Error{Code: CodeInvalidParams, Message: r.Method + ": " + err.Error()}
	}
	return nil
}

// MethodNotFound is the error for a method the handler does not serve. For a
// notification it is not sent: unknown notifications are dropped, as the
// protocol says.
func MethodNotFound(method string) error {
	return &Error{Code: CodeMethodNotFound, Message: "method not found: " + method}
}

// A Handler serves one request or notification and returns the request's
// result (nil is JSON null). Handlers run one at a time, in the order the
// messages arrived: a change to a document is applied before the request
// that follows it is served. ctx is cancelled when the client cancels the
// request ($/cancelRequest).
type Handler func(ctx context.Context, req *Request) (result any, err error)

// Conn is a JSON-RPC connection to one peer: it serves the peer's requests
// and notifications (Serve) and sends notifications to it (Notify).
type Conn struct {
	in *bufio.Reader

	wmu  sync.Mutex
	out  io.Writer
	werr error // the first write error: the peer is gone, Serve stops at it

	mu      sync.Mutex
	pending map[string]*call // requests read and not yet answered, by id
	queue   []incoming       // messages read and not yet served
	ready   chan struct{}    // holds a token while queue is not empty
}

// NewConn returns a connection that reads messages from in and writes
// messages to out. Each message is written with one Write.
func NewConn(in io.Reader, out io.Writer) *Conn {
	return &Conn{
		in:      bufio.NewReader(in),
		out:     out,
		pending: map[string]*call{},
		ready:   make(chan struct{}, 1),
	}
}

// call is the cancellation state of a request that was read and not yet
// answered.
type call struct {
	cancelled bool               // a $/cancelRequest named it
	cancel    context.CancelFunc // cancels its handler's context, once it runs
}

// incoming is what the reader hands to the serving loop: one message, the
// members of a batch, or the end of the input.
type incoming struct {
	msgs  []message
	batch bool
	err   error // the input ended (io.EOF) or broke
}

// message is one message to serve: a request or notification, or one
// that is answered with an error at once because it is not valid.
type message struct {
	req     Request
	call    *call  // a request's cancellation state
	invalid *Error // the answer to an invalid message (sent with req.id)
}

// Serve reads and serves messages until a handler returns ErrStop (it then
// returns nil), the input ends (io.EOF), a message header is malformed
// (ErrInvalidHeader) or a write fails, or ctx is done. It may be called
// once.
//
// A body that is not JSON is answered with a parse error, and a message that
// is JSON but not a request or notification with an invalid-request error
// (JSON-RPC 2.0, section 5.1); both leave the connection open, since the
// header still delimited the message. Responses from the peer are ignored:
// the connection sends no requests. Batches are served member by member and
// answered with one array.
//
// The input is read ahead of the handlers, in a goroutine of its own, so that
// a $/cancelRequest reaches a request still waiting to be served: that
// request is answered with a RequestCancelled error and not served. The
// goroutine ends at the end of the input; a caller that returns before then
// should close the input.
func (c *Conn) Serve(ctx context.Context, h Handler) error {
	done := make(chan struct{})
	defer close(done)
	go c.read(done)
	for {
		select {
		case <-c.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
		queue := c.queue
		c.queue = nil
		c.mu.Unlock()
		for _, in := range queue {
			if in.err != nil {
				return in.err
			}
			stop, err := c.serve(ctx, h, in)
			if err != nil {
				return err
			}
			if stop {
				return nil
			}
		}
	}
}

// read reads messages into the queue until the input ends or Serve returns.
func (c *Conn) read(done <-chan struct{}) {
	for {
		body, err := readFrame(c.in)
		var in incoming
		if err != nil {
			in.err = err
		} else {
			in = c.parse(body)
		}
		select {
		case <-done:
			return
		default:
		}
		if in.err != nil || len(in.msgs) > 0 {
			c.mu.Lock()
			c.queue = append(c.queue, in)
			c.mu.Unlock()
			select {
			case c.ready <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// parse turns a body into the messages to serve. It handles $/cancelRequest
// at once and drops responses.
func (c *Conn) parse(body []byte) incoming {
	if !json.Valid(body) {
		return incoming{msgs: []message{{invalid: &Error{Code: CodeParseError, Message: "parse error: the message is not JSON"}}}}
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	if body[0] != '[' {
		m, ok := c.parseOne(body)
		if !ok {
			return incoming{}
		}
		return incoming{msgs: []message{m}}
	}
	var members []json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil || len(members) == 0 {
		return incoming{msgs: []message{{invalid: &Error{Code: CodeInvalidRequest, Message: "invalid request: an empty batch"}}}}
	}
	in := incoming{batch: true}
	for _, b := range members {
		if m, ok := c.parseOne(b); ok {
			in.msgs = append(in.msgs, m)
		}
	}
	return in
}

// envelope is any JSON-RPC message as it comes.
type envelope struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// parseOne classifies one message (valid JSON). ok is false for a message
// that needs nothing done: a response, or a cancellation.
func (c *Conn) parseOne(b []byte) (m message, ok bool) {
	var e envelope
	err := json.Unmarshal(b, &e)
	// An id that is not a string, a number or null cannot be echoed back:
	// the answer's id is null.
	if e.ID != nil && !validID(e.ID) {
		return message{invalid: &Error{Code: CodeInvalidRequest, Message: "invalid request: bad id " + string(e.ID)}}, true
	}
	m.req.id = e.ID
	if err != nil {
		m.invalid = &Error{Code: CodeInvalidRequest, Message: "invalid request: " + err.Error()}
		return m, true
	}
	if e.JSONRPC != "2.0" {
		m.invalid = &Error{Code: CodeInvalidRequest, Message: `invalid request: jsonrpc is not "2.0"`}
		return m, true
	}
	if e.Method == nil {
		if e.ID != nil && (e.Result != nil || e.Error != nil) {
			return message{}, false // a response: the connection sent no request
		}
		m.invalid = &Error{Code: CodeInvalidRequest, Message: "invalid request: no method"}
		return m, true
	}
	if err := json.Unmarshal(e.Method, &m.req.Method); err != nil {
		m.invalid = &Error{Code: CodeInvalidRequest, Message: "invalid request: the method is not a string"}
		return m, true
	}
	if len(e.Params) > 0 && string(e.Params) != "null" {
		m.req.Params = e.Params
	}
	if m.req.Method == "$/cancelRequest" && m.req.IsNotification() {
		c.cancel(m.req.Params)
		return message{}, false
	}
	if !m.req.IsNotification() {
		m.call = &call{}
		c.mu.Lock()
		c.pending[idKey(m.req.id)] = m.call
		c.mu.Unlock()
	}
	return m, true
}

// cancel handles $/cancelRequest: the request it names is not served if it
// has not started, and its context is cancelled if it has. Names of
// requests already answered, or never made, are ignored.
func (c *Conn) cancel(params json.RawMessage) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(params, &p) != nil || p.ID == nil || !validID(p.ID) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.pending[idKey(p.ID)]; cl != nil {
		cl.cancelled = true
		if cl.cancel != nil {
			cl.cancel()
		}
	}
}

// validID reports whether id is a JSON string, number or null.
func validID(id json.RawMessage) bool {
	var v any
	if json.Unmarshal(id, &v) != nil {
		return false
	}
	switch v.(type) {
	case string, float64, nil:
		return true
	}
	return false
}

// idKey is the key of an id in pending: the string's value, or the number's
// literal text, so that 7 and "7" differ and "\u0037" is "7".
func idKey(id json.RawMessage) string {
	var s string
	if json.Unmarshal(id, &s) == nil {
		return "s" + s
	}
	return "n" + string(bytes.TrimSpace(id))
}

// serve serves one incoming message or batch and writes the answers. stop
// reports ErrStop from a handler; err is a write error or a handler's panic,
// which end the connection.
func (c *Conn) serve(ctx context.Context, h Handler, in incoming) (stop bool, err error) {
	var answers [][]byte
	for _, m := range in.msgs {
		var answer []byte
		answer, stop, err = c.serveOne(ctx, h, m)
		if answer != nil {
			answers = append(answers, answer)
		}
		if stop || err != nil {
			break
		}
	}
	switch {
	case len(answers) == 0:
	case in.batch:
		c.write(append(append([]byte{'['}, bytes.Join(answers, []byte{','})...), ']'))
	default:
		c.write(answers[0])
	}
	if err == nil {
		c.wmu.Lock()
		err = c.werr
		c.wmu.Unlock()
	}
	return stop, err
}

// serveOne serves one message and returns its answer (nil for a
// notification).
func (c *Conn) serveOne(ctx context.Context, h Handler, m message) (answer []byte, stop bool, err error) {
	if m.invalid != nil {
		return errorAnswer(m.req.id, m.invalid), false, nil
	}
	if m.req.IsNotification() {
		_, err := c.call(ctx, h, &m.req)
		var p *panicError
		if errors.As(err, &p) {
			return nil, false, err
		}
		return nil, errors.Is(err, ErrStop), nil
	}

	key := idKey(m.req.id)
	c.mu.Lock()
	if m.call.cancelled {
		c.forget(key, m.call)
		c.mu.Unlock()
		return errorAnswer(m.req.id, &Error{Code: CodeRequestCancelled, Message: "request cancelled"}), false, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	m.call.cancel = cancel
	c.mu.Unlock()

	result, herr := c.call(ctx, h, &m.req)
	cancel()
	c.mu.Lock()
	c.forget(key, m.call)
	c.mu.Unlock()

	var p *panicError
	switch {
	case errors.As(herr, &p):
		return errorAnswer(m.req.id, &Error{Code: CodeInternalError, Message: p.Error()}), false, herr
	case errors.Is(herr, ErrStop):
		stop = true
	case herr != nil:
		var e *Error
		if !errors.As(herr, &e) {
			code := int64(CodeInternalError)
			if errors.Is(herr, context.Canceled) && ctx.Err() != nil {
				code = CodeRequestCancelled
			}
			e = &Error{Code: code, Message: herr.Error()}
		}
		return errorAnswer(m.req.id, e), false, nil
	}
	data, merr := marshal(result)
	if merr != nil {
		return errorAnswer(m.req.id, &Error{Code: CodeInternalError, Message: merr.Error()}), stop, nil
	}
	return resultAnswer(m.req.id, data), stop, nil
}

// forget removes an answered request from pending, unless a later request
// reused its id. c.mu is held.
func (c *Conn) forget(key string, cl *call) {
	if c.pending[key] == cl {
		delete(c.pending, key)
	}
}

// panicError is a handler's panic. The request is answered with an internal
// error and the connection ends, as a program ends on a panic, rather than
// serving on in a state that the panic may have broken.
type panicError struct {
	method string
	value  any
}

func (p *panicError) Error() string {
	return fmt.Sprintf("lsp: the handler of %s panicked: %v", p.method, p.value)
}

// call runs the handler, turning a panic into a panicError.
func (c *Conn) call(ctx context.Context, h Handler, req *Request) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			result, err = nil, &panicError{method: req.Method, value: v}
		}
	}()
	return h(ctx, req)
}

// Notify sends a notification to the peer.
func (c *Conn) Notify(method string, params any) error {
	m, err := marshal(method)
	if err != nil {
		return err
	}
	p, err := marshal(params)
	if err != nil {
		return err
	}
	b := make([]byte, 0, len(m)+len(p)+40)
	b = append(b, `{"jsonrpc":"2.0","method":`...)
	b = append(b, m...)
	b = append(b, `,"params":`...)
	b = append(b, p...)
	return c.write(append(b, '}'))
}

// write writes one message. After a failed write it writes nothing more and
// returns the first error: a message cut short cannot be followed by another.
func (c *Conn) write(body []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	if _, err := c.out.Write(appendFrame(make([]byte, 0, len(body)+32), body)); err != nil {
		c.werr = err
	}
	return c.werr
}

// resultAnswer is the response to request id with result (JSON).
func resultAnswer(id, result json.RawMessage) []byte {
	b := make([]byte, 0, len(id)+len(result)+36)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	b = append(b, result...)
	return append(b, '}')
}

// errorAnswer is the error response to request id (nil: null, for a message
// whose id could not be read).
func errorAnswer(id json.RawMessage, e *Error) []byte {
	if id == nil {
		id = json.RawMessage("null")
	}
	data, _ := marshal(e) // an Error always marshals
	b := make([]byte, 0, len(id)+len(data)+35)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"error":`...)
	b = append(b, data...)
	return append(b, '}')
}

// marshal is json.Marshal without escaping <, > and &, which are common in
// Dockerfiles (&&, >) and need no escaping outside HTML.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}
