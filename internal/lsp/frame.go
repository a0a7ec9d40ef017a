package lsp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The base protocol frames each message as a header, a blank line and the
// body:
//
//	Content-Length: 52\r\n
//	\r\n
//	{"jsonrpc":"2.0","id":1,"method":"shutdown"}
//
// Content-Length is required; other header fields (Content-Type, whose only
// defined value is UTF-8 JSON) are ignored.

// ErrInvalidHeader is the error (wrapped, with the reason) of a message
// header that does not follow the base protocol. After one, the stream cannot
// be trusted to find the next message, so the connection ends.
var ErrInvalidHeader = errors.New("invalid message header")

// maxContentLength bounds the Content-Length a header may declare. It keeps
// a malformed number from being taken for a size; the body's buffer grows
// only as its bytes arrive, so a large declared length costs nothing until
// they do.
const maxContentLength = 1 << 30

// firstChunk is the largest buffer allocated for a body before any of it is
// read; larger bodies grow from it as they arrive.
const firstChunk = 1 << 20

// readFrame reads one message and returns its body. It returns io.EOF when
// the stream ends where a message could begin, and io.ErrUnexpectedEOF when it
// ends inside one. Header lines may end in CRLF, as the specification says,
// or in a bare LF, which some clients and hand-written tests send; a header
// line longer than r's buffer is an error.
func readFrame(r *bufio.Reader) ([]byte, error) {
	length := -1
	for first := true; ; first = false {
		line, err := r.ReadSlice('\n')
		switch {
		case err == io.EOF && first && len(line) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, io.ErrUnexpectedEOF
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, fmt.Errorf("%w: a header line is longer than %d bytes", ErrInvalidHeader, r.Size())
		case err != nil:
			return nil, err
		}
		line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return nil, fmt.Errorf("%w: %q has no colon", ErrInvalidHeader, line)
		}
		// Field names compare without regard to case, as in HTTP; a blank
		// before the colon makes another name.
		if !bytes.EqualFold(name, []byte("Content-Length")) {
			continue
		}
		n, ok := parseLength(bytes.Trim(value, " \t"))
		if !ok {
			return nil, fmt.Errorf("%w: bad Content-Length %q", ErrInvalidHeader, value)
		}
		length = n // a repeated field: the last one counts
	}
	if length < 0 {
		return nil, fmt.Errorf("%w: no Content-Length", ErrInvalidHeader)
	}
	body := make([]byte, min(length, firstChunk))
	for read := 0; ; {
		n, err := io.ReadFull(r, body[read:])
		read += n
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		if read == length {
			return body, nil
		}
		body = append(body, make([]byte, min(length-read, len(body)))...)
	}
}

// parseLength parses a Content-Length value: decimal digits only (no sign,
// no blanks inside), at most maxContentLength.
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > maxContentLength {
			return 0, false
		}
	}
	return n, true
}

// appendFrame appends body framed as one message to dst.
func appendFrame(dst, body []byte) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}
