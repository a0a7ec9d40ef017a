package lsp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadFrame(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		bodies   []string // the bodies read, in order
		err      error    // the error after them
	}{
		{"one", "Content-Length: 2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"two back to back", "Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]", []string{"{}", "[1]"}, io.EOF},
		{"empty input", "", nil, io.EOF},
		{"name in any case", "content-LENGTH: 2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"blanks around the value", "Content-Length: \t 2 \r\n\r\n{}", []string{"{}"}, io.EOF},
		{"no blank after the colon", "Content-Length:2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"Content-Type is ignored", "Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"Content-Type first", "Content-Type: x\r\nContent-Length: 2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"unknown fields are ignored", "X-Whatever: 1\r\nContent-Length: 2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"bare LF line ends", "Content-Length: 2\n\n{}", []string{"{}"}, io.EOF},
		{"the last Content-Length counts", "Content-Length: 9\r\nContent-Length: 2\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"zero length", "Content-Length: 0\r\n\r\n", []string{""}, io.EOF},
		{"leading zeros", "Content-Length: 002\r\n\r\n{}", []string{"{}"}, io.EOF},
		{"a body is not read past its length", "Content-Length: 1\r\n\r\n{}", []string{"{"}, io.ErrUnexpectedEOF},

		{"no Content-Length", "Content-Type: x\r\n\r\n{}", nil, ErrInvalidHeader},
		{"an empty header", "\r\n{}", nil, ErrInvalidHeader},
		{"a line without a colon", "Content-Length 2\r\n\r\n{}", nil, ErrInvalidHeader},
		{"garbage", "hello\r\n\r\n", nil, ErrInvalidHeader},
		{"a blank before the colon", "Content-Length : 2\r\n\r\n{}", nil, ErrInvalidHeader},
		{"not a number", "Content-Length: abc\r\n\r\n", nil, ErrInvalidHeader},
		{"empty value", "Content-Length: \r\n\r\n", nil, ErrInvalidHeader},
		{"negative", "Content-Length: -5\r\n\r\n", nil, ErrInvalidHeader},
		{"plus sign", "Content-Length: +2\r\n\r\n{}", nil, ErrInvalidHeader},
		{"hexadecimal", "Content-Length: 0x2\r\n\r\n{}", nil, ErrInvalidHeader},
		{"a blank inside", "Content-Length: 1 2\r\n\r\n", nil, ErrInvalidHeader},
		{"a stray CR", "Content-Length: 2\r\r\n\r\n{}", nil, ErrInvalidHeader},
		{"too large", "Content-Length: 99999999999999999999\r\n\r\n", nil, ErrInvalidHeader},
		{"just over the limit", "Content-Length: 1073741825\r\n\r\n", nil, ErrInvalidHeader},
		{"a header line longer than the buffer", "X: " + strings.Repeat("a", 5000) + "\r\nContent-Length: 2\r\n\r\n{}", nil, ErrInvalidHeader},
		{"a valid message, then garbage", "Content-Length: 2\r\n\r\n{}garbage\r\n\r\n", []string{"{}"}, ErrInvalidHeader},

		{"cut in the header", "Content-Len", nil, io.ErrUnexpectedEOF},
		{"cut before the blank line", "Content-Length: 2\r\n", nil, io.ErrUnexpectedEOF},
		{"cut in the body", "Content-Length: 10\r\n\r\n{\"a\"", nil, io.ErrUnexpectedEOF},
		{"a declared length far beyond the input", "Content-Length: 1000000000\r\n\r\n{}", nil, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tc.in))
			var got []string
			var err error
			for {
				var body []byte
				if body, err = readFrame(r); err != nil {
					break
				}
				got = append(got, string(body))
			}
			if strings.Join(got, "|") != strings.Join(tc.bodies, "|") || len(got) != len(tc.bodies) {
				t.Errorf("bodies %q, want %q", got, tc.bodies)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
}

// A body larger than the first buffer grows as it arrives, and arrives
// whole.
func TestReadFrameLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), firstChunk/16*3+5)
	in := appendFrame(nil, body)
	got, err := readFrame(bufio.NewReader(bytes.NewReader(in)))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("got %d bytes, %v; want %d bytes", len(got), err, len(body))
	}
	_, err = readFrame(bufio.NewReader(bytes.NewReader(in[:len(in)-1])))
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("a body one byte short: %v", err)
	}
}

func TestAppendFrame(t *testing.T) {
	got := string(appendFrame([]byte("x"), []byte(`{"a":"é"}`)))
	want := "xContent-Length: 10\r\n\r\n{\"a\":\"é\"}" // bytes, not characters
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzReadFrame reads messages from any input until an error: it must not
// panic, end with an error that says why, and return bodies of the length
// their headers declared.
func FuzzReadFrame(f *testing.F) {
	for _, s := range []string{
		"Content-Length: 2\r\n\r\n{}",
		"Content-Length: 2\n\n{}Content-Length: 0\r\n\r\n",
		"Content-Type: x\r\ncontent-length: 5\r\n\r\n[1,2]",
		"Content-Length: 99999999999\r\n\r\n",
		"Content-Length: 10\r\n\r\n{",
		"\r\n\r\n",
		":\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		total := 0
		for {
			body, err := readFrame(r)
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrInvalidHeader) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			total += len(body)
			if total > len(in) {
				t.Fatalf("read %d bytes of bodies from %d bytes", total, len(in))
			}
		}
	})
}
