// Package docs_test generates the pass reference pages, docs/passes/NAME.md
// and the index in docs/passes/README.md, from the pass registry, and
// keeps them in step with it: a page that is missing, stale or names no
// registered pass fails the test. `go test ./docs -update` rewrites them.
package docs_test

import (
	"flag"
	"fmt"
	"go/doc/comment"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/passes")

const (
	dir        = "passes"
	indexBegin = "<!-- passes:begin -->\n"
	indexEnd   = "<!-- passes:end -->\n"
)

func TestPassPages(t *testing.T) {
	want := map[string]string{}
	for _, p := range passes.All() {
		want[p.Name+".md"] = page(p)
	}
	for name, text := range want {
		path := filepath.Join(dir, name)
		if *update {
			require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
			continue
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "%s is missing: run go test ./docs -update", path)
		require.Equal(t, text, string(got), "%s is stale: run go test ./docs -update", path)
	}
	// No page for a pass that is not registered.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok && e.Name() != "README.md" {
			if *update {
				require.NoError(t, os.Remove(filepath.Join(dir, e.Name())))
				continue
			}
			t.Errorf("%s documents no registered pass: run go test ./docs -update", filepath.Join(dir, e.Name()))
		}
	}

	path := filepath.Join(dir, "README.md")
	readme, err := os.ReadFile(path)
	require.NoError(t, err)
	before, rest, ok := strings.Cut(string(readme), indexBegin)
	require.True(t, ok, "%s has no %q", path, indexBegin)
	_, after, ok := strings.Cut(rest, indexEnd)
	require.True(t, ok, "%s has no %q", path, indexEnd)
	text := before + indexBegin + index() + indexEnd + after
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return
	}
	require.Equal(t, text, string(readme), "the index in %s is stale: run go test ./docs -update", path)
}

// index is the table of the passes, in the order they run.
func index() string {
	var b strings.Builder
	b.WriteString("| pass | tier | summary |\n|---|---|---|\n")
	for _, p := range passes.All() {
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s |\n", p.Name, p.Name, p.Tier, p.Summary())
	}
	return b.String()
}

// page is the reference page of a pass.
func page(p *analysis.Pass) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Generated from the pass registry by `go test ./docs -update`. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "# %s\n\n%s.\n\n", p.Name, upperFirst(p.Summary()))
	switch p.Tier {
	case analysis.Format:
		b.WriteString("**Tier: format.** It changes how the file is written, not what the build does. It runs at every level: `--level=format`, the default `safe`, and `aggressive`.\n\n")
	case analysis.Safe:
		b.WriteString("**Tier: safe.** It keeps the image's files (apart from the caches it removes) and its configuration. It runs by default (`--level=safe`) and with `--level=aggressive`.\n\n")
	case analysis.Aggressive:
		b.WriteString("**Tier: aggressive.** It may change what the image does, and says so below. It runs only with `--level=aggressive` or when named: `--enable=" + p.Name + "`.\n\n")
	}
	fmt.Fprintf(&b, "Switch it off with `--disable=%s`, `disable: [%s]` in `.dfopt.yaml`, or `# dfopt:ignore=%s` above an instruction.", p.Name, p.Name, p.Name)
	for _, tool := range []struct {
		rules         map[string]string
		owner, pragma string
	}{{optimizer.HadolintRules.Get(), "hadolint's", "# hadolint ignore="}, {optimizer.BuildKitChecks.Get(), "BuildKit's", "# check=skip="}} {
		var names []string
		for rule, pass := range tool.rules {
			if pass == p.Name {
				names = append(names, rule)
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			fmt.Fprintf(&b, " %s `%s%s` switches it off too.", tool.owner, tool.pragma, strings.Join(names, ","))
		}
	}
	fmt.Fprintf(&b, " `dfopt --explain=%s` prints what follows.\n\n", p.Name)
	b.WriteString(markdown(p.Doc()))
	return b.String()
}

// markdown renders a pass's documentation, written as a Go doc comment,
// as Markdown: paragraphs, lists and headings as the doc comment printer
// writes them, code blocks (the before/after examples) fenced.
func markdown(text string) string {
	var parser comment.Parser
	doc := parser.Parse(text)
	var printer comment.Printer
	var b strings.Builder
	for i, block := range doc.Content {
		if i > 0 {
			b.WriteString("\n")
		}
		switch block := block.(type) {
		case *comment.Code:
			lang := ""
			if first, _, _ := strings.Cut(strings.TrimSpace(block.Text), " "); instruction(first) {
				lang = "dockerfile"
			}
			fmt.Fprintf(&b, "```%s\n%s```\n", lang, block.Text)
		default:
			b.Write(printer.Markdown(&comment.Doc{Content: []comment.Block{block}}))
		}
	}
	return b.String()
}

func instruction(word string) bool {
	switch strings.ToUpper(word) {
	case "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
		"VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL":
		return true
	}
	return false
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
