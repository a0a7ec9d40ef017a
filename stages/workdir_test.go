package stages_test

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

func TestWorkdirAt(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		known     bool
	}{
		{"FROM debian\nRUN x\n", stages.UnknownWorkdir, false},
		{"FROM scratch\nCOPY a b\n", "/", true},
		{"FROM debian\nWORKDIR /app\nWORKDIR src\nRUN x\n", "/app/src", true},
		{"FROM debian\nWORKDIR app\nRUN x\n", stages.UnknownWorkdir + "/app", false},
		{"FROM debian\nWORKDIR ..\nRUN x\n", "", false},
		{"FROM debian\nWORKDIR $APP\nRUN x\n", "", false},
		{"FROM debian\nWORKDIR $APP\nWORKDIR /srv\nRUN x\n", "/srv", true},
		{"FROM debian AS base\nWORKDIR /app\nFROM base\nRUN x\n", "/app", true},
		{"FROM debian AS base\nWORKDIR /app\nFROM debian\nRUN x\n", stages.UnknownWorkdir, false},
	} {
		ins := last(t, tc.src)
		require.Equal(t, tc.want, stages.WorkdirAt(ins), tc.src)
		wd, ok := stages.KnownWorkdir(ins)
		require.Equal(t, tc.known, ok, tc.src)
		if ok {
			require.Equal(t, tc.want, wd, tc.src)
		}
	}
}

func TestPaths(t *testing.T) {
	require.True(t, stages.Under("/app/src", "/app"))
	require.True(t, stages.Under("/app", "/app"))
	require.True(t, stages.Under("/x", "/"))
	require.False(t, stages.Under("/application", "/app"))
	require.False(t, stages.Under("", "/"))

	require.True(t, stages.PathsOverlap("/var/lib/apt/lists/*", "/var/lib/apt/lists"))
	require.True(t, stages.PathsOverlap("/var/lib", "/var/lib/apt/lists"))
	require.True(t, stages.PathsOverlap("/root/.cache/*/x", "/root/.cache/pip"))
	require.False(t, stages.PathsOverlap("/var/cache", "/var/lib"))
	require.False(t, stages.PathsOverlap("~/.npm", "/root/.npm"), "below ~ and absolute are not compared")

	require.Equal(t, "/a/b", stages.JoinDir("/a", "b"))
	require.Equal(t, "/b", stages.JoinDir("", "/b/"))
	require.Equal(t, "", stages.JoinDir("", "b"))
	require.Equal(t, "", stages.JoinDir(stages.UnknownWorkdir, "../b"))
}

func TestUsersAndEntrypoint(t *testing.T) {
	src := "FROM debian AS base\nUSER app:app\nENTRYPOINT [\"x\"]\nFROM base\nRUN a\nUSER root\nRUN b\nFROM example/image\nRUN c\n"
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ins := doc.Instructions
	require.Equal(t, "app:app", stages.UserArg(ins[4]), "inherited from the stage it is built on")
	require.Equal(t, "root", stages.UserArg(ins[6]))
	require.Equal(t, "root", stages.FinalUserArg(doc.Stages[1]))
	require.Equal(t, "", stages.UserArg(ins[8]))
	require.False(t, stages.IsRoot("app:app"))
	require.True(t, stages.IsRoot("0:0"))
	require.True(t, stages.IsRoot(""))

	known, ep := stages.Entrypoint(doc.Stages[1])
	require.True(t, known)
	require.Same(t, ins[2], ep)
	require.Same(t, ins[2], stages.Last(doc.Stages[1], "entrypoint"))
	known, ep = stages.Entrypoint(doc.Stages[2])
	require.False(t, known, "an image dfopt knows nothing about may set one")
	require.Nil(t, ep)
	doc, err = dockerfile.Parse("Dockerfile", []byte("FROM debian:bookworm\nCMD x\n"))
	require.NoError(t, err)
	known, ep = stages.Entrypoint(doc.Stages[0])
	require.True(t, known, "debian sets none")
	require.Nil(t, ep)
}

func TestResolveBase(t *testing.T) {
	src := "ARG BASE=node:20\nARG TAG\nARG QUOTED=\"alpine:3\"\nFROM $BASE AS build\nFROM ${QUOTED}\nFROM build\nFROM img:$TAG\nFROM ${BASE:-x}\n"
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	globals := stages.GlobalArgs(doc)
	require.Equal(t, map[string]string{"BASE": "node:20", "QUOTED": "alpine:3"}, globals)
	got := func(i int) stages.Base { return stages.ResolveBase(doc, doc.Stages[i], globals) }
	require.Equal(t, stages.Base{Name: "node:20", Args: []string{"BASE"}}, got(0))
	require.Equal(t, stages.Base{Name: "alpine:3", Args: []string{"QUOTED"}}, got(1))
	require.Equal(t, stages.Base{Name: "build", Parent: doc.Stages[0]}, got(2))
	require.Equal(t, stages.Base{}, got(3), "an ARG without a default")
	require.Equal(t, stages.Base{}, got(4), "a modifier")
}
