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
		// errexit stays on in a group that ends the RUN
		{"RUN a && { set -e; b; c; }\n", "RUN a && { set -e; b; c && rm -rf /x; }\n"},
		{"RUN a && ( set -eu; b )\n", "RUN a && ( set -eu; b && rm -rf /x )\n"},
		{"RUN a && { b; c; }\n", "RUN a && { b; c; } && rm -rf /x\n"},
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

// Mounts that every RUN gets afresh and may write to: tmpfs, and bind mounts
// made writable (BuildKit reads rw and ro in order, the last one wins).
func TestFreshMounts(t *testing.T) {
	for flags, want := range map[string][]string{
		"--mount=type=bind,target=/src":                          nil,
		"--mount=target=/src,rw":                                 {"/src"},
		"--mount=type=bind,from=repo,target=/src,readwrite":      {"/src"},
		"--mount=type=bind,target=/src,rw=true":                  {"/src"},
		"--mount=type=bind,target=/src,rw=false":                 nil,
		"--mount=type=bind,target=/src,rw,ro":                    nil,
		"--mount=type=bind,target=/src,ro=0":                     {"/src"},
		"--mount=type=bind,target=/src,rw=$RW":                   {"/src"},
		"--mount=type=tmpfs,target=/tmp":                         {"/tmp"},
		"--mount=type=cache,target=/root/.cache":                 nil,
		"--mount=type=secret,id=a,target=/run/a":                 nil,
		"--mount=type=$T,target=/x":                              {"/x"},
		"--mount=type=cache,target=/c --mount=type=TMPFS,dst=/t": {"/t"},
	} {
		doc := parse(t, "FROM debian\nRUN "+flags+" true\n")
		require.Equal(t, want, runs.FreshMounts(doc.Instructions[1]), flags)
	}
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

// A heredoc script takes its appended command on its last command's line,
// joined with &&, wherever that line is.
func TestScriptAppendEdit(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"apt-get update\napt-get install -y curl\n", "apt-get update\napt-get install -y curl && rm -rf /x\n"},
		{"set -e\na\nb # note\n\n# end\n", "set -e\na\nb && rm -rf /x # note\n\n# end\n"},
		{"a;\n", "a && rm -rf /x;\n"},
		{"if a; then\n  b\nfi\n", "if a; then\n  b\nfi && rm -rf /x\n"},
		{"cat <<X >/f\nx\nX\nb\n", "cat <<X >/f\nx\nX\nb && rm -rf /x\n"},
		{"#!/bin/bash -e\na \\\n  b\n", "#!/bin/bash -e\na \\\n  b && rm -rf /x\n"},
		{"a &&\n{\nset -e\nb\n}\n", "a &&\n{\nset -e\nb && rm -rf /x\n}\n"},
	} {
		src := "FROM debian\nRUN <<EOT\n" + tc.body + "EOT\nRUN c\n"
		doc := parse(t, src)
		r := runs.Script(doc, doc.Instructions[1])
		require.NotNil(t, r, tc.body)
		require.True(t, r.IsScript())
		pos, text, ok := r.AppendEdit(doc, "rm -rf /x")
		require.True(t, ok, tc.body)
		got := src[:pos] + text + src[pos:]
		require.Equal(t, "FROM debian\nRUN <<EOT\n"+tc.want+"EOT\nRUN c\n", got, tc.body)
	}
	for _, body := range []string{"a &\n", "a\nexit 0\n", "a\ncat <<X\nx\nX\n", "a\r\nb\r\n"} {
		doc := parse(t, "FROM debian\nRUN <<EOT\n"+body+"EOT\n")
		r := runs.Script(doc, doc.Instructions[1])
		require.NotNil(t, r, body)
		_, _, ok := r.AppendEdit(doc, "rm -rf /x")
		require.False(t, ok, body)
	}
}

// Script reads a RUN made of one heredoc that a POSIX shell runs, and
// nothing else.
func TestScript(t *testing.T) {
	src := "FROM debian\n" +
		"RUN <<EOT\na\nEOT\n" + // 1: a script
		"RUN <<EOT python3\nprint(1)\nEOT\n" + // 2: another command
		"RUN <<EOT\n#!/usr/bin/env python3\nprint(1)\nEOT\n" + // 3: another interpreter
		"RUN <<EOT\n#!/bin/sh -e\na\nEOT\n" + // 4: sh with errexit
		"RUN <<EOT\r\na\r\nEOT\r\n" + // 5: carriage returns, read but not appended to
		"RUN <<-EOT\n\ta\n\tEOT\n" + // 6: tabs that BuildKit strips
		"RUN a\n" // 7: shell form
	doc := parse(t, src)
	for i, want := range []bool{true, false, false, true, true, true, false} {
		r := runs.Script(doc, doc.Instructions[i+1])
		require.Equal(t, want, r != nil, "%d", i+1)
	}
	r := runs.Script(doc, doc.Instructions[4])
	require.Equal(t, "/bin/sh -e", r.Shebang)
	require.True(t, r.ScriptErrexit())
	require.False(t, runs.Script(doc, doc.Instructions[1]).ScriptErrexit())
	require.Same(t, runs.Script(doc, doc.Instructions[1]), runs.Shell(doc.Instructions[1]), "read once")
	require.NotNil(t, runs.Shell(doc.Instructions[7]), "shell form")
	require.Nil(t, runs.Shell(doc.Instructions[3]))
}
