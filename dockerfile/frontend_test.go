package dockerfile

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFrontend(t *testing.T) {
	for _, tc := range []struct {
		syntax     string // "" for no line
		dockerfile bool
		at12, at19 bool
	}{
		{"", false, false, false},
		{"docker/dockerfile:1", true, true, true},
		{"docker/dockerfile", true, true, true},
		{"docker.io/docker/dockerfile:latest", true, true, true},
		{"docker/dockerfile:labs", true, true, true},
		{"docker/dockerfile:1.2", true, true, false},
		{"docker/dockerfile:1.1-experimental", true, false, false},
		{"docker/dockerfile:1.19.0", true, true, true},
		{"docker/dockerfile:1.7-labs", true, true, false},
		{"docker/dockerfile-upstream:master", true, false, false},
		{"docker/dockerfile@sha256:" + "ab", true, false, false},
		{"docker/dockerfile:2", true, true, true},
		{"example.com/frontend:1", false, false, false},
	} {
		src := "FROM scratch\n"
		if tc.syntax != "" {
			src = "# syntax=" + tc.syntax + "\n" + src
		}
		doc, err := Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		f := doc.Frontend()
		require.Equal(t, tc.syntax != "", f.Line, tc.syntax)
		require.Equal(t, tc.dockerfile, f.Dockerfile, tc.syntax)
		require.Equal(t, tc.at12, f.AtLeast(1, 2), tc.syntax)
		require.Equal(t, tc.at19, f.AtLeast(1, 19), tc.syntax)
	}
}
