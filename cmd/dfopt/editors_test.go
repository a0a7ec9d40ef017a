package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// docs/editors.md marks each command an editor recipe runs with a comment
// before the recipe's code block:
//
//	<!-- recipe MODE: dfopt ARGS... -->
//
// MODE is stdin (the editor pipes the buffer through the command and takes
// its output), write (the command rewrites the file) or lsp (the command is a
// language server). The test checks that the block shows exactly that
// command (its words appear in it in that order, with nothing in between),
// and runs it with the editor's placeholder for the file's path replaced.

// placeholders are the editors' names for the path of the file being saved,
// and whether they stand for a path relative to the editor's directory.
var placeholders = map[string]bool{
	"${file}":        false, // VS Code
	"$FILENAME":      false, // conform.nvim
	"%{buffer_name}": true,  // Helix
	"{buffer_path}":  false, // Zed
	"filepath":       false, // apheleia
	"$FilePath$":     false, // JetBrains
}

type recipe struct {
	mode    string
	argv    []string
	block   string
	section string
}

var (
	recipeRE = regexp.MustCompile(`^<!-- recipe (stdin|write|lsp): (.*) -->$`)
	quotedRE = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(\s*:)?`)
)

func readRecipes(t *testing.T) []recipe {
	data, err := os.ReadFile("../../docs/editors.md")
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	var out []recipe
	var pending []recipe
	section := ""
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
		}
		if m := recipeRE.FindStringSubmatch(line); m != nil {
			pending = append(pending, recipe{mode: m[1], argv: strings.Fields(m[2]), section: section})
			continue
		}
		if lang, ok := strings.CutPrefix(line, "```"); ok && len(pending) > 0 {
			var block []string
			for i++; i < len(lines) && lines[i] != "```"; i++ {
				block = append(block, lines[i])
			}
			for _, r := range pending {
				r.block = strings.Join(block, "\n")
				require.True(t, containsSeq(blockWords(t, lang, r.block), r.argv),
					"%s: the %s block does not show the command %q", section, lang, strings.Join(r.argv, " "))
				out = append(out, r)
			}
			pending = nil
		}
	}
	require.Empty(t, pending, "a recipe comment without a code block")
	return out
}

// blockWords are the words of a configuration snippet: its string values
// (a string that holds a command line is split into words), the editors'
// placeholders written bare, and for a text block the words after each
// "Label:".
func blockWords(t *testing.T, lang, block string) []string {
	var words []string
	if lang == "text" {
		for _, line := range strings.Split(block, "\n") {
			if i := strings.Index(line, ":"); i >= 0 && !strings.ContainsAny(line[:i], "$\"") {
				line = line[i+1:]
			}
			words = append(words, strings.Fields(line)...)
		}
		return words
	}
	for _, line := range strings.Split(block, "\n") {
		rest := line
		for rest != "" {
			loc := quotedRE.FindStringSubmatchIndex(rest)
			before := rest
			if loc != nil {
				before = rest[:loc[0]]
			}
			for _, w := range strings.FieldsFunc(before, func(r rune) bool { return strings.ContainsRune(" \t()'.,{}[]=", r) }) {
				if _, ok := placeholders[w]; ok {
					words = append(words, w)
				}
			}
			if loc == nil {
				break
			}
			if loc[4] < 0 { // not a key
				var s string
				require.NoError(t, json.Unmarshal([]byte(rest[loc[0]:loc[3]+1]), &s))
				words = append(words, splitCommand(s)...)
			}
			rest = rest[loc[1]:]
		}
	}
	return words
}

// splitCommand splits a command line into words at blanks, keeping
// double-quoted parts together.
func splitCommand(s string) []string {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for _, r := range s {
		switch {
		case r == '"':
			in, has = !in, true
		case (r == ' ' || r == '\t') && !in:
			if has {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if has {
		out = append(out, cur.String())
	}
	return out
}

func containsSeq(words, seq []string) bool {
	for i := 0; i+len(seq) <= len(words); i++ {
		match := true
		for j := range seq {
			match = match && words[i+j] == seq[j]
		}
		if match {
			return true
		}
	}
	return false
}

// The recipes cover the editors the guide promises.
func TestEditorRecipesCovered(t *testing.T) {
	recipes := readRecipes(t)
	modes := map[string]map[string]bool{}
	for _, r := range recipes {
		if modes[r.section] == nil {
			modes[r.section] = map[string]bool{}
		}
		modes[r.section][r.mode] = true
	}
	for _, ed := range []string{"VS Code", "Neovim", "Helix", "Zed", "Emacs", "JetBrains IDEs"} {
		require.True(t, modes[ed]["stdin"] || modes[ed]["write"], "%s: no format-on-save recipe", ed)
	}
	for _, ed := range []string{"Neovim", "Helix", "Emacs", "JetBrains IDEs"} {
		require.True(t, modes[ed]["lsp"], "%s: no language server recipe", ed)
	}
}

const editorDockerfile = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\nUSER app\n"

// Every recipe's command, run as the editor runs it on save, gives what
// `dfopt -w` gives (with the project's .dfopt.yaml), and leaves a file
// that does not parse alone.
func TestEditorRecipesRun(t *testing.T) {
	for _, r := range readRecipes(t) {
		t.Run(r.section+"/"+r.mode, func(t *testing.T) {
			// A path with a blank, and a configuration file that matters:
			// it turns cache-cleanup off.
			dir := filepath.Join(t.TempDir(), "my project")
			sub := filepath.Join(dir, "svc")
			require.NoError(t, os.MkdirAll(sub, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, ".dfopt.yaml"), []byte("disable: [cache-cleanup]\n"), 0o644))
			path := filepath.Join(sub, "Dockerfile")
			require.NoError(t, os.WriteFile(path, []byte(editorDockerfile), 0o644))
			t.Chdir(dir)

			want := dfoptOutput(t, path)
			require.NotEqual(t, editorDockerfile, want)
			require.NotEqual(t, dfoptOutput(t, "--no-config", path), want, "the configuration file makes no difference")
			require.NotContains(t, want, "rm -rf")

			argv := make([]string, len(r.argv))
			for i, w := range r.argv {
				argv[i] = w
				if rel, ok := placeholders[w]; ok {
					argv[i] = path
					if rel {
						argv[i] = filepath.Join("svc", "Dockerfile")
					}
				}
			}
			require.Equal(t, "dfopt", argv[0])
			broken := "FROM alpine:3.20\nRUN <<EOF\necho\n"

			switch r.mode {
			case "stdin":
				var stdout, stderr bytes.Buffer
				status := run(argv[1:], strings.NewReader(editorDockerfile), &stdout, &stderr)
				require.Equal(t, exitOK, status, stderr.String())
				require.Equal(t, want, stdout.String())
				require.Empty(t, stderr.String())

				stdout.Reset()
				stderr.Reset()
				status = run(argv[1:], strings.NewReader(broken), &stdout, &stderr)
				require.Equal(t, exitError, status)
				require.Empty(t, stdout.String(), "output on a parse error")
				require.Regexp(t, `Dockerfile:2: unterminated heredoc\n$`, stderr.String())
			case "write":
				var stdout, stderr bytes.Buffer
				status := run(argv[1:], nil, &stdout, &stderr)
				require.Equal(t, exitOK, status, stderr.String())
				got, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, want, string(got))

				require.NoError(t, os.WriteFile(path, []byte(broken), 0o644))
				status = run(argv[1:], nil, &stdout, &stderr)
				require.Equal(t, exitError, status)
				got, err = os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, broken, string(got), "file written on a parse error")
			case "lsp":
				c := startLSP(t, argv[2:]...)
				require.Equal(t, "lsp", argv[1])
				c.call("initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}})
				c.notify("initialized", map[string]any{})
				docURI := fileURI(path)
				c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
					"uri": docURI, "languageId": "dockerfile", "version": 1, "text": editorDockerfile}})
				require.NotEmpty(t, c.diagnostics(docURI))
				edits := c.call("textDocument/formatting", map[string]any{
					"textDocument": map[string]any{"uri": docURI}, "options": map[string]any{"tabSize": 4, "insertSpaces": true}}).([]any)
				require.Equal(t, want, c.apply(editorDockerfile, edits))
				c.call("shutdown", nil)
				c.notify("exit", nil)
				select {
				case status := <-c.done:
					require.Equal(t, 0, status)
				case <-time.After(30 * time.Second):
					t.Fatal("dfopt lsp did not exit")
				}
			}
		})
	}
}
