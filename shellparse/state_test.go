package shellparse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// leakStrings renders leaks as "kind:what".
func leakStrings(leaks []Leak) []string {
	var out []string
	for _, l := range leaks {
		out = append(out, l.Kind+":"+l.What)
	}
	return out
}

func TestLeaks(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		// No leaks.
		{"apt-get update && apt-get install -y curl", nil},
		{"a && b || c", nil},
		{"(cd /x && make)", nil},
		{"FOO=1 make", nil},
		{"echo a | while read l; do :; done", nil},
		{"echo a | cd /", nil},
		{"echo $(cd /; pwd)", nil},
		{"x() { :; }; true", []string{"function:x"}},
		{"set", nil},
		{"export -p", nil},
		{"declare -f", nil},
		{"command -v cd", nil},
		{"sudo cd /x", nil},
		{"env A=1 cd /x", nil},
		{"/usr/bin/cd /x", nil},
		{"printf '%s' x", nil},
		{"cat <(cd /; ls)", nil},
		{"[[ -f x ]] && (( 1 + 2 ))", nil},
		{"g() ( cd / ); g", []string{"function:g"}},
		{"echo hi # cd /", nil},

		// Directory changes.
		{"cd /x && make", []string{"cd:cd"}},
		{"pushd /x; popd", []string{"cd:pushd", "cd:popd"}},
		{"if x; then cd /; fi", []string{"cd:cd"}},
		{"for d in a b; do cd $d; done", []string{"assign:d", "cd:cd"}},
		{"{ cd /x; }", []string{"cd:cd"}},
		{"builtin cd /x", []string{"cd:cd"}},
		{"command cd /x", []string{"cd:cd"}},
		{"time cd /x", []string{"cd:cd"}},
		{"! cd /x", []string{"cd:cd"}},
		{"a || cd /x", []string{"cd:cd"}},

		// Variables.
		{"export A=1", []string{"export:A"}},
		{"export A B=2", []string{"export:A", "export:B"}},
		{"declare -x A=1", []string{"declare:A"}},
		{"readonly R", []string{"readonly:R"}},
		{"local l=1", []string{"local:l"}},
		{"FOO=bar", []string{"assign:FOO"}},
		{"a=1 b=2", []string{"assign:a", "assign:b"}},
		{"arr=(1 2); arr[3]=x; s+=y", []string{"assign:arr", "assign:arr", "assign:s"}},
		{"x=$(cd /; pwd)", []string{"assign:x"}},
		{"unset A", []string{"unset:unset"}},
		{"read x", []string{"read:read"}},
		{"echo ${A:=default}", []string{"assign:A"}},
		{"echo ${A:-default}", nil},
		{"echo $((i++)) $((j = 2))", []string{"assign:i", "assign:j"}},
		{"(( n += 1 ))", []string{"assign:n"}},
		{"let x=1", []string{"let:let", "assign:x"}},
		{"printf -v out '%s' x", []string{"printf:printf"}},
		{"getopts ab opt", []string{"getopts:getopts"}},
		{"mapfile lines < f", []string{"mapfile:mapfile"}},
		{"shift", []string{"shift:shift"}},
		{"set -- a b", []string{"set:set"}},
		{"dirs -c; dirs", []string{"dirs:dirs"}},
		{"printf -- -v", nil},
		{"printf -vx '%s' y", []string{"printf:printf"}},
		{"while read -r l; do :; done < f", []string{"read:read"}},
		{"for ((i = 0; i < 2; i++)); do :; done", []string{"assign:i", "assign:i"}},
		{"FOO=1 export X", []string{"assign:FOO", "export:export"}},
		{"FOO=1 :", []string{"assign:FOO"}},
		{"exec {fd}>file", []string{"exec:exec", "assign:fd"}},

		// Options and other shell state.
		{"set -eux", []string{"set:set"}},
		{"set -o pipefail && a", []string{"set:set"}},
		{"shopt -s globstar", []string{"shopt:shopt"}},
		{"umask 022", []string{"umask:umask"}},
		{"ulimit -n 1024", []string{"ulimit:ulimit"}},
		{"alias ll='ls -l'", []string{"alias:alias"}},
		{"unalias ll", []string{"unalias:unalias"}},
		{"trap 'x' EXIT", []string{"trap:trap"}},
		{"hash -r", []string{"hash:hash"}},
		{"enable -n echo", []string{"enable:enable"}},
		{". /etc/os-release", []string{"source:."}},
		{"source venv/bin/activate", []string{"source:source"}},
		{"eval \"$(ssh-agent)\"", []string{"eval:eval"}},

		// Control flow.
		{"exit 0", []string{"exit:exit"}},
		{"test -f x || exit 1", []string{"exit:exit"}},
		{"return", []string{"return:return"}},
		{"exec >/dev/null 2>&1", []string{"exec:exec"}},
		{"exec gosu app run", []string{"exec:exec"}},
		{"(exit 1)", nil},

		// Functions.
		{"f() { cd /; }; f", []string{"function:f", "call:f"}},
		{"f() { echo hi; }; f", []string{"function:f"}},
		{"f() { local x=1; declare y=2; return 0; }; f", []string{"function:f"}},
		{"f() { declare -g y=2; }; f", []string{"function:f", "call:f"}},
		{"f() { builtin declare -g y=2; }; f", []string{"function:f", "call:f"}},
		{"f() { builtin local y=2; command typeset z; }; f", []string{"function:f"}},
		{"builtin local y=2", []string{"local:local"}},
		{"f() { export E=1; }; f", []string{"function:f", "call:f"}},
		{"f() { cd /; }; (f)", []string{"function:f"}},
		{"f() { cd /; }; builtin f", []string{"function:f"}},
		{"f() { cd /; }", []string{"function:f"}},
		{"f() { g; }; g() { exit 1; }; f", []string{"function:f", "function:g", "call:f"}},
		{"f() { f; }; f", []string{"function:f"}},
		{"cd() { :; }; cd /x", []string{"function:cd"}},
		{"FOO=1 f; f() { :; }", []string{"assign:FOO", "function:f"}},

		// Background jobs, anywhere.
		{"sleep 1 &", []string{"background:sleep 1"}},
		{"(sleep 1 &)", []string{"background:sleep 1"}},
		{"x=$(dockerd & echo)", []string{"assign:x", "background:dockerd"}},
		{"a && cd / &", []string{"background:a && cd /"}},
		{"coproc cat", []string{"background:coproc cat"}},
		{"f() { sleep 9 & }; f", []string{"function:f", "call:f"}},

		// Unknown commands.
		{"$CMD x", []string{"dynamic:$CMD"}},
		{"\"$@\"", []string{"dynamic:\"$@\""}},
		{"builtin $x", []string{"dynamic:$x"}},
		{"export \"$V\"", []string{"export:\"$V\""}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			got := Leaks(p)
			assert.Equal(t, tt.want, leakStrings(got))
			for i, l := range got {
				assert.GreaterOrEqual(t, l.Offset, 0)
				assert.Less(t, l.Offset, len(tt.src))
				if i > 0 {
					assert.GreaterOrEqual(t, l.Offset, got[i-1].Offset, "leaks are in source order")
				}
			}
		})
	}
}

func TestLeakOffsets(t *testing.T) {
	tests := []struct {
		src, at string // at: the source text the leak starts with
		kind    string
	}{
		{"make && cd /x", "cd /x", "cd"},
		{"a; export A=1", "A=1", "export"},
		{"a; FOO=bar", "FOO=bar", "assign"},
		{"a; f() { cd /; }", "f() {", "function"},
		{"a && sleep 1 &", "a && sleep", "background"},
		{"if x; then set -e; fi", "set -e", "set"},
		{"echo ${V:=1}", "${V:=1}", "assign"},
		{"command cd /", "cd /", "cd"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			leaks := Leaks(p)
			if assert.Len(t, leaks, 1) {
				assert.Equal(t, tt.kind, leaks[0].Kind)
				assert.Equal(t, strings.Index(tt.src, tt.at), leaks[0].Offset)
			}
		})
	}
}
