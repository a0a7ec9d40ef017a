package stages_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

// last parses src and returns its last instruction.
func last(t *testing.T, src string) *dockerfile.Instruction {
	t.Helper()
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	return doc.Instructions[len(doc.Instructions)-1]
}

func TestUserAt(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      stages.User
	}{
		{"known base, no USER", "FROM debian:bookworm\nRUN x\n", stages.User{Runs: stages.AsRoot, Home: "/root"}},
		{"official with registry", "FROM docker.io/library/node:20-alpine\nRUN x\n", stages.User{Runs: stages.AsRoot, Home: "/root"}},
		{"unknown base", "FROM example.com/team/app:1\nRUN x\n", stages.User{}},
		{"a namesake of a known image is not it", "FROM bitnami/node:20\nRUN x\n", stages.User{}},
		{"variable base", "ARG B=debian\nFROM $B\nRUN x\n", stages.User{}},
		{"USER root on an unknown base", "FROM example/app\nUSER root\nRUN x\n", stages.User{Name: "root", Runs: stages.AsRoot, Home: "/root"}},
		{"USER 0:0", "FROM example/app\nUSER 0:0\nRUN x\n", stages.User{Name: "0", Runs: stages.AsRoot, Home: "/root"}},
		{"USER from a variable", "FROM debian\nARG U=app\nUSER $U\nRUN x\n", stages.User{Name: "$U"}},
		{"node's user", "FROM node:20\nUSER node\nRUN x\n", stages.User{Name: "node", Runs: stages.AsOther, Home: "/home/node"}},
		{"a user without a known home", "FROM debian\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther}},
		{"useradd -m", "FROM debian\nRUN useradd -m -s /bin/bash app\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther, Home: "/home/app"}},
		{"useradd -d", "FROM debian\nRUN useradd -u 1001 -d /srv/app app\nUSER app:app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther, Home: "/srv/app"}},
		{"useradd --home-dir=", "FROM debian\nRUN useradd --home-dir=/opt/a -r a\nUSER a\nRUN x\n", stages.User{Name: "a", Runs: stages.AsOther, Home: "/opt/a"}},
		{"Debian adduser --home", "FROM debian\nRUN adduser --disabled-password --gecos '' --home /data app\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther, Home: "/data"}},
		{"Debian adduser --system: home not known", "FROM debian\nRUN adduser --system app\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther}},
		{"busybox adduser -h", "FROM alpine:3.20\nRUN addgroup -S g && adduser -S -G g -h /app app\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther, Home: "/app"}},
		{"busybox adduser -D", "FROM alpine:3.20\nRUN adduser -D app\nUSER app\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther, Home: "/home/app"}},
		{"busybox adduser --ingroup", "FROM alpine:3.20\nRUN adduser --ingroup www-data --disabled-password developer\nUSER developer\nRUN x\n", stages.User{Name: "developer", Runs: stages.AsOther, Home: "/home/developer"}},
		{"ENV HOME wins", "FROM debian\nENV HOME=/app\nRUN x\n", stages.User{Runs: stages.AsRoot, Home: "/app"}},
		{"ENV HOME from a variable", "FROM debian\nENV HOME=$X\nRUN x\n", stages.User{Runs: stages.AsRoot}},
		{"USER in the parent stage", "FROM debian AS a\nUSER app\nFROM a\nRUN x\n", stages.User{Name: "app", Runs: stages.AsOther}},
		{"USER after the instruction does not count", "FROM debian\nRUN x\nUSER app\n", stages.User{Runs: stages.AsRoot, Home: "/root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := last(t, tc.src)
			if ins.Cmd == "user" {
				ins = ins.Stage.Instructions[ins.Index-1-ins.Stage.Instructions[0].Index]
			}
			require.Equal(t, tc.want, stages.UserAt(ins))
		})
	}
}

func TestEnvAt(t *testing.T) {
	ins := last(t, "FROM ruby:3.3\nENV A=/x B=\"q q\"\nARG C=/c\nRUN x\n")
	require.Equal(t, stages.Value{Set: true, Known: true, Value: "/x"}, stages.EnvAt(ins, "A"))
	require.Equal(t, stages.Value{Set: true}, stages.EnvAt(ins, "B"))
	require.Equal(t, stages.Value{Set: true}, stages.EnvAt(ins, "C"), "a build argument may override an ARG")
	require.Equal(t, stages.Value{Set: true, Known: true, Value: "/usr/local/bundle"}, stages.EnvAt(ins, "GEM_HOME"), "from the base")
	require.Equal(t, stages.Value{Known: true}, stages.EnvAt(ins, "NOPE"))
	ins = last(t, "FROM example/ruby\nRUN x\n")
	require.Equal(t, stages.Value{}, stages.EnvAt(ins, "GEM_HOME"), "an unknown base may set anything")
}

func TestImageTag(t *testing.T) {
	for ref, want := range map[string][2]string{
		"ruby:1.9.3":                     {"ruby", "1.9.3"},
		"docker.io/library/ubuntu:14.04": {"ubuntu", "14.04"},
		"node@sha256:abc":                {"node", ""},
		"registry:5000/team/app:v1":      {"app", "v1"},
	} {
		name, tag, ok := stages.ImageTag(ref)
		require.True(t, ok, ref)
		require.Equal(t, want, [2]string{name, tag}, ref)
	}
	_, _, ok := stages.ImageTag("ruby:${V}")
	require.False(t, ok)
}

func TestUID(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		uid       string // "" when not known
	}{
		{"root", "FROM debian:bookworm\nRUN x\n", "0"},
		{"unknown base", "FROM example.com/app\nRUN x\n", ""},
		{"numeric USER", "FROM debian\nUSER 1001:1001\nRUN x\n", "1001"},
		{"node's user", "FROM node:20\nUSER node\nRUN x\n", "1000"},
		{"useradd -u", "FROM debian\nRUN useradd -u 1001 -m app\nUSER app\nRUN x\n", "1001"},
		{"useradd --uid=", "FROM debian\nRUN useradd --uid=1002 app\nUSER app\nRUN x\n", "1002"},
		{"useradd -u attached", "FROM debian\nRUN useradd -u1003 app\nUSER app\nRUN x\n", "1003"},
		{"useradd without an id", "FROM debian\nRUN useradd -r app\nUSER app\nRUN x\n", ""},
		{"Debian adduser --uid", "FROM debian\nRUN adduser --system --uid 999 app\nUSER app\nRUN x\n", "999"},
		{"busybox adduser -u", "FROM alpine:3.20\nRUN adduser -D -u 1004 app\nUSER app\nRUN x\n", "1004"},
		{"id from a variable", "FROM debian\nARG ID=5\nRUN useradd -u $ID app\nUSER app\nRUN x\n", ""},
		{"another user's id", "FROM debian\nRUN useradd -u 1001 a && useradd b\nUSER b\nRUN x\n", ""},
		{"the user created again without an id", "FROM debian\nRUN useradd -u 1001 a\nRUN userdel a && useradd a\nUSER a\nRUN x\n", ""},
	} {
		uid, ok := stages.UID(last(t, tc.src))
		require.Equal(t, tc.uid != "", ok, tc.name)
		require.Equal(t, tc.uid, uid, tc.name)
	}
}

func TestCreatedUsers(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		users     []string
	}{
		{"none", "FROM debian\nRUN echo\n", nil},
		{"useradd", "FROM debian\nRUN useradd -r app && echo\nCMD x\n", []string{"app"}},
		{"busybox adduser", "FROM alpine:3.20\nRUN addgroup -S g && adduser -S -G g web\n", []string{"web"}},
		{"in the stage it derives from", "FROM debian AS base\nRUN useradd svc\nFROM base\nRUN useradd -m app\n", []string{"app", "svc"}},
		{"another stage", "FROM debian AS other\nRUN useradd svc\nFROM debian\nRUN echo\n", nil},
	} {
		ins := last(t, tc.src)
		require.Equal(t, tc.users, stages.CreatedUsers(ins.Stage), tc.name)
	}
}

// The state at an instruction is the same whether the instructions are
// asked about from the first on or from the last back (which works out the
// states before it without recursing once per instruction).
func TestStateAskedInAnyOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("FROM debian AS base\n")
	for i := 0; i < 3000; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "ENV V%d=%d\n", i%7, i)
		case 1:
			fmt.Fprintf(&b, "WORKDIR d%d\n", i%5)
		case 2:
			fmt.Fprintf(&b, "USER u%d\n", i%3)
		default:
			b.WriteString("RUN true\n")
		}
		if i == 1500 {
			b.WriteString("FROM base\n")
		}
	}
	src := []byte(b.String())
	type at struct {
		wd   string
		v    stages.Value
		user stages.User
	}
	ask := func(backward bool) []at {
		// A name of its own: a document of the parse cache would keep the
		// states worked out before.
		name := fmt.Sprintf("Dockerfile.%v", backward)
		doc, err := dockerfile.Parse(name, src)
		require.NoError(t, err)
		n := len(doc.Instructions)
		out := make([]at, n)
		for k := range n {
			i := k
			if backward {
				i = n - 1 - k
			}
			ins := doc.Instructions[i]
			out[i] = at{stages.WorkdirAt(ins), stages.EnvAt(ins, "V3"), stages.UserAt(ins)}
		}
		return out
	}
	forward := ask(false)
	require.Equal(t, forward, ask(true))
	require.NotEqual(t, forward[1], forward[len(forward)-1])
}
