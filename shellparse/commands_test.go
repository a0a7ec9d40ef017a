package shellparse

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

// cmdSummary is a comparable view of a Command.
type cmdSummary struct {
	Name     string
	Module   string
	Wrappers []string
	Args     []string // "<dyn>" for a word that is not static
	Assigns  []string // NAME=source text of the value
	Sub      bool
	Cond     bool
}

func summarize(p *Program, c *Command) cmdSummary {
	s := cmdSummary{Name: c.Name, Module: c.Module, Wrappers: c.Wrappers, Sub: c.InSubshell, Cond: c.Conditional}
	for i := range c.Args {
		if c.Static[i] {
			s.Args = append(s.Args, c.Lits[i])
		} else {
			s.Args = append(s.Args, "<dyn>")
		}
	}
	for _, as := range c.Assigns {
		v := ""
		if as.Value != nil {
			v = p.Text(as.Value)
		}
		s.Assigns = append(s.Assigns, as.Name.Value+"="+v)
	}
	return s
}

func resolveOne(t *testing.T, src string) (*Program, *Command) {
	t.Helper()
	p := mustParse(t, src)
	require.Len(t, p.File.Stmts, 1)
	call, ok := p.File.Stmts[0].Cmd.(*syntax.CallExpr)
	require.True(t, ok, "%q is not a simple command", src)
	return p, Resolve(call)
}

func TestResolve(t *testing.T) {
	tests := []struct {
		src  string
		want cmdSummary
	}{
		{"apt-get install -y curl", cmdSummary{Name: "apt-get", Args: []string{"install", "-y", "curl"}}},
		{"/usr/bin/apt-get update", cmdSummary{Name: "apt-get", Args: []string{"update"}}},
		{"'apt-get' update", cmdSummary{Name: "apt-get", Args: []string{"update"}}},
		{"sudo -u root env DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y curl", cmdSummary{
			Name: "apt-get", Wrappers: []string{"sudo", "env"},
			Args:    []string{"install", "-y", "curl"},
			Assigns: []string{"DEBIAN_FRONTEND=noninteractive"},
		}},
		{"sudo -E env DEBIAN_FRONTEND=noninteractive apt-get install -y x", cmdSummary{
			Name: "apt-get", Wrappers: []string{"sudo", "env"},
			Args:    []string{"install", "-y", "x"},
			Assigns: []string{"DEBIAN_FRONTEND=noninteractive"},
		}},
		{"X=1 sudo -EH -g grp --preserve-env=PATH --user=me --chdir /tmp A=\"b c\" apk add x", cmdSummary{
			Name: "apk", Wrappers: []string{"sudo"},
			Args:    []string{"add", "x"},
			Assigns: []string{"X=1", `A="b c"`},
		}},
		{"sudo -iu root \"A=1\" 'B=x y' apt-get update", cmdSummary{
			Name: "apt-get", Wrappers: []string{"sudo"}, Args: []string{"update"}, Assigns: []string{`A="A=1"`, `B='B=x y'`},
		}},
		{"sudo -uroot apt-get update", cmdSummary{Name: "apt-get", Wrappers: []string{"sudo"}, Args: []string{"update"}}},
		{"sudo -u $USER apt-get update", cmdSummary{Name: "apt-get", Wrappers: []string{"sudo"}, Args: []string{"update"}}},
		{"sudo -- apt-get update", cmdSummary{Name: "apt-get", Wrappers: []string{"sudo"}, Args: []string{"update"}}},
		{"sudo -l", cmdSummary{Name: "sudo", Args: []string{"-l"}}},
		{"sudo -l apt-get", cmdSummary{Name: "sudo", Args: []string{"-l", "apt-get"}}},
		{"sudo -h", cmdSummary{Name: "sudo", Args: []string{"-h"}}},
		{"sudo", cmdSummary{Name: "sudo"}},
		{"sudo -u root", cmdSummary{Name: "sudo", Args: []string{"-u", "root"}}},
		{"env", cmdSummary{Name: "env"}},
		{"env A=1", cmdSummary{Name: "env", Args: []string{"A=1"}}},
		{"env -i - -u HOME -C/tmp -- A= B=x$y pip install x", cmdSummary{
			Name: "pip", Wrappers: []string{"env"},
			Args:    []string{"install", "x"},
			Assigns: []string{"A=", "B=x$y"},
		}},
		{"env --default-signal --unset X cmd", cmdSummary{Name: "cmd", Wrappers: []string{"env"}}},
		{"env -S 'apt-get update'", cmdSummary{Name: "env", Args: []string{"-S", "apt-get update"}}},
		{"/usr/bin/env python3 -m pip install -U pip", cmdSummary{
			Name: "pip", Module: "pip", Wrappers: []string{"env"}, Args: []string{"install", "-U", "pip"},
		}},
		{"command -v apt-get", cmdSummary{Name: "command", Args: []string{"-v", "apt-get"}}},
		{"command -p apt-get update", cmdSummary{Name: "apt-get", Wrappers: []string{"command"}, Args: []string{"update"}}},
		{"builtin cd /x", cmdSummary{Name: "cd", Wrappers: []string{"builtin"}, Args: []string{"/x"}}},
		{"exec gosu app:app nice -n 10 nohup timeout -s KILL 5m stdbuf -oL run --x", cmdSummary{
			Name: "run", Wrappers: []string{"exec", "gosu", "nice", "nohup", "timeout", "stdbuf"}, Args: []string{"--x"},
		}},
		{"exec", cmdSummary{Name: "exec"}},
		{"exec -a name app", cmdSummary{Name: "app", Wrappers: []string{"exec"}}},
		{"nice -10 make", cmdSummary{Name: "make", Wrappers: []string{"nice"}}},
		{"/usr/bin/time -v -o /tmp/t make -j4", cmdSummary{Name: "make", Wrappers: []string{"time"}, Args: []string{"-j4"}}},
		{"su-exec nobody eatmydata apt-get install x", cmdSummary{
			Name: "apt-get", Wrappers: []string{"su-exec", "eatmydata"}, Args: []string{"install", "x"},
		}},
		{"doas -u root apk add x", cmdSummary{Name: "apk", Wrappers: []string{"doas"}, Args: []string{"add", "x"}}},
		{"python3 -m pip install -r r.txt", cmdSummary{Name: "pip", Module: "pip", Args: []string{"install", "-r", "r.txt"}}},
		{"python -m pip install x", cmdSummary{Name: "pip", Module: "pip", Args: []string{"install", "x"}}},
		{"/usr/local/bin/python3.11 -u -W ignore -m pip install x", cmdSummary{
			Name: "pip", Module: "pip", Args: []string{"install", "x"},
		}},
		{"python3 -mpip install x", cmdSummary{Name: "pip", Module: "pip", Args: []string{"install", "x"}}},
		{"python3 -m venv /venv", cmdSummary{Name: "venv", Module: "venv", Args: []string{"/venv"}}},
		{"python3 -c 'import pip' -m pip", cmdSummary{Name: "python3", Args: []string{"-c", "import pip", "-m", "pip"}}},
		{"python3 setup.py -m pip", cmdSummary{Name: "python3", Args: []string{"setup.py", "-m", "pip"}}},
		{"python3 -m", cmdSummary{Name: "python3", Args: []string{"-m"}}},
		{"pip3 install x", cmdSummary{Name: "pip3", Args: []string{"install", "x"}}},
		{"$PIP install x", cmdSummary{Name: "", Args: []string{"install", "x"}}},
		{"sudo $CMD x", cmdSummary{Name: "", Wrappers: []string{"sudo"}, Args: []string{"x"}}},
		{"echo $HOME \"$x\" 'lit'", cmdSummary{Name: "echo", Args: []string{"<dyn>", "<dyn>", "lit"}}},
		{"FOO=1 BAR=$x make", cmdSummary{Name: "make", Assigns: []string{"FOO=1", "BAR=$x"}}},
		{"xargs rm", cmdSummary{Name: "xargs", Args: []string{"rm"}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, c := resolveOne(t, tt.src)
			assert.Equal(t, tt.want, summarize(p, c))
			require.GreaterOrEqual(t, c.NameIdx, 0)
			assert.Len(t, c.Lits, len(c.Args))
			assert.Len(t, c.Static, len(c.Args))
			assert.Equal(t, len(c.Call.Args)-c.NameIdx-1, len(c.Args))
		})
	}
}

func TestResolveOffsets(t *testing.T) {
	src := "sudo -E env DEBIAN_FRONTEND=noninteractive apt-get install -y curl"
	p, c := resolveOne(t, src)
	assert.Equal(t, 4, c.NameIdx)
	assert.Equal(t, "apt-get", p.Text(c.NameWord()))
	assert.Equal(t, strings.Index(src, "apt-get"), Offset(c.NameWord().Pos()))
	assert.Equal(t, "-y", c.Arg(1))
	assert.Equal(t, "", c.Arg(7))
	assert.True(t, c.HasWrapper("env"))
	assert.False(t, c.HasWrapper("nice"))

	require.Len(t, c.Assigns, 1)
	as := c.Assigns[0]
	assert.Equal(t, "DEBIAN_FRONTEND", p.Text(as.Name))
	assert.Equal(t, "noninteractive", p.Text(as.Value))
	assert.Equal(t, "DEBIAN_FRONTEND=noninteractive", p.Text(as))
	v, ok := Lit(as.Value)
	assert.True(t, ok)
	assert.Equal(t, "noninteractive", v)

	p, c = resolveOne(t, `env A="x y"z B= cmd`)
	require.Len(t, c.Assigns, 2)
	assert.Equal(t, `"x y"z`, p.Text(c.Assigns[0].Value))
	assert.Nil(t, c.Assigns[1].Value)
	assert.Equal(t, "B", p.Text(c.Assigns[1].Name))

	p, c = resolveOne(t, `env "A=x y" cmd`)
	require.Len(t, c.Assigns, 1)
	assert.Equal(t, "A", c.Assigns[0].Name.Value)
	assert.Equal(t, `"A=x y"`, p.Text(c.Assigns[0]))
	v, ok = Lit(c.Assigns[0].Value)
	assert.True(t, ok)
	assert.Equal(t, "x y", v)
	assert.Equal(t, "cmd", c.Name)

	p, c = resolveOne(t, "python3 -m pip install x")
	assert.Equal(t, "pip", p.Text(c.NameWord()))
	_, c = resolveOne(t, "python3 -mpip install x")
	assert.Equal(t, 1, c.NameIdx)
}

func TestResolveAssignOnly(t *testing.T) {
	p, c := resolveOne(t, "FOO=bar")
	assert.Equal(t, -1, c.NameIdx)
	assert.Nil(t, c.NameWord())
	assert.Equal(t, "", c.Name)
	assert.Empty(t, c.Args)
	assert.Equal(t, cmdSummary{Assigns: []string{"FOO=bar"}}, summarize(p, c))
}

func TestCommands(t *testing.T) {
	tests := []struct {
		src  string
		want []cmdSummary
	}{
		{"apt-get update && apt-get install -y curl # note", []cmdSummary{
			{Name: "apt-get", Args: []string{"update"}},
			{Name: "apt-get", Args: []string{"install", "-y", "curl"}},
		}},
		{"a && b || c", []cmdSummary{
			{Name: "a", Cond: true}, {Name: "b", Cond: true}, {Name: "c", Cond: true},
		}},
		{"a || b && c", []cmdSummary{
			{Name: "a", Cond: true}, {Name: "b", Cond: true}, {Name: "c"},
		}},
		{"a && b; c", []cmdSummary{{Name: "a"}, {Name: "b"}, {Name: "c"}}},
		{"! a && b", []cmdSummary{{Name: "a", Cond: true}, {Name: "b"}}},
		{"a | b", []cmdSummary{{Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true}}},
		{"! a | b", []cmdSummary{{Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true, Cond: true}}},
		{"a |& b", []cmdSummary{{Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true}}},
		{"sleep 1 & b", []cmdSummary{{Name: "sleep", Args: []string{"1"}, Sub: true, Cond: true}, {Name: "b"}}},
		{"(cd /x && make)", []cmdSummary{{Name: "cd", Args: []string{"/x"}, Sub: true}, {Name: "make", Sub: true}}},
		{"{ cd /x && make; }", []cmdSummary{{Name: "cd", Args: []string{"/x"}}, {Name: "make"}}},
		{"x=$(cd /; pwd)", []cmdSummary{
			{Assigns: []string{"x=$(cd /; pwd)"}},
			{Name: "cd", Args: []string{"/"}, Sub: true},
			{Name: "pwd", Sub: true},
		}},
		{"echo $(a) `b`", []cmdSummary{
			{Name: "echo", Args: []string{"<dyn>", "<dyn>"}},
			{Name: "a", Sub: true, Cond: true},
			{Name: "b", Sub: true, Cond: true},
		}},
		{"x=$(a)$(b)", []cmdSummary{
			{Assigns: []string{"x=$(a)$(b)"}},
			{Name: "a", Sub: true, Cond: true},
			{Name: "b", Sub: true, Cond: true},
		}},
		{"diff <(a) b", []cmdSummary{
			{Name: "diff", Args: []string{"<dyn>", "b"}},
			{Name: "a", Sub: true, Cond: true},
		}},
		{"if a; then b; elif c; then d; else e; fi", []cmdSummary{
			{Name: "a", Cond: true}, {Name: "b", Cond: true}, {Name: "c", Cond: true},
			{Name: "d", Cond: true}, {Name: "e", Cond: true},
		}},
		{"while a; do b; done; until c; do d; done", []cmdSummary{
			{Name: "a", Cond: true}, {Name: "b", Cond: true}, {Name: "c", Cond: true}, {Name: "d", Cond: true},
		}},
		{"for f in $(ls); do rm $f; done", []cmdSummary{
			{Name: "ls", Sub: true, Cond: true},
			{Name: "rm", Args: []string{"<dyn>"}, Cond: true},
		}},
		{"for ((i=0; i<3; i++)); do a; done", []cmdSummary{{Name: "a", Cond: true}}},
		{"case $x in a) b;; *) c;; esac", []cmdSummary{{Name: "b", Cond: true}, {Name: "c", Cond: true}}},
		{"f() { cd /; }; f", []cmdSummary{{Name: "cd", Args: []string{"/"}, Cond: true}, {Name: "f"}}},
		{"g() ( a )", []cmdSummary{{Name: "a", Sub: true, Cond: true}}},
		{"time sudo make", []cmdSummary{{Name: "make", Wrappers: []string{"sudo"}}}},
		{"coproc a", []cmdSummary{{Name: "a", Sub: true, Cond: true}}},
		{"export A=$(a) && local b=`b`", []cmdSummary{{Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true, Cond: true}}},
		{"[[ -n $(a) ]] && (( $(b) ))", []cmdSummary{{Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true, Cond: true}}},
		{"cat <<EOF > $(a)\n$(b)\nEOF", []cmdSummary{
			{Name: "cat"}, {Name: "a", Sub: true, Cond: true}, {Name: "b", Sub: true, Cond: true},
		}},
		{"echo a | while read l; do :; done", []cmdSummary{
			{Name: "echo", Args: []string{"a"}, Sub: true, Cond: true},
			{Name: "read", Args: []string{"l"}, Sub: true, Cond: true},
			{Name: ":", Sub: true, Cond: true},
		}},
		{"a $(b $(c))", []cmdSummary{
			{Name: "a", Args: []string{"<dyn>"}},
			{Name: "b", Args: []string{"<dyn>"}, Sub: true, Cond: true},
			{Name: "c", Sub: true, Cond: true},
		}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			var got []cmdSummary
			for _, c := range Commands(p) {
				got = append(got, summarize(p, c))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCommandsOffsets(t *testing.T) {
	src := "set -eux; apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"
	p := mustParse(t, src)
	cmds := Commands(p)
	require.Len(t, cmds, 4)
	assert.Equal(t, []string{"set", "apt-get", "apt-get", "rm"},
		[]string{cmds[0].Name, cmds[1].Name, cmds[2].Name, cmds[3].Name})
	start, end := Span(cmds[2].Call)
	assert.Equal(t, "apt-get install -y --no-install-recommends curl", src[start:end])
	assert.Equal(t, []string{"-rf", "/var/lib/apt/lists/*"}, cmds[3].Lits)
	assert.Equal(t, []bool{true, true}, cmds[3].Static)
}

func TestOperands(t *testing.T) {
	for src, want := range map[string][]string{
		`mkdir -p /a "$B" - c`:     {"/a", "<dyn>", "-", "c"},
		`rm -rf -- -x /y`:          {"-x", "/y"},
		`chown -R app:app /app /b`: {"app:app", "/app", "/b"},
		`true`:                     nil,
	} {
		p, err := Parse(src)
		require.NoError(t, err)
		c := Commands(p)[0]
		var got []string
		for _, i := range Operands(c) {
			if c.Static[i] {
				got = append(got, c.Lits[i])
			} else {
				got = append(got, "<dyn>")
			}
		}
		assert.Equal(t, want, got, src)
	}
}

// CommandOf gives, for every call of a program, the command Resolve reads
// from it: the one Commands listed (with where it runs) or a new one.
func TestCommandOf(t *testing.T) {
	for _, src := range []string{
		"apt-get update && (cd /x && sudo -u app make) || true",
		"x=$(curl -fsSL https://x | sh) && env A=1 nice -n 5 python3 -m pip install y",
		"for f in *; do echo \"$f\" | xargs rm; done; exec su -c 'apt-get install -y z'",
	} {
		p, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[*syntax.CallExpr]*Command{}
		for _, c := range Commands(p) {
			listed[c.Call] = c
		}
		n := 0
		Walk(p.File, func(node syntax.Node) bool {
			call, ok := node.(*syntax.CallExpr)
			if !ok {
				return true
			}
			n++
			got, want := p.CommandOf(call), Resolve(call)
			if c := listed[call]; c != nil && got != c {
				t.Errorf("%q: %s: not the command Commands listed", src, want.Name)
			}
			if got.Name != want.Name || !slices.Equal(got.Lits, want.Lits) || !slices.Equal(got.Wrappers, want.Wrappers) {
				t.Errorf("%q: CommandOf gives %s %q, Resolve %s %q", src, got.Name, got.Lits, want.Name, want.Lits)
			}
			return true
		})
		if n == 0 {
			t.Fatalf("%q: no calls", src)
		}
	}
}
