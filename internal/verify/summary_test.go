package verify

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/oci/ocitest"
)

func TestSummarize(t *testing.T) {
	big := strings.Repeat("x", 1000)
	before := treeOf(t, ocitest.Layer{
		ocitest.Dir("usr"), ocitest.Dir("usr/lib"), ocitest.Dir("usr/lib/go-1.19"), ocitest.Dir("usr/lib/go-1.19/src"),
		ocitest.Dir("usr/lib/go-1.19/src/net"), ocitest.Reg("usr/lib/go-1.19/src/net/net.go", big),
		ocitest.Reg("usr/lib/go-1.19/VERSION", big[:10]), ocitest.Symlink("usr/lib/go", "go-1.19"),
		ocitest.Dir("usr/bin"), exe("usr/bin/gcc", big[:500]),
		ocitest.Dir("root"), ocitest.Dir("root/.cache"), ocitest.Dir("root/.cache/go-build"), ocitest.Dir("root/.cache/go-build/00"),
		ocitest.Reg("root/.cache/go-build/00/a", big[:700]),
		ocitest.Dir("go"), ocitest.Reg("go/whatsmyip.go", big[:20]), exe("go/whatsmyip", big[:300]),
		ocitest.Dir("var"), ocitest.Dir("var/log"), ocitest.Reg("var/log/dpkg.log", "changes"),
	})
	after := treeOf(t, ocitest.Layer{exe("whatsmyip", big[:200]), ocitest.Dir("go"), ocitest.Reg("go/whatsmyip.go", big[:20])})

	gone, added := GoneAndNew(before, after, func(p string) bool { return p == "/var/log/dpkg.log" })
	wantGone := []string{"/go/whatsmyip", "/root/.cache/go-build/00/a", "/usr/bin/gcc", "/usr/lib/go-1.19/VERSION", "/usr/lib/go-1.19/src/net/net.go"}
	if !reflect.DeepEqual(gone, wantGone) || !reflect.DeepEqual(added, []string{"/whatsmyip"}) {
		t.Fatalf("gone %q, new %q", gone, added)
	}
	s := Summarize(before, gone)
	want := &FileSummary{Files: 5, Bytes: 2510, Dirs: []DirSize{
		{"/usr/lib/go-1.19", 2, 1010}, {"/root/.cache/go-build", 1, 700}, {"/usr/bin", 1, 500}, {"/go", 1, 300},
	}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("gone:\n got %+v\nwant %+v", s, want)
	}
	if n := Summarize(after, added); n == nil || n.Files != 1 || n.Dirs[0].Dir != "/" {
		t.Errorf("new: %+v", n)
	}
	if Summarize(after, nil) != nil {
		t.Error("nothing: want nil")
	}

	// More directories than are listed: the rest is counted.
	var l ocitest.Layer
	for i := 0; i < SummaryDirs+3; i++ {
		d := string(rune('a' + i))
		l = append(l, ocitest.Dir(d), ocitest.Reg(d+"/f", big[:100+i]))
	}
	tree := treeOf(t, l)
	s = Summarize(tree, tree.Paths())
	if len(s.Dirs) != SummaryDirs || s.OtherDirs != 3 || s.OtherBytes != 300+3 || s.Dirs[0].Dir != "/k" {
		t.Errorf("capped: %+v", s)
	}

	var b strings.Builder
	writeSummary(&b, "went away", Summarize(before, gone))
	t.Log("\n" + b.String())
	for _, line := range []string{
		"went away: 5 files, 2.5 KiB\n",
		"  1010 B   2 files   /usr/lib/go-1.19\n",
		"   700 B    1 file   /root/.cache/go-build\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, b.String())
		}
	}
}
