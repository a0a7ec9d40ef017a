package analysis_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
)

// passDocs returns the content of every pass's doc.go, by pass name.
func passDocs(tb testing.TB) map[string]string {
	files, err := filepath.Glob("../passes/*/doc.go")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no doc.go files: %v", err)
	}
	docs := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		docs[filepath.Base(filepath.Dir(f))] = string(b)
	}
	return docs
}

// BenchmarkExtractDoc reads the documentation of every pass, as the
// passes do when the program starts.
func BenchmarkExtractDoc(b *testing.B) {
	docs := passDocs(b)
	for b.Loop() {
		for name, content := range docs {
			if _, _, err := analysis.ExtractDoc(content, name); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestExtractDocCRLF checks that a doc.go with CRLF line ends reads as
// the same file with LF line ends, for every pass.
func TestExtractDocCRLF(t *testing.T) {
	for name, content := range passDocs(t) {
		s1, d1, err1 := analysis.ExtractDoc(content, name)
		s2, d2, err2 := analysis.ExtractDoc(strings.ReplaceAll(content, "\n", "\r\n"), name)
		if err1 != nil || err2 != nil || s1 != s2 || d1 != d2 {
			t.Errorf("%s: LF and CRLF differ: %v %v", name, err1, err2)
		}
	}
}
