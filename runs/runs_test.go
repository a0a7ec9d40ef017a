package runs_test

import (
	"slices"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, src string) *dockerfile.Document {
	t.Helper()
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	return doc
}

// AppendEdit runs a command after the RUN's last one, in the RUN's layout.
func TestAppendEdit(t *testing.T) {
	for _, tc := range []struct{ run, want string }{
		{"RUN a && b\n", "RUN a && b && rm -rf /x\n"},
		{"RUN a;\n", "RUN a && rm -rf /x;\n"},
		{"RUN a # note\n", "RUN a && rm -rf /x # note\n"},
		{"RUN a && \\\n    b\n", "RUN a && \\\n    b && \\\n    rm -rf /x\n"},
		{"RUN a \\\n  && b\n", "RUN a \\\n  && b \\\n  && rm -rf /x\n"},
		{"RUN a && \\\n      pkg1 \\\n  && b\n", "RUN a && \\\n      pkg1 \\\n  && b \\\n  && rm -rf /x\n"},
		{"RUN a && \\\r\n    b\r\n", "RUN a && \\\r\n    b && \\\r\n    rm -rf /x\r\n"},
	} {
		doc := parse(t, "FROM debian\n"+tc.run)
		r, err := runs.Parse(doc.Instructions[1])
		require.NoError(t, err)
		pos, text, ok := r.AppendEdit(doc, "rm -rf /x")
		require.True(t, ok, tc.run)
		got := string(doc.Src[:pos]) + text + string(doc.Src[pos:])
		require.Equal(t, "FROM debian\n"+tc.want, got, tc.run)
	}
	for _, run := range []string{"RUN a &\n", "RUN a && exit 0\n"} {
		doc := parse(t, "FROM debian\n"+run)
		r, err := runs.Parse(doc.Instructions[1])
		require.NoError(t, err)
		_, _, ok := r.AppendEdit(doc, "rm -rf /x")
		require.False(t, ok, run)
	}
}

func TestParse(t *testing.T) {
	doc := parse(t, "FROM debian\nRUN [\"a\"]\nRUN <<EOF\na\nEOF\nRUN a &&\nSHELL [\"pwsh\", \"-c\"]\nRUN a\nRUN   \n")
	for i, ins := range doc.Instructions[1:] {
		r, err := runs.Parse(ins)
		require.Nil(t, r, "%d", i)
		if i == 2 {
			require.Error(t, err, "a program that does not parse")
		} else {
			require.NoError(t, err)
		}
	}
	doc = parse(t, "FROM debian\nRUN --mount=type=cache,target=/root/.npm  npm ci \n")
	r, err := runs.Parse(doc.Instructions[1])
	require.NoError(t, err)
	require.Equal(t, "npm ci", r.Prog.Src)
	require.Equal(t, "npm", r.Commands()[0].Name)
	require.Equal(t, "npm", string(doc.Src[r.Src(0):r.After(3)]))
	require.Same(t, r, must(runs.Parse(doc.Instructions[1])), "parsed once per instruction")
}

func must(r *runs.Run, err error) *runs.Run {
	if err != nil {
		panic(err)
	}
	return r
}

// Read takes heredoc scripts and ONBUILD RUNs too, with offsets in the file.
func TestRead(t *testing.T) {
	src := "FROM debian\nRUN <<EOF\nset -e\nsudo x\nEOF\nONBUILD RUN  sudo y\nRUN <<EOF python3\nprint(1)\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
	doc := parse(t, src)
	for i, want := range []string{"sudo x", "sudo y", "", ""} {
		p := runs.Read(doc, doc.Instructions[i+1])
		if want == "" {
			require.Nil(t, p, "%d", i)
			continue
		}
		require.NotNil(t, p, "%d", i)
		cmds := p.Prog.File.Stmts
		last := cmds[len(cmds)-1]
		f := p.Finding(int(last.Pos().Offset()), int(last.End().Offset()), "m")
		require.Equal(t, want, src[f.Pos:f.End])
	}
}

func TestMounts(t *testing.T) {
	doc := parse(t, "FROM debian\nRUN --mount=type=cache,target=/root/.npm/ --mount=type=bind,source=.,target=/src --mount=type=secret,id=a,dst=/run/a npm ci\n")
	ins := doc.Instructions[1]
	require.Equal(t, []string{"/root/.npm"}, runs.CacheMounts(ins))
	require.Equal(t, []string{"/root/.npm", "/src", "/run/a"}, runs.MountTargets(ins))
	require.True(t, runs.Covers(runs.CacheMounts(ins), "/root/.npm/_cacache"))
	require.True(t, runs.Covers(runs.CacheMounts(ins), "/root"))
	require.False(t, runs.Covers(runs.CacheMounts(ins), "/root/.cache"))
	mounts := runs.Mounts(ins)
	require.Len(t, mounts, 3)
	src, ok := mounts[1].Get("source", "src")
	require.True(t, ok)
	require.Equal(t, ".", src)
	require.Equal(t, "/run/a", mounts[2].Target())
	_, ok = mounts[2].Get("from")
	require.False(t, ok)
}

// RemoveCommandsEdits takes commands out of && lists (and ; lists after
// set -e), and refuses where the rest would run otherwise.
func TestRemoveCommandsEdits(t *testing.T) {
	for _, tc := range []struct {
		run  string
		rm   []string // names of the commands to remove
		want string   // "" when refused
	}{
		{"RUN a && rm -rf /x\n", []string{"rm"}, "RUN a\n"},
		{"RUN rm -rf /x && a\n", []string{"rm"}, "RUN a\n"},
		{"RUN a && rm -rf /x && b\n", []string{"rm"}, "RUN a && b\n"},
		{"RUN a && \\\n    rm -rf /x && \\\n    b\n", []string{"rm"}, "RUN a && \\\n    b\n"},
		{"RUN a \\\n  && rm -rf /x \\\n  && b\n", []string{"rm"}, "RUN a \\\n  && b\n"},
		{"RUN a && \\\n    clean && \\\n    rm -rf /x\n", []string{"clean", "rm"}, "RUN a\n"},
		{"RUN a && rm -rf /x; b\n", []string{"rm"}, "RUN a; b\n"},
		{"RUN set -eux; a; rm -rf /x; b\n", []string{"rm"}, "RUN set -eux; a; b\n"},
		{"RUN set -e; a; rm -rf /x\n", []string{"rm"}, "RUN set -e; a;\n"},
		{"RUN set -o errexit; a; rm -rf /x\n", []string{"rm"}, "RUN set -o errexit; a;\n"},
		// refused
		{"RUN a; rm -rf /x\n", []string{"rm"}, ""},
		{"RUN a || rm -rf /x\n", []string{"rm"}, ""},
		{"RUN a && rm -rf /x || b\n", []string{"rm"}, ""},
		{"RUN set -e; set +e; a; rm -rf /x\n", []string{"rm"}, ""},
		{"RUN (a && rm -rf /x)\n", []string{"rm"}, ""},
		{"RUN rm -rf /x\n", []string{"rm"}, ""},
		{"RUN a && \\\n# note\n    rm -rf /x\n", []string{"rm"}, ""},
		{"RUN ! rm -rf /x && a\n", []string{"rm"}, ""},
	} {
		doc := parse(t, "FROM debian\n"+tc.run)
		r, err := runs.Parse(doc.Instructions[1])
		require.NoError(t, err)
		var cmds []*shellparse.Command
		for _, c := range r.Commands() {
			if slices.Contains(tc.rm, c.Name) {
				cmds = append(cmds, c)
			}
		}
		edits, ok := r.RemoveCommandsEdits(doc, cmds)
		require.Equal(t, tc.want != "", ok, tc.run)
		if !ok {
			continue
		}
		got := string(doc.Src)
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			got = got[:e.Pos] + e.NewText + got[e.End:]
		}
		require.Equal(t, "FROM debian\n"+tc.want, got, tc.run)
	}
}

func TestRemoveArgEdit(t *testing.T) {
	for _, tc := range []struct {
		run  string
		arg  int
		want string
	}{
		{"RUN rm -rf /a /b\n", 2, "RUN rm -rf /a\n"},
		{"RUN rm -rf /a /b && c\n", 1, "RUN rm -rf /b && c\n"},
		{"RUN pip install \\\n    --no-cache-dir \\\n    x\n", 1, "RUN pip install \\\n    x\n"},
	} {
		doc := parse(t, "FROM debian\n"+tc.run)
		r, err := runs.Parse(doc.Instructions[1])
		require.NoError(t, err)
		c := r.Commands()[0]
		e, ok := r.RemoveArgEdit(doc, c, tc.arg)
		require.True(t, ok, tc.run)
		got := string(doc.Src[:e.Pos]) + e.NewText + string(doc.Src[e.End:])
		require.Equal(t, "FROM debian\n"+tc.want, got, tc.run)
	}
}
