package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dfopt/dfopt/internal/lsp"
	"github.com/dfopt/dfopt/passes"
	"github.com/stretchr/testify/require"
)

// lspClient is a scripted LSP client speaking raw JSON-RPC over pipes to
// dfopt lsp, as an editor does.
type lspClient struct {
	t      *testing.T
	w      io.WriteCloser
	msgs   chan map[string]any
	nextID int
	done   chan int
	utf8   bool
}

func startLSP(t *testing.T, args ...string) *lspClient {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &lspClient{t: t, w: inW, msgs: make(chan map[string]any, 100), done: make(chan int, 1)}
	go func() {
		var stderr bytes.Buffer
		status := runLSP(args, inR, outW, &stderr, nil)
		if stderr.Len() > 0 {
			t.Logf("dfopt lsp stderr: %s", stderr.String())
		}
		outW.Close()
		c.done <- status
	}()
	go func() {
		br := bufio.NewReader(outR)
		for {
			n := -1
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					close(c.msgs)
					return
				}
				line = strings.TrimRight(line, "\r\n")
				if line == "" {
					break
				}
				if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
					n, _ = strconv.Atoi(v)
				}
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				close(c.msgs)
				return
			}
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				panic(fmt.Sprintf("bad message from server: %s", body))
			}
			switch v := v.(type) {
			case map[string]any:
				c.msgs <- v
			case []any: // the answer to a batch
				c.msgs <- map[string]any{"batch": v}
			default:
				panic(fmt.Sprintf("bad message from server: %s", body))
			}
		}
	}()
	t.Cleanup(func() { inW.Close() })
	return c
}

func (c *lspClient) send(m map[string]any) {
	m["jsonrpc"] = "2.0"
	body, err := json.Marshal(m)
	require.NoError(c.t, err)
	_, err = fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(body), body)
	require.NoError(c.t, err)
}

// raw writes bytes to the server as they are: framing or JSON that the
// client would not produce.
func (c *lspClient) raw(s string) {
	_, err := io.WriteString(c.w, s)
	require.NoError(c.t, err)
}

func (c *lspClient) notify(method string, params any) {
	c.send(map[string]any{"method": method, "params": params})
}

// next returns the next message from the server.
func (c *lspClient) next() map[string]any {
	select {
	case m, ok := <-c.msgs:
		require.True(c.t, ok, "server closed the connection")
		return m
	case <-time.After(30 * time.Second):
		c.t.Fatal("no message from the server")
	}
	return nil
}

// call sends a request and returns its result, checking that it succeeded.
// Notifications that arrive before the response are dropped.
func (c *lspClient) call(method string, params any) any {
	c.nextID++
	id := c.nextID
	c.send(map[string]any{"id": id, "method": method, "params": params})
	for {
		m := c.next()
		if m["id"] == nil || m["method"] != nil {
			continue
		}
		require.EqualValues(c.t, id, m["id"])
		require.Nil(c.t, m["error"], "%s failed: %v", method, m["error"])
		return m["result"]
	}
}

// callError sends a request that must fail and returns the error's code.
func (c *lspClient) callError(method string, params any) float64 {
	c.nextID++
	id := c.nextID
	c.send(map[string]any{"id": id, "method": method, "params": params})
	for {
		m := c.next()
		if m["id"] == nil || m["method"] != nil {
			continue
		}
		require.EqualValues(c.t, id, m["id"])
		e, ok := m["error"].(map[string]any)
		require.True(c.t, ok, "%s did not fail: %v", method, m)
		return e["code"].(float64)
	}
}

// diagnostics waits for the diagnostics of a document.
func (c *lspClient) diagnostics(docURI string) []any {
	for {
		m := c.next()
		if m["method"] != "textDocument/publishDiagnostics" {
			continue
		}
		p := m["params"].(map[string]any)
		if p["uri"] == docURI {
			return p["diagnostics"].([]any)
		}
	}
}

// offset turns an LSP position into a byte offset, counting as the client
// said it would (UTF-16 code units, or bytes).
func (c *lspClient) offset(text string, pos map[string]any) int {
	line, char := int(pos["line"].(float64)), int(pos["character"].(float64))
	off := 0
	for i := 0; i < line; i++ {
		j := strings.IndexByte(text[off:], '\n')
		require.GreaterOrEqual(c.t, j, 0, "line %d beyond the text", line)
		off += j + 1
	}
	for n := 0; n < char; {
		r, size := utf8.DecodeRuneInString(text[off:])
		require.NotEqual(c.t, '\n', r, "character %d beyond line %d", char, line)
		if c.utf8 {
			n += size
		} else {
			n += utf16.RuneLen(r)
		}
		off += size
	}
	return off
}

// apply applies LSP text edits to text, as an editor does.
func (c *lspClient) apply(text string, edits []any) string {
	type edit struct {
		s, e int
		text string
	}
	var es []edit
	for _, x := range edits {
		m := x.(map[string]any)
		r := m["range"].(map[string]any)
		es = append(es, edit{c.offset(text, r["start"].(map[string]any)), c.offset(text, r["end"].(map[string]any)), m["newText"].(string)})
	}
	for i := len(es) - 1; i >= 0; i-- {
		if i > 0 {
			require.LessOrEqual(c.t, es[i-1].e, es[i].s, "edits out of order or overlapping")
		}
		text = text[:es[i].s] + es[i].text + text[es[i].e:]
	}
	return text
}

func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// dfoptOutput is what dfopt prints for the file.
func dfoptOutput(t *testing.T, args ...string) string {
	var stdout, stderr bytes.Buffer
	status := run(args, nil, &stdout, &stderr)
	require.Equal(t, exitOK, status, stderr.String())
	return stdout.String()
}

const lspDockerfile = "FROM debian:bookworm\n" +
	"# héllo – ünïcode so that UTF-16 columns differ from bytes\n" +
	"RUN echo 'ça va' > /greeting\n" +
	"RUN apt-get update\n" +
	"RUN apt-get install -y --no-install-recommends curl\n" +
	"CMD curl --version\n"

func TestLSPSession(t *testing.T) {
	for _, enc := range []string{"utf-16", "utf-8"} {
		t.Run(enc, func(t *testing.T) { lspSession(t, enc) })
	}
}

func lspSession(t *testing.T, enc string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(path, []byte(lspDockerfile), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dfopt.yaml"), []byte("disable: [root-user]\n"), 0o644))
	docURI := fileURI(path)

	c := startLSP(t)
	caps := map[string]any{}
	if enc == "utf-8" {
		caps["general"] = map[string]any{"positionEncodings": []string{"utf-8", "utf-16"}}
		c.utf8 = true
	}
	init := c.call("initialize", map[string]any{"processId": nil, "rootUri": fileURI(dir), "capabilities": caps}).(map[string]any)
	sc := init["capabilities"].(map[string]any)
	require.Equal(t, enc, sc["positionEncoding"])
	require.Equal(t, true, sc["documentFormattingProvider"])
	require.Equal(t, true, sc["documentRangeFormattingProvider"])
	require.Equal(t, "dfopt", init["serverInfo"].(map[string]any)["name"])
	c.notify("initialized", map[string]any{})
	// Notifications the server does not handle are dropped, as the protocol
	// says; the session goes on.
	c.notify("$/setTrace", map[string]any{"value": "off"})
	c.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []any{}})
	c.notify("$/cancelRequest", map[string]any{"id": 99})
	// A request it does not serve is "method not found".
	require.EqualValues(t, -32601, c.callError("textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "position": map[string]any{"line": 0, "character": 0}}))

	// Open: diagnostics from the findings; the configuration file turned
	// root-user off.
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": docURI, "languageId": "dockerfile", "version": 1, "text": lspDockerfile}})
	diags := c.diagnostics(docURI)
	codes := map[string]map[string]any{}
	for _, d := range diags {
		m := d.(map[string]any)
		codes[m["code"].(string)] = m
		require.Equal(t, "dfopt", m["source"])
		require.Equal(t, passDocURL(m["code"].(string)), m["codeDescription"].(map[string]any)["href"])
	}
	require.Contains(t, codes, "coalesce-runs")
	require.Contains(t, codes, "cache-cleanup")
	require.NotContains(t, codes, "root-user")
	require.NotContains(t, codes, "exec-form") // aggressive: not at the default level
	coalesce := codes["coalesce-runs"]
	r := coalesce["range"].(map[string]any)
	require.Equal(t, "RUN echo", lspDockerfile[c.offset(lspDockerfile, r["start"].(map[string]any)):][:8])
	require.EqualValues(t, 2, coalesce["severity"])
	// The range ends after the last RUN's text, which a wrong column count
	// on the non-ASCII lines would not find.
	end := c.offset(lspDockerfile, r["end"].(map[string]any))
	require.True(t, strings.HasSuffix(lspDockerfile[:end], "curl"), lspDockerfile[:end])

	// Formatting turns the document into what dfopt prints for the file.
	edits := c.call("textDocument/formatting", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "options": map[string]any{"tabSize": 4, "insertSpaces": true}}).([]any)
	require.NotEmpty(t, edits)
	want := dfoptOutput(t, path)
	require.NotEqual(t, lspDockerfile, want)
	require.Equal(t, want, c.apply(lspDockerfile, edits))

	// A code action per fixable finding in the range, and "apply all safe
	// fixes"; the quick fix's edits give a file that dfopt accepts.
	res := c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "range": r,
		"context": map[string]any{"diagnostics": []any{coalesce}}}).([]any)
	var quick, all map[string]any
	for _, a := range res {
		m := a.(map[string]any)
		switch m["kind"] {
		case "quickfix":
			if strings.Contains(m["title"].(string), "coalesce-runs") {
				quick = m
			}
		case "source.fixAll.dfopt":
			all = m
		}
	}
	require.NotNil(t, quick, "no quick fix for coalesce-runs in %v", res)
	require.Equal(t, "merge 3 RUN instructions (coalesce-runs)", quick["title"])
	qEdits := quick["edit"].(map[string]any)["changes"].(map[string]any)[docURI].([]any)
	fixed := c.apply(lspDockerfile, qEdits)
	require.Contains(t, fixed, "RUN echo 'ça va' > /greeting && \\\n    apt-get update && \\\n")
	require.Equal(t, fixed, dfoptOutput(t, "--enable=coalesce-runs", path))
	require.NotNil(t, all)
	allEdits := all["edit"].(map[string]any)["changes"].(map[string]any)[docURI].([]any)
	require.Equal(t, want, c.apply(lspDockerfile, allEdits))
	// Only what was asked for.
	res = c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "range": r,
		"context": map[string]any{"diagnostics": []any{}, "only": []string{"source.fixAll"}}}).([]any)
	require.Len(t, res, 1)
	require.Equal(t, "source.fixAll.dfopt", res[0].(map[string]any)["kind"])

	// Range formatting applies the fixes that lie inside the range: none
	// for the last two RUNs (the merge starts above them), the merge for
	// the three (but not the cleanup that dfopt makes on top of it).
	rangeFormat := func(from, to int) string {
		edits := c.call("textDocument/rangeFormatting", map[string]any{
			"textDocument": map[string]any{"uri": docURI},
			"range":        map[string]any{"start": map[string]any{"line": from, "character": 0}, "end": map[string]any{"line": to, "character": 0}},
			"options":      map[string]any{"tabSize": 4, "insertSpaces": true}}).([]any)
		return c.apply(lspDockerfile, edits)
	}
	require.Equal(t, lspDockerfile, rangeFormat(3, 5))
	require.Equal(t, fixed, rangeFormat(2, 5))

	// A change that breaks the file: one diagnostic at the error's line,
	// and formatting returns no edits.
	broken := "FROM alpine:3.20\nRUN echo ok\nRUN <<EOF\necho never ends\n"
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": docURI, "version": 2},
		"contentChanges": []any{map[string]any{"text": broken}}})
	diags = c.diagnostics(docURI)
	require.Len(t, diags, 1)
	d := diags[0].(map[string]any)
	require.EqualValues(t, 1, d["severity"])
	require.EqualValues(t, 2, d["range"].(map[string]any)["start"].(map[string]any)["line"]) // line 3
	require.Equal(t, "unterminated heredoc", d["message"])
	edits = c.call("textDocument/formatting", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "options": map[string]any{"tabSize": 4, "insertSpaces": true}}).([]any)
	require.Empty(t, edits)

	// An incremental change mends it: replace line 3 and after.
	mended := "FROM alpine:3.20\nRUN echo ok\nRUN echo two\nCMD date\n"
	c.notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": docURI, "version": 3},
		"contentChanges": []any{map[string]any{
			"range": map[string]any{"start": map[string]any{"line": 2, "character": 0}, "end": map[string]any{"line": 4, "character": 0}},
			"text":  "RUN echo two\nCMD date\n"}}})
	diags = c.diagnostics(docURI)
	require.Len(t, diags, 1)
	require.Equal(t, "coalesce-runs", diags[0].(map[string]any)["code"])
	edits = c.call("textDocument/formatting", map[string]any{
		"textDocument": map[string]any{"uri": docURI}, "options": map[string]any{"tabSize": 4, "insertSpaces": true}}).([]any)
	require.NoError(t, os.WriteFile(path, []byte(mended), 0o644))
	require.Equal(t, dfoptOutput(t, path), c.apply(mended, edits))

	// Settings with an unknown pass are refused, with a message; the
	// settings stay as they were.
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{
		"dfopt": map[string]any{"disable": []string{"no-such-pass"}}}})
	for {
		m := c.next()
		if m["method"] == "window/showMessage" {
			require.Contains(t, m["params"].(map[string]any)["message"], `unknown pass "no-such-pass"`)
			break
		}
	}
	require.Len(t, c.diagnostics(docURI), 1)

	// Settings from the editor: the aggressive level adds exec-form.
	c.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{
		"dfopt": map[string]any{"level": "aggressive", "disable": []string{"tini"}}}})
	diags = c.diagnostics(docURI)
	var got []string
	for _, d := range diags {
		got = append(got, d.(map[string]any)["code"].(string))
	}
	require.Contains(t, got, "exec-form")
	require.NotContains(t, got, "tini")

	// Closing clears the diagnostics.
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": docURI}})
	require.Empty(t, c.diagnostics(docURI))

	require.Nil(t, c.call("shutdown", nil))
	c.notify("exit", nil)
	select {
	case status := <-c.done:
		require.Equal(t, 0, status)
	case <-time.After(30 * time.Second):
		t.Fatal("dfopt lsp did not exit")
	}
}

// initializationOptions carry the editor's settings too.
func TestLSPInitializationOptions(t *testing.T) {
	c := startLSP(t)
	c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{},
		"initializationOptions": map[string]any{"level": "format", "enable": []string{"cache-cleanup"}}})
	c.notify("initialized", map[string]any{})
	u := "untitled:Untitled-1" // not a file: no configuration, no build context
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": u, "languageId": "dockerfile", "version": 1, "text": lspDockerfile}})
	var codes []string
	for _, d := range c.diagnostics(u) {
		codes = append(codes, d.(map[string]any)["code"].(string))
	}
	require.Equal(t, []string{"cache-cleanup"}, codes)
	c.call("shutdown", nil)
	c.notify("exit", nil)
	require.Equal(t, 0, <-c.done)
}

// Without shutdown, exit is status 1; a closed input ends the server too.
func TestLSPExitWithoutShutdown(t *testing.T) {
	c := startLSP(t)
	c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
	c.notify("exit", nil)
	require.Equal(t, 1, <-c.done)

	c = startLSP(t)
	c.w.Close()
	select {
	case status := <-c.done:
		require.Equal(t, 1, status)
	case <-time.After(30 * time.Second):
		t.Fatal("dfopt lsp did not stop at the end of its input")
	}
}

// waitExit returns the status of dfopt lsp once it has ended.
func (c *lspClient) waitExit() int {
	select {
	case status := <-c.done:
		return status
	case <-time.After(30 * time.Second):
		c.t.Fatal("dfopt lsp did not exit")
	}
	return -1
}

// frameJSON frames a JSON body as a client does.
func frameJSON(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// The JSON-RPC layer as a client meets it, through framed bytes: messages
// that are broken are answered with errors (JSON-RPC 2.0) and the session
// goes on; the lifecycle's order is not enforced.
func TestLSPProtocolErrors(t *testing.T) {
	c := startLSP(t)
	unopened := map[string]any{"textDocument": map[string]any{"uri": "untitled:none"}, "options": map[string]any{}}
	// A request before initialize is served.
	require.Equal(t, []any{}, c.call("textDocument/formatting", unopened))
	c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
	c.notify("initialized", map[string]any{})

	// A body that is not JSON: a parse error, with a null id.
	c.raw("Content-Length: 9\r\n\r\n{not json")
	m := c.next()
	require.Contains(t, m, "id")
	require.Nil(t, m["id"])
	require.EqualValues(t, -32700, m["error"].(map[string]any)["code"])
	// JSON that is not a request: invalid request, with the id when it
	// has one.
	c.raw(frameJSON(`{"jsonrpc":"2.0","id":41}`))
	m = c.next()
	require.EqualValues(t, 41, m["id"])
	require.EqualValues(t, -32600, m["error"].(map[string]any)["code"])
	c.raw(frameJSON(`{"id":42,"method":"shutdown"}`)) // no "jsonrpc": "2.0"
	m = c.next()
	require.EqualValues(t, 42, m["id"])
	require.EqualValues(t, -32600, m["error"].(map[string]any)["code"])

	// Unknown notifications are dropped, unknown requests are "method not
	// found", and a request whose params do not fit is "invalid params".
	c.notify("dfopt/noSuchNotification", map[string]any{"x": 1})
	c.notify("$/noSuchNotification", nil)
	require.EqualValues(t, -32601, c.callError("dfopt/noSuchRequest", map[string]any{}))
	require.EqualValues(t, -32602, c.callError("textDocument/formatting", "not an object"))
	require.EqualValues(t, -32602, c.callError("textDocument/codeAction", nil))
	// A notification whose params do not fit is dropped.
	c.notify("textDocument/didOpen", []int{1})
	// String ids are answered with the same string.
	c.send(map[string]any{"id": "seven", "method": "textDocument/formatting", "params": unopened})
	require.Equal(t, map[string]any{"jsonrpc": "2.0", "id": "seven", "result": []any{}}, c.next())

	// A batch is answered with an array, in order.
	c.raw(frameJSON(`[{"jsonrpc":"2.0","id":"a","method":"textDocument/formatting","params":{"textDocument":{"uri":"untitled:none"},"options":{}}},` +
		`{"jsonrpc":"2.0","method":"dfopt/noSuchNotification"},` +
		`{"jsonrpc":"2.0","id":"b","method":"dfopt/noSuchRequest"}]`))
	batch := c.next()["batch"].([]any)
	require.Len(t, batch, 2)
	require.Equal(t, "a", batch[0].(map[string]any)["id"])
	require.Equal(t, []any{}, batch[0].(map[string]any)["result"])
	require.Equal(t, "b", batch[1].(map[string]any)["id"])
	require.EqualValues(t, -32601, batch[1].(map[string]any)["error"].(map[string]any)["code"])

	// The client's responses are ignored: the server asks nothing.
	c.raw(frameJSON(`{"jsonrpc":"2.0","id":1,"result":null}`))

	// Shutdown, then the end of the input without exit: the shutdown was
	// asked for, so the status is 0.
	require.Nil(t, c.call("shutdown", nil))
	c.w.Close()
	require.Equal(t, 0, c.waitExit())
}

// A header that cannot be read ends the session: the stream cannot be
// trusted to find the next message.
func TestLSPBrokenHeader(t *testing.T) {
	for _, header := range []string{
		"Content-Length: x\r\n\r\n{}",
		"Content-Type: application/vscode-jsonrpc\r\n\r\n{}", // no Content-Length
		"garbage\r\n\r\n",
	} {
		c := startLSP(t)
		c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
		c.raw(header)
		require.Equal(t, 1, c.waitExit(), "%q", header)
	}
}

// Messages are served in the order they come, whatever the client does
// not wait for: each formatting request sees the changes sent before it,
// and none after.
func TestLSPOrder(t *testing.T) {
	c := startLSP(t)
	c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
	u := "untitled:order"
	texts := []string{lspDockerfile}
	for i := range 6 {
		texts = append(texts, fmt.Sprintf("FROM alpine:3.20\nRUN echo %d\nRUN echo again\n", i))
	}
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": u, "languageId": "dockerfile", "version": 1, "text": texts[0]}})
	for i, text := range texts {
		if i > 0 {
			c.notify("textDocument/didChange", map[string]any{
				"textDocument":   map[string]any{"uri": u, "version": i + 1},
				"contentChanges": []any{map[string]any{"text": text}}})
		}
		c.send(map[string]any{"id": 100 + i, "method": "textDocument/formatting", "params": map[string]any{
			"textDocument": map[string]any{"uri": u}, "options": map[string]any{}}})
	}
	for i, text := range texts {
		var m map[string]any
		for m = c.next(); m["method"] != nil; m = c.next() {
		}
		require.EqualValues(t, 100+i, m["id"])
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run([]string{"--no-config", "-"}, strings.NewReader(text), &stdout, &stderr), stderr.String())
		require.Equal(t, stdout.String(), c.apply(text, m["result"].([]any)), "formatting %d", i)
	}
	c.call("shutdown", nil)
	c.notify("exit", nil)
	require.Equal(t, 0, c.waitExit())
}

// dfopt lsp as a process: its exit status and its silence on standard
// error, with standard input and output as the editor's pipes.
func TestLSPProcess(t *testing.T) {
	bin := dfoptBinary(t)
	initialize := frameJSON(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	shutdown := frameJSON(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`)
	exit := frameJSON(`{"jsonrpc":"2.0","method":"exit"}`)
	for _, tc := range []struct {
		name, in string
		status   int
		answers  int
	}{
		{"shutdown and exit", initialize + shutdown + exit, 0, 2},
		{"exit without shutdown", initialize + exit, 1, 1},
		{"end of input", initialize, 1, 1},
		{"end of input after shutdown", initialize + shutdown, 0, 2},
		{"broken header", initialize + "Content-Length: -1\r\n\r\n" + shutdown + exit, 1, 1},
		{"not JSON", initialize + frameJSON("{") + shutdown + exit, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "lsp")
			cmd.Dir = t.TempDir()
			cmd.Stdin = strings.NewReader(tc.in)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			status := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.status, status)
			require.Empty(t, stderr.String())
			require.Equal(t, tc.answers, strings.Count(stdout.String(), "Content-Length: "), stdout.String())
		})
	}
}

func TestLSPUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitError, run([]string{"lsp", "Dockerfile"}, nil, &stdout, &stderr))
	require.Contains(t, stderr.String(), `unexpected argument "Dockerfile"`)
	stderr.Reset()
	require.Equal(t, exitError, run([]string{"lsp", "--level=fast"}, nil, &stdout, &stderr))
	require.Contains(t, stderr.String(), "unknown level")
	require.Equal(t, exitOK, run([]string{"lsp", "--help"}, nil, &stdout, &stderr))
	require.Contains(t, stdout.String(), "usage: dfopt lsp")
}

// docs/passes/README.md lists every pass under the name its page has, the
// page that SARIF rules and LSP diagnostics link to.
func TestPassIndex(t *testing.T) {
	data, err := os.ReadFile("../../docs/passes/README.md")
	require.NoError(t, err)
	for _, p := range passes.All() {
		require.Contains(t, string(data), fmt.Sprintf("| [%s](%s.md) | %s | %s |", p.Name, p.Name, p.Tier, p.Summary()))
		require.True(t, strings.HasSuffix(passDocURL(p.Name), "/docs/passes/"+p.Name+".md"))
	}
}

// BenchmarkLSPRun is the work behind one keystroke: the options for the
// document (its .dfopt.yaml looked up and read), the optimizer over it with
// its directory as build context, and the diagnostics.
//
//	go test ./cmd/dfopt -run '^$' -bench LSPRun
func BenchmarkLSPRun(b *testing.B) {
	for _, name := range []string{"../../examples/apt-heavy/Dockerfile", "../../examples/python-pip/Dockerfile"} {
		path, err := filepath.Abs(name)
		require.NoError(b, err)
		text, err := os.ReadFile(path)
		require.NoError(b, err)
		cfg, err := parseArgs(nil)
		require.NoError(b, err)
		require.NoError(b, cfg.resolve(nil))
		s := &lspServer{cfg: cfg, all: passes.All(), docs: map[lsp.DocumentURI]*lspDoc{}}
		u := lsp.FileURI(path)
		s.docs[u] = &lspDoc{text: text}
		b.Run(filepath.Base(filepath.Dir(path)), func(b *testing.B) {
			for b.Loop() {
				r := s.run(u)
				require.NoError(b, r.err)
				for _, f := range r.res.Findings {
					s.findingDiagnostic(r, f)
				}
			}
		})
	}
}
