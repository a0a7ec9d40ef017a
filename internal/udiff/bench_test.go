package udiff

import (
	"fmt"
	"strings"
	"testing"
)

// benchFile returns a Dockerfile-like text of n lines.
func benchFile(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		switch i % 7 {
		case 0:
			lines[i] = fmt.Sprintf("RUN apt-get update && apt-get install -y --no-install-recommends pkg%d \\\n", i)
		case 1, 2, 3:
			lines[i] = fmt.Sprintf("\t\tlib%d-dev \\\n", i)
		case 4:
			lines[i] = "\t&& rm -rf /var/lib/apt/lists/*\n"
		case 5:
			lines[i] = "\n"
		case 6:
			lines[i] = fmt.Sprintf("ENV VAR%d=value%d\n", i, i)
		}
	}
	return lines
}

func BenchmarkUnified(b *testing.B) {
	const n = 2000
	base := benchFile(n)
	a := []byte(strings.Join(base, ""))
	edits := map[string]func([]string) []string{
		"one change": func(ls []string) []string {
			ls[1000] = "ENV CHANGED=1\n"
			return ls
		},
		"five changes": func(ls []string) []string {
			ls[10] = "ENV CHANGED=1\n"
			ls = append(ls[:500], ls[501:]...)
			ls = append(ls[:1000], append([]string{"RUN true\n", "RUN false\n"}, ls[1000:]...)...)
			ls[1500] = "\t\tlibchanged-dev \\\n"
			ls[1990] = "ENV CHANGED=2\n"
			return ls
		},
		"first and last line": func(ls []string) []string {
			ls[0] = "FROM scratch\n"
			ls[len(ls)-1] = "CMD [\"sh\"]\n"
			return ls
		},
		"unrelated": func(ls []string) []string {
			for i := range ls {
				ls[i] = fmt.Sprintf("# comment %d\n", i)
			}
			return ls
		},
		"fifty changes": func(ls []string) []string {
			for i := 17; i < len(ls); i += 40 {
				ls[i] = fmt.Sprintf("ENV CHANGED%d=1\n", i)
			}
			return ls
		},
	}
	for _, name := range []string{"one change", "five changes", "first and last line", "fifty changes", "unrelated"} {
		bb := []byte(strings.Join(edits[name](append([]string(nil), base...)), ""))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(a) + len(bb)))
			b.ReportAllocs()
			for b.Loop() {
				Unified("Dockerfile", "Dockerfile", a, bb, 3)
			}
		})
	}
}
