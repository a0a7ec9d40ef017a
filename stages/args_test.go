package stages

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/assert"
)

func TestExpandDefaults(t *testing.T) {
	for _, tc := range []struct {
		src, word, want string
		ok              bool
	}{
		{"FROM debian:bookworm\nARG PORT=8080\nEXPOSE x\n", "$PORT", "8080", true},
		{"FROM debian:bookworm\nARG PORT=\"8080\"\nEXPOSE x\n", "${PORT}/tcp", "8080/tcp", true},
		{"FROM debian:bookworm\nARG PORT\nEXPOSE x\n", "$PORT", "", false},
		{"ARG PORT=80\nFROM debian:bookworm\nARG PORT\nEXPOSE x\n", "$PORT", "80", true},
		{"ARG PORT=80\nFROM debian:bookworm\nEXPOSE x\n", "${PORT:-8000}", "", false}, // not seen in the stage; the base may set it
		{"FROM debian:bookworm AS a\nARG PORT=80\nFROM a\nEXPOSE x\n", "$PORT", "", false},
		{"FROM golang:1.22\nEXPOSE x\n", "${GOPATH:-/x}/bin", "/go/bin", true},
		{"FROM debian:bookworm AS a\nARG P=80\nENV PORT=$P\nFROM a\nEXPOSE x\n", "$PORT", "80", true},
		{"FROM debian:bookworm\nENV PORT=81\nARG PORT=82\nEXPOSE x\n", "$PORT", "82", true},
		{"FROM debian:bookworm\nARG PORT=82\nENV PORT=81\nEXPOSE x\n", "$PORT", "81", true},
		{"FROM debian:bookworm\nARG A=$B\nEXPOSE x\n", "$A", "", false},
		{"FROM debian:bookworm\nARG B=1\nARG A=$B\nEXPOSE x\n", "$A", "1", true},
		{"FROM debian:bookworm\nENV PATH=$PATH:/x\nEXPOSE x\n", "$PATH", "", false}, // the base's PATH is not in the table
		{"FROM unknown/image\nEXPOSE x\n", "${PORT:-8000}", "", false},
		{"FROM debian:bookworm\nEXPOSE x\n", "$(echo 80)", "", false},
	} {
		doc, err := dockerfile.Parse("Dockerfile", []byte(tc.src))
		if !assert.NoError(t, err) {
			continue
		}
		ins := doc.Instructions[len(doc.Instructions)-1]
		got, ok := ExpandDefaults(ins, tc.word, GlobalArgs(doc))
		assert.Equal(t, tc.ok, ok, "%s %s", tc.src, tc.word)
		assert.Equal(t, tc.want, got, "%s %s", tc.src, tc.word)
	}
}
