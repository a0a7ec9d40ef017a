package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// sarifFiles are Dockerfiles that exercise the SARIF output: fixes of one
// and several edits, a context file (.dockerignore) the fix creates,
// non-ASCII text before the edits, CRLF, a byte-order mark, report-only
// findings, and a file that does not parse.
var sarifFiles = map[string]string{
	"app/Dockerfile":    "FROM debian:bookworm\nCOPY . /app\nUSER app\nCMD [\"/app/run\"]\n",
	"multi/Dockerfile":  "FROM debian:bookworm\n# é – ünïcode before the edits\nRUN echo 'héllo wörld' > /x\nRUN apt-get update\nRUN apt-get install -y curl\nCMD curl x\n",
	"app/.git/HEAD":     "ref: refs/heads/main\n",
	"app/pkg.json":      "{}\n",
	"crlf/Dockerfile":   "\uFEFFFROM python:3.12\r\nRUN pip install flask\r\nENV K v\r\nMAINTAINER me\r\n",
	"bad/Dockerfile":    "FROM alpine\nRUN <<EOF\necho\n",
	"latest/Dockerfile": "FROM ubuntu:latest\nADD . /src\nUSER root\n",
}

func writeTree(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	return dir
}

func loadSARIFSchema(t *testing.T) *jsonschema.Schema {
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("sarif-schema-2.1.0.json", doc))
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	require.NoError(t, err)
	return sch
}

func TestSARIFValidates(t *testing.T) {
	sch := loadSARIFSchema(t)
	dir := writeTree(t, sarifFiles)
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	// cache-mounts would mount the caches cache-cleanup removes here.
	status := run([]string{"--level=aggressive", "--disable=cache-mounts", "--format=sarif", "--check", "."}, nil, &stdout, &stderr)
	require.Equal(t, exitError, status, stderr.String()) // bad/Dockerfile
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(stdout.Bytes()))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst))

	// The schema does reject what is not SARIF: the test can fail.
	var bad map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &bad))
	bad["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "severe"
	require.Error(t, sch.Validate(bad))

	var log sarifLog
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &log))
	run := log.Runs[0]
	require.False(t, run.Invocations[0].ExecutionSuccessful)
	require.Len(t, run.Invocations[0].ToolExecutionNotifications, 1)
	n := run.Invocations[0].ToolExecutionNotifications[0]
	require.Equal(t, "bad/Dockerfile", n.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	require.Equal(t, 2, n.Locations[0].PhysicalLocation.Region.StartLine)

	// Files are processed concurrently, but their results come in walk
	// order, as the text output does.
	var uris []string
	for _, r := range run.Results {
		uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if len(uris) == 0 || uris[len(uris)-1] != uri {
			uris = append(uris, uri)
		}
	}
	require.Equal(t, []string{"app/Dockerfile", "crlf/Dockerfile", "latest/Dockerfile", "multi/Dockerfile"}, uris)

	rules := map[string]bool{}
	fixes, sideFixes := 0, 0
	for _, r := range run.Results {
		require.Equal(t, r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
		rules[r.RuleID] = true
		for _, f := range r.Fixes {
			fixes++
			for _, ch := range f.ArtifactChanges {
				if strings.HasSuffix(ch.ArtifactLocation.URI, ".dockerignore") {
					sideFixes++
				}
			}
		}
	}
	for _, want := range []string{"coalesce-runs", "cache-cleanup", "base-image-tag", "root-user", "maintainer-label", "env-key-value", "dockerignore"} {
		require.True(t, rules[want], "no %s result", want)
	}
	require.Positive(t, fixes)
	require.Positive(t, sideFixes)
}

// Applying a result's fix, read as SARIF says (lines, code-point columns,
// exclusive ends), to the original file gives what dfopt writes when that
// fix is the only one.
func TestSARIFFixesApply(t *testing.T) {
	cases := map[string]string{
		"Dockerfile":       "FROM debian:bookworm\nRUN echo 'ünï' && apt-get update && apt-get install -y curl\n",
		"merge.Dockerfile": "FROM debian:bookworm\n# ç\nRUN echo 'é' \\\n  ok\n\nRUN echo 'ö'\n",
		"crlf.Dockerfile":  "\uFEFFFROM alpine:3 as build\r\nRUN echo é\r\n",
		"env.Dockerfile":   "FROM alpine:3\nLABEL x=\"\u00e9t\u00e9\"\nENV B b\n",
		"maint.Dockerfile": "FROM alpine:3\nMAINTAINER Zoë <z@example.com>\n",
	}
	dir := writeTree(t, cases)
	t.Chdir(dir)
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			args := []string{"--level=aggressive", "--disable=tini,no-install-recommends,non-root", "--format=sarif", name}
			var stdout, stderr bytes.Buffer
			require.Equal(t, exitOK, run(args, nil, &stdout, &stderr), stderr.String())
			var log sarifLog
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &log))
			var fixes []sarifFix
			for _, r := range log.Runs[0].Results {
				fixes = append(fixes, r.Fixes...)
			}
			require.Len(t, fixes, 1, "want cases with exactly one fix")
			got := applySARIF(t, src, fixes[0].ArtifactChanges[0].Replacements)

			stdout.Reset()
			require.Equal(t, exitOK, run([]string{"--level=aggressive", "--disable=tini,no-install-recommends,non-root", name}, nil, &stdout, &stderr))
			require.Equal(t, stdout.String(), got)
		})
	}
}

// applySARIF applies replacements to text the way a SARIF consumer does.
func applySARIF(t *testing.T, src string, reps []sarifReplacement) string {
	bom := strings.HasPrefix(src, "\uFEFF")
	body := strings.TrimPrefix(src, "\uFEFF")
	lines := strings.SplitAfter(body, "\n")
	offset := func(line, col int) int {
		off := 0
		for i := 0; i < line-1; i++ {
			off += len(lines[i])
		}
		rest := body[off:]
		for c := 1; c < col; c++ {
			_, size := utf8.DecodeRuneInString(rest)
			require.Positive(t, size, "column %d beyond line %d", col, line)
			rest = rest[size:]
			off += size
		}
		return off
	}
	out := body
	for i := len(reps) - 1; i >= 0; i-- { // back to front
		r := reps[i]
		s := offset(r.DeletedRegion.StartLine, r.DeletedRegion.StartColumn)
		e := offset(r.DeletedRegion.EndLine, r.DeletedRegion.EndColumn)
		ins := ""
		if r.InsertedContent != nil {
			ins = r.InsertedContent.Text
		}
		out = out[:s] + ins + out[e:]
	}
	if bom {
		out = "\uFEFF" + out
	}
	return out
}
