package coalesceruns_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

var (
	execN    = flag.Int("exec.n", 120, "random files per shell in TestCoalesceRunsExecutes")
	execSeed = flag.Uint64("exec.seed", 1, "random seed for TestCoalesceRunsExecutes")
)

// Snippets for RUN bodies. $LOG is a trace file; each RUN starts in the
// work directory with the same environment, as in a build.
var execSnippets = []string{
	`echo A >> "$LOG"`,
	`true`,
	`false`,
	`cd sub`,
	`cd sub && echo B >> "$LOG"`,
	`pwd >> "$LOG"`,
	`export V=1`,
	`echo "V=$V" >> "$LOG"`,
	`FOO=bar`,
	`echo "FOO=$FOO" >> "$LOG"`,
	`FOO=baz true`,
	`set -e`,
	`set -e; false; echo C >> "$LOG"`,
	`set -eu; echo D >> "$LOG"`,
	`false || echo E >> "$LOG"`,
	`echo F >> "$LOG"; false`,
	`false; echo G >> "$LOG"`,
	`exit 0`,
	`exit 3`,
	`(exit 4)`,
	`test -d sub || exit 0`,
	`umask 077`,
	`umask >> "$LOG"`,
	`f() { echo H >> "$LOG"; }; f`,
	`f >> "$LOG" 2>&1 || true`,
	`if true; then false; echo I >> "$LOG"; fi`,
	`echo J >> "$LOG";`,
	`echo K >> "$LOG" # note`,
	`for x in 1 2; do echo "L$x" >> "$LOG"; done`,
	`echo "x=$x" >> "$LOG"`,
	`trap 'echo T >> "$LOG"' EXIT`,
	`! false && echo M >> "$LOG"`,
	`echo N >> "$LOG" | cat`,
	`case a in a) echo O >> "$LOG" ;; esac`,
	`mkdir -p made && cd made && touch here`,
	`ls >> "$LOG"`,
	`{ echo P >> "$LOG"; false; }`,
	`set +e`,
	`set -o pipefail 2>/dev/null || true`,
	`false | true`,
	`alias q=true`,
	`shift 2>/dev/null || true`,
	`readonly R=1`,
	`R=2 2>/dev/null; echo "R=$R" >> "$LOG"`,
}

// simulate runs the shell-form RUNs of a single-stage Dockerfile the way a
// build does (a fresh shell per RUN, stop at the first failure) and returns
// the trace.
func simulate(t *testing.T, src []byte, shell []string) string {
	doc, err := dockerfile.Parse("Dockerfile", src)
	require.NoError(t, err)
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	require.NoError(t, os.MkdirAll(filepath.Join(work, "sub"), 0o755))
	log := filepath.Join(dir, "log")
	var trace strings.Builder
	for _, ins := range doc.Instructions {
		if ins.Cmd != "run" {
			continue
		}
		prog, _ := ins.ShellArgs()
		if len(ins.Heredocs()) == 1 && strings.TrimSpace(prog) == "<<"+ins.Heredocs()[0].Name {
			// A heredoc script: BuildKit hands its body to the shell.
			prog = ins.Heredocs()[0].Content
		}
		cmd := exec.Command(shell[0], append(shell[1:], prog)...)
		cmd.Dir = work
		cmd.Env = []string{"LOG=" + log, "PATH=/usr/bin:/bin"}
		out, err := cmd.CombinedOutput()
		trace.Write(out)
		if err != nil {
			fmt.Fprintf(&trace, "build failed: %v\n", err)
			break
		}
	}
	data, _ := os.ReadFile(log)
	trace.WriteString("log:\n")
	trace.Write(data)
	find := exec.Command("find", ".", "-printf", "%p %m\n")
	find.Dir = work
	files, _ := find.Output()
	trace.WriteString("files:\n")
	trace.Write(files)
	// A shell names the line of a failing command in its message; merged
	// into a heredoc script, the command is on another line.
	return shellLine.ReplaceAllString(strings.ReplaceAll(trace.String(), dir, "$DIR"), "${1}N:")
}

var shellLine = regexp.MustCompile(`(line |dash: )[0-9]+:`)

func TestCoalesceRunsExecutes(t *testing.T) {
	shells := map[string][]string{
		"dash":         {"dash", "-c"},
		"bash":         {"bash", "-c"},
		"bash-errexit": {"bash", "-e", "-o", "pipefail", "-c"},
	}
	for name, sh := range shells {
		_, err := exec.LookPath(sh[0])
		require.NoError(t, err, "the %s shell is needed for this test", sh[0])
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(*execSeed, uint64(len(name))))
			merged := 0
			for i := 0; i < *execN; i++ {
				var b strings.Builder
				b.WriteString("FROM debian:bookworm\n")
				if name == "bash-errexit" {
					b.WriteString(`SHELL ["bash", "-e", "-o", "pipefail", "-c"]` + "\n")
				} else if name == "bash" {
					b.WriteString(`SHELL ["bash", "-c"]` + "\n")
				}
				n := 2 + rng.IntN(4)
				for j := 0; j < n; j++ {
					body := execSnippets[rng.IntN(len(execSnippets))]
					if rng.IntN(3) == 0 {
						body += " && " + execSnippets[rng.IntN(len(execSnippets))]
					}
					if rng.IntN(4) == 0 {
						// A heredoc script of one to three lines.
						for k := rng.IntN(3); k > 0; k-- {
							body += "\n" + execSnippets[rng.IntN(len(execSnippets))]
						}
						fmt.Fprintf(&b, "RUN <<EOF\n%s\nEOF\n", body)
						continue
					}
					fmt.Fprintf(&b, "RUN %s\n", body)
				}
				src := []byte(b.String())
				res, err := optimizer.Optimize(src, optimizer.Options{Enable: []string{"coalesce-runs"}})
				require.NoError(t, err, "%s", src)
				if !res.Changed() {
					continue
				}
				merged++
				before := simulate(t, src, sh)
				after := simulate(t, res.Output, sh)
				require.Equal(t, before, after, "merging changed what the build does\n--- before\n%s--- after\n%s", src, res.Output)
			}
			t.Logf("%d of %d random files merged and checked", merged, *execN)
			require.Greater(t, merged, *execN/3)
		})
	}
}
