package continuationindent_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// Two chains indented by 4 spaces set the file's indentation; the third
// RUN is the one under test.
const head = "FROM alpine:3.19\nRUN a \\\n    && b\nRUN c \\\n    && d\n"

func format(t *testing.T, src string) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"continuation-indent"}})
	require.NoError(t, err)
	return string(res.Output)
}

func TestMoves(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// operators at the start, deeper argument lines keep their depth
		{"RUN e \\\n  && f \\\n      x \\\n  && g\n", "RUN e \\\n    && f \\\n        x \\\n    && g\n"},
		// operators at the end; no indentation at all
		{"RUN e && \\\nf && \\\ng\n", "RUN e && \\\n    f && \\\n    g\n"},
		// a ; list, with a blank line of only the escape character
		{"RUN e; \\\n  \\\n  f; \\\n  g\n", "RUN e; \\\n    \\\n    f; \\\n    g\n"},
		// the program starts on a continuation line after flags
		{"RUN --mount=type=cache,target=/x \\\n  e && f\n", "RUN --mount=type=cache,target=/x \\\n    e && f\n"},
		// an empty assignment before a command: the blank stays
		{"RUN e && \\\n  X= \\\n  f\n", "RUN e && \\\n    X= \\\n    f\n"},
		// an escaped blank ends the word before the line break
		{"RUN e \\\n  && touch a\\ \\\n  b\n", "RUN e \\\n    && touch a\\ \\\n    b\n"},
		// an if block: nested lines keep their depth
		{"RUN if e; then \\\n      f; \\\n  fi && \\\n  g\n", "RUN if e; then \\\n        f; \\\n    fi && \\\n    g\n"},
	} {
		require.Equal(t, head+c.want, format(t, head+c.in), "%q", c.in)
	}
}

func TestLeavesAlone(t *testing.T) {
	for _, in := range []string{
		// inside quotes: the blanks are part of the string
		"RUN e \\\n  && echo 'a \\\n  b'\n",
		// inside a command substitution
		"RUN e \\\n  && x=\"$(f \\\n  g)\"\n",
		// after a shell comment, which swallows the rest
		"RUN e # note \\\n  && f\n",
		// a word continued on the next line
		"RUN e \\\n  && ech\\\no f\n",
		// an arithmetic command
		"RUN e \\\n  && (( 1 + \\\n  2 ))\n",
		// builder flags on a continuation line
		"RUN \\\n  --mount=type=cache,target=/x \\\n  e && f\n",
		// a line with less indentation than the chain
		"RUN e \\\n  && f \\\n x\n",
		// would mix tabs and spaces
		"RUN e \\\n\t&& f \\\n\t\tx\n",
		// not a chain: one package per line
		"RUN apk add \\\n  curl \\\n  git\n",
		// exec form, heredoc, ONBUILD
		"RUN [\"e\", \\\n  \"f\"]\n",
		"RUN <<EOF \\\n  && f\nx\nEOF\n",
		"ONBUILD RUN e \\\n  && f\n",
		// a shell that does not parse
		"RUN e \\\n  && (f\n",
	} {
		require.Equal(t, head+in, format(t, head+in), "%q", in)
	}
}

// With a backtick escape, a backslash at the end of a line is the
// shell's: it escapes the first blank of the next line.
func TestBacktickEscapedBlank(t *testing.T) {
	head := "# escape=`\nFROM alpine:3.19\nRUN a `\n    && b\nRUN c `\n    && d\n"
	in := head + "RUN e `\n  && touch a\\`\n  b\n"
	require.Equal(t, in, format(t, in))
	ok := head + "RUN e `\n  && touch a `\n  b\n"
	require.Equal(t, head+"RUN e `\n    && touch a `\n    b\n", format(t, ok))
}

func TestNonPOSIXShell(t *testing.T) {
	in := head + "SHELL [\"pwsh\", \"-c\"]\nRUN e ; \\\n  f\n"
	require.Equal(t, in, format(t, in))
	win := "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN a `\n    && b\nRUN c `\n    && d\nRUN e `\n  && f\n"
	require.Equal(t, win, format(t, win))
}

func TestTarget(t *testing.T) {
	// Chains are counted, not lines: two short chains by 2 spaces outweigh
	// one long chain by 4.
	in := "FROM a\nRUN a \\\n  && b\nRUN c \\\n  && d\nRUN e \\\n    && f \\\n    && g \\\n    && h\n"
	want := "FROM a\nRUN a \\\n  && b\nRUN c \\\n  && d\nRUN e \\\n  && f \\\n  && g \\\n  && h\n"
	require.Equal(t, want, format(t, in))
	// The file's indentation is never none.
	flat := "FROM a\nRUN a && \\\nb\nRUN c && \\\nd\nRUN e && \\\n  f\n"
	require.Equal(t, flat, format(t, flat))
}
