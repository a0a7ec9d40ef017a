package dockerfile

import (
	"fmt"
	"strings"
	"testing"
)

// Parsing the same small file again gives the same document, which owns
// its source: a caller that reuses its buffer does not change it.
func TestParseCache(t *testing.T) {
	buf := []byte("FROM debian:bookworm\nRUN echo cached\n")
	a, err := Parse("Dockerfile", buf)
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, "FROM alpine:3.20   \n")
	if string(a.Src) != "FROM debian:bookworm\nRUN echo cached\n" || a.Stages[0].Base != "debian:bookworm" {
		t.Fatalf("the document changed with the caller's buffer: %q", a.Src)
	}
	b, err := Parse("Dockerfile", []byte("FROM debian:bookworm\nRUN echo cached\n"))
	if err != nil || b != a {
		t.Fatalf("not the cached document: %p %p %v", a, b, err)
	}
	if c, _ := Parse("other/Dockerfile", []byte("FROM debian:bookworm\nRUN echo cached\n")); c == a || c.Name != "other/Dockerfile" {
		t.Errorf("another name gave the same document")
	}
	if d, _ := Parse("Dockerfile", buf); d == a || d.Stages[0].Base != "alpine:3.20" {
		t.Errorf("other bytes gave the cached document")
	}
	// Errors are not kept; a large file is not kept.
	if _, err := Parse("Dockerfile", []byte("RUN x\nFROM a\n")); err == nil {
		t.Fatal("no error")
	}
	big := []byte("FROM a\n" + strings.Repeat("RUN echo 0123456789\n", cacheMaxFile/20+1))
	x, _ := Parse("Dockerfile", big)
	y, _ := Parse("Dockerfile", big)
	if x == y || &x.Src[0] != &big[0] {
		t.Errorf("a large file was cached, or its source copied")
	}
}

// The cache holds at most cacheMaxBytes of source, dropping the least
// recently used documents first.
func TestParseCacheBound(t *testing.T) {
	defer func(n int) { cacheMaxBytes = n }(cacheMaxBytes)
	cacheMaxBytes = 512 << 10
	first := []byte("FROM a\nRUN echo first\n")
	d0, _ := Parse("first", first)
	body := strings.Repeat("RUN echo 0123456789abcdef\n", 2000) // ~52 KiB
	for i := 0; i < 2*cacheMaxBytes/len(body); i++ {
		if i%10 == 0 {
			Parse("first", first) // recently used: kept
		}
		if _, err := Parse(fmt.Sprint(i), []byte("FROM a\n"+body)); err != nil {
			t.Fatal(err)
		}
	}
	parsed.mu.Lock()
	n, size := len(parsed.m), parsed.bytes
	parsed.mu.Unlock()
	if size > cacheMaxBytes || n != parsed.lru.Len() {
		t.Errorf("%d bytes in %d documents (list %d)", size, n, parsed.lru.Len())
	}
	if d, _ := Parse("first", first); d != d0 {
		t.Errorf("a recently used document was dropped")
	}
	if _, ok := parsed.m["0\x00FROM a\n"+body]; ok {
		t.Errorf("the oldest document was kept")
	}
}
