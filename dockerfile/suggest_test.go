package dockerfile

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/stretchr/testify/require"
)

// A misspelled instruction or flag that is as close to two candidates as
// to each gets the same message on every parse: BuildKit picks among them
// in the order of a map.
func TestParseErrorSuggestionIsDeterministic(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		// ADD and ARG are each one edit from ARD.
		{"FROM alpine\nARD x\n", "Dockerfile:2: unknown instruction: ARD (did you mean ADD?)"},
		{"FROM alpine\nard x\n", "Dockerfile:2: unknown instruction: ard (did you mean add?)"},
		// chmod and chown are each two edits from cho.
		{"FROM alpine\nCOPY --cho=1000 a b\n", "Dockerfile:2: unknown flag: --cho (did you mean chmod?)"},
		{"FROM alpine\nONBUILD COPY --cho=1000 a b\n", ""},
		{"FROM alpine\nRUN --mont=type=cache,target=/x true\n", "Dockerfile:2: unknown flag: --mont (did you mean mount?)"},
		{"FROM alpine\nFROBNICATE x\n", "Dockerfile:2: unknown instruction: FROBNICATE"},
		{"FROM alpine\nHEALTHCHECK --intervall=5s CMD true\n", "Dockerfile:2: unknown flag: --intervall (did you mean interval?)"},
	} {
		seen := map[string]int{}
		for range 200 {
			_, err := Parse("Dockerfile", []byte(tc.src))
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			seen[msg]++
		}
		require.Len(t, seen, 1, "%q gives more than one message: %v", tc.src, seen)
		require.Contains(t, seen, tc.want, "%q", tc.src)
	}
}

// builderFlags lists the flags BuildKit accepts on each instruction, and
// only those: every one is accepted, and every flag of the table is
// unknown to the instructions it is not listed for (or not read at all).
func TestBuilderFlags(t *testing.T) {
	validArgs := map[string]string{
		"from": "alpine", "healthcheck": "CMD true", "onbuild": "RUN true", "env": "a=b", "label": "a=b",
		"expose": "80", "stopsignal": "SIGTERM", "shell": `["sh", "-c"]`, "workdir": "/a", "user": "a",
		"arg": "a", "maintainer": "a", "volume": "/a",
	}
	all := map[string]bool{}
	for _, fl := range builderFlags.Get() {
		for _, f := range fl {
			all[f] = true
		}
	}
	for cmd, fl := range builderFlags.Get() {
		require.True(t, slices.IsSorted(fl), "flags of %s are not sorted", cmd)
		_, ok := command.Commands[cmd]
		require.True(t, ok, "%s is not an instruction", cmd)
	}
	for _, cmd := range slices.Sorted(maps.Keys(command.Commands)) {
		for _, f := range slices.Sorted(maps.Keys(all)) {
			args, ok := validArgs[cmd]
			if !ok {
				args = "a b"
			}
			line := strings.ToUpper(cmd) + " --" + f + "=x " + args
			src := "FROM alpine\n" + line + "\n"
			if cmd == "from" {
				src = line + "\n"
			}
			_, err := Parse("Dockerfile", []byte(src))
			unknown := err != nil && strings.Contains(err.Error(), "unknown flag: --"+f)
			if slices.Contains(builderFlags.Get()[cmd], f) {
				require.False(t, unknown, "%s: %v", line, err)
			} else {
				// Some instructions (ARG) read no flags at all.
				require.True(t, unknown || err == nil, "%s: %v", line, err)
			}
		}
	}
}
