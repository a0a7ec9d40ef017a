package optimizer_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

// A command that a pass adds to a RUN runs in whatever state the RUN
// leaves behind (a deleted working directory, a PATH set in a subshell, a
// tool the RUN just upgraded). Over the whole corpus, every command the
// default passes add must be one of the forms that state cannot change:
// rm -rf of fixed paths (pkgmgr.StateIndependent), or a command of the
// original with one of pkgmgr.Options added. The one program added is
// apt-get update, right in front of an apt command of the original that
// read the lists an earlier RUN left (cache-cleanup removes them there): it
// runs where that command runs. A new kind of cleanup that runs a program
// fails here until it is shown safe and allowed.
func TestCorpusAddedCommandsAreStateIndependent(t *testing.T) {
	removals, options, updates := 0, 0, 0
	for _, f := range corpus(t) {
		res, err := optimizer.Optimize(f.src, optimizer.Options{Filename: f.name})
		require.NoError(t, err, f.name)
		r, o, problems := addedCommands(t, f.name, f.src, res.Output)
		for _, p := range problems {
			if strings.HasSuffix(p, ": apt-get update") {
				continue
			}
			t.Errorf("%s: %s", f.name, p)
		}
		removals += r
		options += o
		updates += updatesBeforeApt(t, f.name, f.src, res.Output)
	}
	t.Logf("commands added over the corpus: %d removals, %d with an option added, %d apt-get update before an install", removals, options, updates)
	require.Positive(t, removals)
	require.Positive(t, options)
}

// The check itself catches what the passes once appended.
func TestAddedCommandsCatchesPrograms(t *testing.T) {
	in := "FROM node:18\nRUN npm install && rm -rf /root/.npm\nRUN apt-get update\n"
	for _, out := range []string{
		"FROM node:18\nRUN npm install && rm -rf /root/.npm && npm cache clean --force\nRUN apt-get update\n",
		"FROM node:18\nRUN npm install && rm -rf /root/.npm && { yarn cache clean || true; }\nRUN apt-get update\n",
		"FROM node:18\nRUN npm install && rm -rf /root/.npm\nRUN apt-get update && rm -rf ~/.bundle/cache \"$(gem env gemdir)\"/cache/*.gem\n",
		"FROM node:18\nRUN npm install --force && rm -rf /root/.npm\nRUN apt-get update\n",
		"FROM node:18\nRUN npm install && rm -rf /root/.npm\nRUN apt-get update && rm -rf node_modules\n",
		"FROM node:18\nRUN npm install && rm -rf /root/.npm\nRUN <<EOF\napt-get update\nEOF\n",
		"FROM node:18\nRUN npm install && rm -rf /root/.npm\nRUN apt-get update && npm install\n",
	} {
		_, _, problems := addedCommands(t, "Dockerfile", []byte(in), []byte(out))
		require.NotEmpty(t, problems, "not caught:\n%s", out)
	}
	r, o, problems := addedCommands(t, "Dockerfile", []byte(in),
		[]byte("FROM node:18\nRUN npm install --no-cache-dir && rm -rf /root/.npm\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n"))
	require.Empty(t, problems)
	require.Equal(t, [2]int{1, 1}, [2]int{r, o})
	// apt-get update goes only right in front of an apt command of the
	// original.
	in = "FROM debian\nRUN apt-get install -y curl && curl -V\n"
	require.Equal(t, 1, updatesBeforeApt(t, "Dockerfile", []byte(in), []byte("FROM debian\nRUN apt-get update && apt-get install -y curl && curl -V\n")))
	for _, out := range []string{
		"FROM debian\nRUN apt-get install -y curl && apt-get update && curl -V\n",
		"FROM debian\nRUN apt-get install -y curl && curl -V && apt-get update\n",
	} {
		require.Panics(t, func() { updatesBeforeApt(&panicT{t}, "Dockerfile", []byte(in), []byte(out)) }, out)
	}
}

// updatesBeforeApt counts the apt-get update commands out adds, and fails
// the test for one that is not right in front of an apt command of in
// that reads the lists.
func updatesBeforeApt(t require.TestingT, name string, in, out []byte) int {
	inCmds, _ := runCommands(t, name, in)
	outCmds, _ := runCommands(t, name+" (rewritten)", out)
	have := map[string]int{}
	for _, c := range inCmds {
		have[strings.Join(c, " ")]++
	}
	n := 0
	for i, c := range outCmds {
		text := strings.Join(c, " ")
		if have[text] > 0 {
			have[text]--
			continue
		}
		if text != "apt-get update" {
			continue
		}
		next := ""
		if i+1 < len(outCmds) {
			next = strings.Join(outCmds[i+1], " ")
		}
		if have[next] == 0 || !slices.Contains([]string{"apt-get", "apt", "apt-cache"}, lastWordName(outCmds[i+1])) {
			require.Fail(t, fmt.Sprintf("%s: apt-get update added, not in front of an apt command of the original (next: %q)", name, next))
		}
		n++
	}
	return n
}

// lastWordName is the name of a command given as its words: the first
// word that is not an assignment.
func lastWordName(words []string) string {
	for _, w := range words {
		if !strings.Contains(w, "=") {
			return w
		}
	}
	return ""
}

// panicT is a require.TestingT whose failures panic, to test a check.
type panicT struct{ *testing.T }

func (p *panicT) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (p *panicT) FailNow()                          { panic("FailNow") }

// addedCommands compares the commands of the RUNs of in and out: it
// counts those out adds that are allowed removals and allowed options, and
// describes the others.
func addedCommands(t require.TestingT, name string, in, out []byte) (removals, options int, problems []string) {
	inCmds, inOther := runCommands(t, name, in)
	outCmds, outOther := runCommands(t, name+" (rewritten)", out)
	have := map[string]bool{}
	count := map[string]int{}
	for _, c := range inCmds {
		have[strings.Join(c, " ")] = true
		count[strings.Join(c, " ")]++
	}
	for _, c := range outCmds {
		text := strings.Join(c, " ")
		count[text]--
		switch {
		case have[text] && (count[text] >= 0 || c[0] == "cd" || c[0] == "set"):
			// As in the original (manifest-first repeats a leading cd or
			// set when it splits a RUN).
		case withOption(c, have):
			options++
		case pkgmgr.StateIndependent(text):
			removals++
		default:
			problems = append(problems, fmt.Sprintf("added command is not a state-independent cleanup: %s", text))
		}
	}
	for _, o := range outOther {
		if !slices.Contains(inOther, o) {
			problems = append(problems, fmt.Sprintf("a RUN whose shell cannot be read changed: %s", o))
		}
	}
	return removals, options, problems
}

// withOption reports whether the command is one of have with one of
// pkgmgr.Options added.
func withOption(words []string, have map[string]bool) bool {
	for _, opt := range pkgmgr.Options {
		ow := strings.Fields(opt)
		for i := 0; i+len(ow) <= len(words); i++ {
			if slices.Equal(words[i:i+len(ow)], ow) {
				rest := append(slices.Clone(words[:i]), words[i+len(ow):]...)
				if have[strings.Join(rest, " ")] {
					return true
				}
			}
		}
	}
	return false
}

// runCommands returns the simple commands of the Dockerfile's RUNs (shell
// form under a POSIX shell, or a heredoc script), each as its words'
// source texts, and
// what BuildKit reads of the other RUNs (ONBUILD RUN included): their
// flags, arguments and heredocs, which no spelling change alters.
func runCommands(t require.TestingT, name string, src []byte) (cmds [][]string, other []string) {
	doc, err := dockerfile.Parse(name, src)
	require.NoError(t, err, name)
	for _, ins := range doc.Instructions {
		if ins.Cmd != "run" && !(ins.Cmd == "onbuild" && ins.Onbuild() == "run") {
			continue
		}
		if sr := runs.Script(doc, ins); sr != nil {
			// A heredoc script: its commands, and the RUN without them.
			other = append(other, fmt.Sprintf("%s flags=%q args=%q script", ins.Cmd, ins.Flags, ins.Args))
			for _, c := range shellparse.Commands(sr.Prog) {
				var words []string
				for _, w := range c.Call.Args {
					words = append(words, sr.Prog.Text(w))
				}
				cmds = append(cmds, words)
			}
			continue
		}
		if ins.Cmd != "run" || ins.JSON || len(ins.Heredocs()) > 0 || !ins.POSIXShell() {
			other = append(other, parsedRun(ins))
			continue
		}
		text, _ := ins.ShellArgs()
		prog, err := shellparse.Parse(text)
		if err != nil {
			other = append(other, parsedRun(ins))
			continue
		}
		for _, c := range shellparse.Commands(prog) {
			var words []string
			for _, w := range c.Call.Args {
				words = append(words, prog.Text(w))
			}
			cmds = append(cmds, words)
		}
	}
	return cmds, other
}

// parsedRun describes a RUN as BuildKit parsed it.
func parsedRun(ins *dockerfile.Instruction) string {
	s := fmt.Sprintf("%s %s flags=%q args=%q json=%v", ins.Cmd, ins.Onbuild(), ins.Flags, ins.Args, ins.JSON)
	for _, h := range ins.Heredocs() {
		s += fmt.Sprintf(" <<%s %q", h.Name, h.Content)
	}
	return s
}
