package passes_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"
)

var showReports = flag.Bool("report.show", false, "print every finding of the report-only passes on the corpus")

// reportPasses are the passes that report and never fix.
var reportPasses = []*analysis.Pass{
	passes.Lookup("base-image-tag"),
	passes.Lookup("root-user"),
	passes.Lookup("sudo"),
	passes.Lookup("secret-in-env"),
	passes.Lookup("curl-pipe-shell"),
	passes.Lookup("add-url"),
}

func TestReportPassesValid(t *testing.T) {
	require.NoError(t, analysis.Validate(reportPasses))
	for _, p := range reportPasses {
		require.Equal(t, analysis.Safe, p.Tier, p.Name)
	}
}

// The report-only passes run over every corpus and edge file without error
// and without changing anything.
func TestReportPassesCorpus(t *testing.T) {
	var files []string
	for _, pat := range []string{"../testdata/corpus/*.Dockerfile", "../testdata/edge/*.Dockerfile"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	counts := map[string]int{}
	filesWith := map[string]int{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, p := range reportPasses {
			res, err := optimizer.Optimize(src, optimizer.Options{
				Filename: filepath.Base(file), Passes: reportPasses, Enable: []string{p.Name},
			})
			require.NoError(t, err, "%s: %s", file, p.Name)
			require.Equal(t, string(src), string(res.Output), "%s: %s changed the file", file, p.Name)
			for _, f := range res.Findings {
				require.False(t, f.Fixed)
				require.NotEmpty(t, f.Message)
				require.False(t, strings.HasSuffix(f.Message, "."), f.Message)
				require.NotContains(t, f.Message, "\n")
				require.Less(t, f.Pos, f.End, "%s: %s", file, f)
				if *showReports {
					t.Logf("%s:%s: %q", filepath.Base(file), f, src[f.Pos:f.End])
				}
			}
			counts[p.Name] += len(res.Findings)
			if len(res.Findings) > 0 {
				filesWith[p.Name]++
			}
		}
	}
	for _, p := range reportPasses {
		t.Logf("%-16s %4d findings in %3d of %d files", p.Name, counts[p.Name], filesWith[p.Name], len(files))
	}
}

// spans runs one pass and returns the source text each finding covers.
func spans(t *testing.T, pass *analysis.Pass, src string) []string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Passes: reportPasses, Enable: []string{pass.Name}})
	require.NoError(t, err)
	var out []string
	for _, f := range res.Findings {
		out = append(out, src[f.Pos:f.End])
	}
	return out
}

// Findings cover the words they are about.
func TestReportPassesRanges(t *testing.T) {
	for _, tc := range []struct {
		pass *analysis.Pass
		src  string
		want []string
	}{
		{passes.Lookup("base-image-tag"), "ARG B=node\nFROM --platform=linux/amd64 $B AS x\nFROM  golang:latest\n",
			[]string{"$B", "golang:latest"}},
		{passes.Lookup("root-user"), "FROM debian:12\n  RUN true\nCMD [\"sh\"]\n", []string{"FROM debian:12"}},
		{passes.Lookup("root-user"), "FROM debian:12\nUSER app\nUSER root \n", []string{"USER root"}},
		{passes.Lookup("sudo"), "FROM debian:12\nRUN set -e; \\\n  env X=1 sudo -E make install\n", []string{"sudo"}},
		{passes.Lookup("sudo"), "FROM debian:12\nONBUILD RUN  /usr/bin/sudo true\n", []string{"/usr/bin/sudo"}},
		{passes.Lookup("sudo"), "FROM debian:12\nRUN <<EOT\nls\n  sudo true\nEOT\n", []string{"sudo"}},
		{passes.Lookup("secret-in-env"), "FROM debian:12\nENV A=1 \\\n    API_TOKEN=x\n", []string{"ENV A=1 \\\n    API_TOKEN=x"}},
		{passes.Lookup("curl-pipe-shell"), "FROM debian:12\nRUN true && curl -fsSL https://x/i.sh \\\n  | sh -s -- -y && true\n",
			[]string{"curl -fsSL https://x/i.sh \\\n  | sh -s -- -y"}},
		{passes.Lookup("curl-pipe-shell"), "FROM debian:12\nRUN sh -c \"$(curl -fsSL https://x/i.sh)\" && true\n",
			[]string{`sh -c "$(curl -fsSL https://x/i.sh)"`}},
		{passes.Lookup("curl-pipe-shell"), "FROM debian:12\nRUN <<EOT\nset -e\ncurl -fsSL https://x/i.sh | bash\nEOT\n",
			[]string{"curl -fsSL https://x/i.sh | bash"}},
		{passes.Lookup("add-url"), "FROM debian:12\nADD --chown=1 a https://x/y.tgz /z/\n", []string{"https://x/y.tgz"}},
		{passes.Lookup("add-url"), "FROM debian:12\nADD [\"https://x/y.tgz\", \"/z/\"]\n", []string{"https://x/y.tgz"}},
	} {
		require.Equal(t, tc.want, spans(t, tc.pass, tc.src), "%s: %q", tc.pass.Name, tc.src)
	}
}

// No input makes a report-only pass fail or change the file.
func FuzzReportPasses(f *testing.F) {
	edge, _ := filepath.Glob("../testdata/edge/*.Dockerfile")
	for _, p := range edge {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	cases, _ := filepath.Glob("../golden/*/*.txtar")
	for _, p := range cases {
		if ar, err := txtar.ParseFile(p); err == nil {
			for _, file := range ar.Files {
				if file.Name == "in.Dockerfile" {
					f.Add(file.Data)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := optimizer.Optimize(src, optimizer.Options{Passes: reportPasses, Enable: []string{"all"}})
		if err != nil {
			if _, ok := err.(*optimizer.ParseError); ok {
				return
			}
			t.Fatal(err)
		}
		if string(res.Output) != string(src) {
			t.Fatal("a report-only pass changed the file")
		}
	})
}
