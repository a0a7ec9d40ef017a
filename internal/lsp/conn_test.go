package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// frame frames a JSON body as the client sends it.
func frame(body string) string { return string(appendFrame(nil, []byte(body))) }

// bodies splits what the server wrote into message bodies, checking the
// framing and that each body is JSON.
func bodies(t testing.TB, out []byte) []string {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(out))
	var got []string
	for {
		b, err := readFrame(r)
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("the server wrote a broken frame: %v\n%q", err, out)
		}
		if !json.Valid(b) {
			t.Fatalf("the server wrote a body that is not JSON: %q", b)
		}
		got = append(got, string(b))
	}
}

// testHandler serves the methods the tests use.
func testHandler(c **Conn) Handler {
	return func(ctx context.Context, req *Request) (any, error) {
		switch req.Method {
		case "echo":
			return req.Params, nil
		case "sum":
			var p struct {
				A, B int
			}
			if err := req.UnmarshalParams(&p); err != nil {
				return nil, err
			}
			return p.A + p.B, nil
		case "fail":
			return nil, errors.New("it failed")
		case "fail/code":
			return nil, &Error{Code: 7, Message: "seven"}
		case "notify":
			// A notification sent while serving goes out before the
			// answer.
			if err := (*c).Notify("note", map[string]string{"s": "a<b && c>d"}); err != nil {
				return nil, err
			}
			return "done", nil
		case "stop":
			return "bye", ErrStop
		case "panic":
			panic("oops")
		}
		return nil, MethodNotFound(req.Method)
	}
}

// serve serves a whole input and returns the bodies written and Serve's
// error.
func serve(t testing.TB, in string) ([]string, error) {
	t.Helper()
	var out bytes.Buffer
	c := NewConn(strings.NewReader(in), &out)
	err := c.Serve(context.Background(), testHandler(&c))
	return bodies(t, out.Bytes()), err
}

func checkBodies(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestServe(t *testing.T) {
	got, err := serve(t, frame(`{"jsonrpc":"2.0","id":1,"method":"sum","params":{"a":1,"b":2}}`)+
		frame(`{"jsonrpc":"2.0","method":"sum","params":{"a":1,"b":2}}`)+ // a notification: no answer
		frame(`{"jsonrpc":"2.0","id":"x\u0079","method":"echo","params":[1, "&"]}`)+
		frame(` {"params":null,"method":"echo","id":-3,"jsonrpc":"2.0"} `)+
		frame(`{"jsonrpc":"2.0","id":null,"method":"echo","params":{}}`)+
		frame(`{"jsonrpc":"2.0","id":1.5,"method":"echo"}`)+
		frame(`{"jsonrpc":"2.0","id":12345678901234567890,"method":"notify"}`))
	if err != io.EOF {
		t.Errorf("Serve returned %v at the end of the input, want io.EOF", err)
	}
	checkBodies(t, got, []string{
		`{"jsonrpc":"2.0","id":1,"result":3}`,
		// Ids go back as they came.
		`{"jsonrpc":"2.0","id":"x\u0079","result":[1,"&"]}`,
		`{"jsonrpc":"2.0","id":-3,"result":null}`,
		`{"jsonrpc":"2.0","id":null,"result":{}}`,
		`{"jsonrpc":"2.0","id":1.5,"result":null}`,
		`{"jsonrpc":"2.0","method":"note","params":{"s":"a<b && c>d"}}`,
		`{"jsonrpc":"2.0","id":12345678901234567890,"result":"done"}`,
	})
}

// Messages that are not valid are answered with an error, and the
// connection goes on: the header delimited them.
func TestServeInvalidMessages(t *testing.T) {
	got, err := serve(t, frame(`{not json`)+
		frame(``)+
		frame(`{"jsonrpc":"2.0","id":1,"method":"echo"} x`)+
		frame(`42`)+
		frame(`null`)+
		frame(`{}`)+
		frame(`{"id":2,"method":"echo"}`)+
		frame(`{"jsonrpc":"1.0","id":3,"method":"echo"}`)+
		frame(`{"jsonrpc":"2.0","id":true,"method":"echo"}`)+
		frame(`{"jsonrpc":"2.0","id":{},"method":"echo"}`)+
		frame(`{"jsonrpc":"2.0","id":4,"method":5}`)+
		frame(`{"jsonrpc":"2.0","id":5}`)+
		frame(`{"jsonrpc":"2.0","method":5}`)+
		frame(`{"jsonrpc":"2.0","id":6,"method":"sum"}`)+
		frame(`{"jsonrpc":"2.0","id":6.5,"method":"sum","params":null}`)+
		frame(`{"jsonrpc":"2.0","id":7,"method":"sum","params":"x"}`)+
		frame(`{"jsonrpc":"2.0","id":8,"method":"no/such"}`)+
		frame(`{"jsonrpc":"2.0","method":"no/such","params":{}}`)+ // dropped
		frame(`{"jsonrpc":"2.0","method":"fail"}`)+ // dropped
		frame(`{"jsonrpc":"2.0","id":9,"method":"fail"}`)+
		frame(`{"jsonrpc":"2.0","id":10,"method":"fail/code"}`)+
		frame(`{"jsonrpc":"2.0","id":11,"method":"sum","params":{"a":2,"b":2}}`))
	if err != io.EOF {
		t.Errorf("Serve returned %v, want io.EOF", err)
	}
	checkBodies(t, got, []string{
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: the message is not JSON"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: the message is not JSON"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: the message is not JSON"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: json: cannot unmarshal number into Go value of type lsp.envelope"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: jsonrpc is not \"2.0\""}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: jsonrpc is not \"2.0\""}}`,
		`{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"invalid request: jsonrpc is not \"2.0\""}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"invalid request: jsonrpc is not \"2.0\""}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: bad id true"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: bad id {}"}}`,
		`{"jsonrpc":"2.0","id":4,"error":{"code":-32600,"message":"invalid request: the method is not a string"}}`,
		`{"jsonrpc":"2.0","id":5,"error":{"code":-32600,"message":"invalid request: no method"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: the method is not a string"}}`,
		`{"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"sum: no params"}}`,
		`{"jsonrpc":"2.0","id":6.5,"error":{"code":-32602,"message":"sum: no params"}}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"sum: json: cannot unmarshal string into Go value of type struct { A int; B int }"}}`,
		`{"jsonrpc":"2.0","id":8,"error":{"code":-32601,"message":"method not found: no/such"}}`,
		`{"jsonrpc":"2.0","id":9,"error":{"code":-32603,"message":"it failed"}}`,
		`{"jsonrpc":"2.0","id":10,"error":{"code":7,"message":"seven"}}`,
		`{"jsonrpc":"2.0","id":11,"result":4}`,
	})
}

// The connection makes no requests: responses from the peer are dropped.
func TestServeIgnoresResponses(t *testing.T) {
	got, _ := serve(t, frame(`{"jsonrpc":"2.0","id":1,"result":null}`)+
		frame(`{"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"x"}}`)+
		frame(`{"jsonrpc":"2.0","id":2,"method":"echo","params":1}`))
	checkBodies(t, got, []string{`{"jsonrpc":"2.0","id":2,"result":1}`})
}

func TestServeBatch(t *testing.T) {
	got, _ := serve(t, frame(`[{"jsonrpc":"2.0","id":1,"method":"sum","params":{"a":1,"b":1}},`+
		`{"jsonrpc":"2.0","method":"echo"},`+
		`{"jsonrpc":"2.0","id":2,"method":"nope"},`+
		`1,`+
		`{"jsonrpc":"2.0","id":3,"result":0},`+
		`{"jsonrpc":"2.0","id":4,"method":"notify"}]`)+
		// Only notifications: nothing to answer.
		frame(`[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"nope"}]`)+
		frame(`[]`)+
		frame(`[[]]`))
	checkBodies(t, got, []string{
		`{"jsonrpc":"2.0","method":"note","params":{"s":"a<b && c>d"}}`,
		`[{"jsonrpc":"2.0","id":1,"result":2},` +
			`{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"method not found: nope"}},` +
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: json: cannot unmarshal number into Go value of type lsp.envelope"}},` +
			`{"jsonrpc":"2.0","id":4,"result":"done"}]`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: an empty batch"}}`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: json: cannot unmarshal array into Go value of type lsp.envelope"}}]`,
	})
}

// ErrStop ends Serve after the answer; what follows is not served.
func TestServeStop(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"notification", frame(`{"jsonrpc":"2.0","method":"stop"}`) + frame(`{"jsonrpc":"2.0","id":1,"method":"echo"}`), nil},
		{"request", frame(`{"jsonrpc":"2.0","id":1,"method":"stop"}`) + frame(`{"jsonrpc":"2.0","id":2,"method":"echo"}`),
			[]string{`{"jsonrpc":"2.0","id":1,"result":"bye"}`}},
		{"in a batch", frame(`[{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","method":"stop"},{"jsonrpc":"2.0","id":2,"method":"echo"}]`),
			[]string{`[{"jsonrpc":"2.0","id":1,"result":null}]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serve(t, tc.in)
			if err != nil {
				t.Errorf("Serve returned %v, want nil", err)
			}
			checkBodies(t, got, tc.want)
		})
	}
}

// Serve ends with the input, or at a header it cannot read past; the
// messages before are served.
func TestServeEnd(t *testing.T) {
	req := frame(`{"jsonrpc":"2.0","id":1,"method":"echo","params":1}`)
	answer := `{"jsonrpc":"2.0","id":1,"result":1}`
	for _, tc := range []struct {
		name, in string
		want     []string
		err      error
	}{
		{"empty input", "", nil, io.EOF},
		{"end of input", req, []string{answer}, io.EOF},
		{"malformed header", req + "Content-Length 5\r\n\r\n" + req, []string{answer}, ErrInvalidHeader},
		{"no Content-Length", req + "Content-Type: x\r\n\r\n{}" + req, []string{answer}, ErrInvalidHeader},
		{"bad Content-Length", req + "Content-Length: x\r\n\r\n{}" + req, []string{answer}, ErrInvalidHeader},
		{"cut in a header", req + "Content-Le", []string{answer}, io.ErrUnexpectedEOF},
		{"cut in a body", req + req[:len(req)-1], []string{answer}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := serve(t, tc.in)
			if !errors.Is(err, tc.err) {
				t.Errorf("Serve returned %v, want %v", err, tc.err)
			}
			checkBodies(t, got, tc.want)
		})
	}
}

// A handler's panic is answered with an internal error and ends Serve.
func TestServePanic(t *testing.T) {
	got, err := serve(t, frame(`{"jsonrpc":"2.0","id":1,"method":"panic"}`)+frame(`{"jsonrpc":"2.0","id":2,"method":"echo"}`))
	if err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("Serve returned %v, want the panic", err)
	}
	checkBodies(t, got, []string{`{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"lsp: the handler of panic panicked: oops"}}`})

	got, err = serve(t, frame(`{"jsonrpc":"2.0","method":"panic"}`)+frame(`{"jsonrpc":"2.0","id":2,"method":"echo"}`))
	if err == nil {
		t.Errorf("Serve returned nil after a notification's panic")
	}
	checkBodies(t, got, nil)
}

type failWriter struct{ n atomic.Int32 }

func (w *failWriter) Write(p []byte) (int, error) {
	w.n.Add(1)
	return 0, errors.New("the peer is gone")
}

// A failed write ends Serve: the peer is gone.
func TestServeWriteError(t *testing.T) {
	w := &failWriter{}
	var c *Conn
	c = NewConn(strings.NewReader(frame(`{"jsonrpc":"2.0","method":"notify"}`)+frame(`{"jsonrpc":"2.0","id":1,"method":"echo"}`)), w)
	err := c.Serve(context.Background(), testHandler(&c))
	if err == nil || err.Error() != "the peer is gone" {
		t.Errorf("Serve returned %v", err)
	}
	if w.n.Load() != 1 {
		t.Errorf("%d writes, want 1: nothing is written after a failed write", w.n.Load())
	}
	if err := c.Notify("x", nil); err == nil {
		t.Error("Notify succeeded after a failed write")
	}
}

func TestServeContextDone(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	c := NewConn(r, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Serve(ctx, testHandler(&c)) }()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return when its context was done")
	}
}

// pipeConn is a connection served in a goroutine, fed through a pipe.
type pipeConn struct {
	c    *Conn
	in   *io.PipeWriter
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (p *pipeConn) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func startPipe(h func(c **Conn) Handler) *pipeConn {
	r, w := io.Pipe()
	p := &pipeConn{in: w, done: make(chan error, 1)}
	p.c = NewConn(r, p)
	go func() { p.done <- p.c.Serve(context.Background(), h(&p.c)) }()
	return p
}

func (p *pipeConn) send(body string) { io.WriteString(p.in, frame(body)) }

// finish ends the input and returns what was written.
func (p *pipeConn) finish(t *testing.T) []string {
	t.Helper()
	p.in.Close()
	select {
	case err := <-p.done:
		if err != io.EOF {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not end with its input")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return bodies(t, p.out.Bytes())
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// $/cancelRequest cancels the context of the request being served, and
// answers a request still waiting with RequestCancelled without serving it.
func TestServeCancel(t *testing.T) {
	started := make(chan string, 10)
	release := make(chan struct{})
	var served []string
	p := startPipe(func(c **Conn) Handler {
		return func(ctx context.Context, req *Request) (any, error) {
			served = append(served, req.Method)
			switch req.Method {
			case "block":
				started <- req.Method
				<-release
				return "released", nil
			case "wait":
				started <- req.Method
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return req.Method, nil
		}
	})
	p.send(`{"jsonrpc":"2.0","id":1,"method":"block"}`)
	<-started
	p.send(`{"jsonrpc":"2.0","id":"two","method":"queued"}`)
	p.send(`{"jsonrpc":"2.0","id":3,"method":"queued"}`)
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"two"}}`)
	// Cancellations of requests not pending, and malformed ones, are
	// ignored.
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":99}}`)
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"3"}}`)
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":true}}`)
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest"}`)
	p.send(`{"jsonrpc":"2.0","id":4,"method":"wait"}`)
	waitFor(t, "the cancellation", func() bool {
		p.c.mu.Lock()
		defer p.c.mu.Unlock()
		cl := p.c.pending[idKey(json.RawMessage(`"two"`))]
		return cl != nil && cl.cancelled && p.c.pending[idKey(json.RawMessage(`4`))] != nil
	})
	close(release)
	<-started // wait
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":4}}`)
	got := p.finish(t)
	checkBodies(t, got, []string{
		`{"jsonrpc":"2.0","id":1,"result":"released"}`,
		`{"jsonrpc":"2.0","id":"two","error":{"code":-32800,"message":"request cancelled"}}`,
		`{"jsonrpc":"2.0","id":3,"result":"queued"}`,
		`{"jsonrpc":"2.0","id":4,"error":{"code":-32800,"message":"context canceled"}}`,
	})
	if fmt.Sprint(served) != "[block queued wait]" {
		t.Errorf("served %v", served)
	}
	if len(p.c.pending) != 0 {
		t.Errorf("%d requests still pending", len(p.c.pending))
	}
}

// Handlers run one at a time, in the order the messages came, even when the
// input runs ahead of them; notifications sent from another goroutine
// meanwhile are written whole.
func TestServeOrder(t *testing.T) {
	var running, maxRunning atomic.Int32
	var order []int
	p := startPipe(func(c **Conn) Handler {
		return func(ctx context.Context, req *Request) (any, error) {
			n := running.Add(1)
			defer running.Add(-1)
			if n > maxRunning.Load() {
				maxRunning.Store(n)
			}
			var i int
			if err := req.UnmarshalParams(&i); err != nil {
				return nil, err
			}
			order = append(order, i)
			time.Sleep(50 * time.Microsecond)
			return i, nil
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			if err := p.c.Notify("tick", strings.Repeat("x", i)); err != nil {
				t.Error(err)
			}
		}
	})
	const n = 300
	for i := range n {
		if i%3 == 0 {
			p.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"m","params":%d}`, i))
		} else {
			p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"m","params":%d}`, i, i))
		}
	}
	wg.Wait()
	got := p.finish(t)
	if maxRunning.Load() != 1 {
		t.Errorf("%d handlers ran at once", maxRunning.Load())
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("served %d in place %d", v, i)
		}
	}
	if len(order) != n {
		t.Fatalf("served %d messages, want %d", len(order), n)
	}
	var answers, ticks int
	for _, b := range got {
		if strings.Contains(b, `"method":"tick"`) {
			ticks++
			continue
		}
		want := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`, answers+answers/2+1, answers+answers/2+1)
		if b != want {
			t.Fatalf("answer %d is %s, want %s", answers, b, want)
		}
		answers++
	}
	if ticks != 200 || answers != n*2/3 {
		t.Errorf("%d notifications and %d answers", ticks, answers)
	}
}

// FuzzServe serves any input: Serve must not panic, must end with the input
// (or at exit, or at a header it cannot read past), and must write only
// well-framed JSON messages.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		frame(`{"jsonrpc":"2.0","id":1,"method":"sum","params":{"a":1,"b":2}}`),
		frame(`{"jsonrpc":"2.0","method":"notify"}`) + frame(`{"jsonrpc":"2.0","id":"x","method":"echo","params":[1]}`),
		frame(`[{"jsonrpc":"2.0","id":1,"method":"echo"},1,{"jsonrpc":"2.0","method":"stop"}]`),
		frame(`{"jsonrpc":"2.0","id":2,"method":"fail"}`) + frame(`{not json`),
		frame(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}`) + frame(`{"jsonrpc":"2.0","id":1,"result":1}`),
		"Content-Length: 5\r\n\r\n[1,2]Content-Length: x\r\n\r\n",
		"Content-Length: 10\r\n\r\n{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		var c *Conn
		c = NewConn(bytes.NewReader(in), &out)
		h := testHandler(&c)
		err := c.Serve(context.Background(), func(ctx context.Context, req *Request) (any, error) {
			if req.Method == "panic" {
				return nil, nil
			}
			return h(ctx, req)
		})
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrInvalidHeader) {
			t.Fatalf("Serve returned %v", err)
		}
		bodies(t, out.Bytes())
	})
}
