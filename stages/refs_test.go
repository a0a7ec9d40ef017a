package stages_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

// The instructions that read a stage's files: by name, by index, from a
// stage built on it, and with a variable (any stage); images and stages
// that come later are not stages read.
func TestRefsTo(t *testing.T) {
	src := `FROM golang AS build
RUN go build -o /out/app .
FROM build AS test
RUN go test ./...
FROM debian AS other
COPY --from=build /out/app /usr/bin/app
COPY --from=0 go/bin/* /usr/bin/
COPY --from=test /src/report.xml /out/
COPY --from=other /etc/os-release /x
COPY --from=docker.io/library/busybox /bin/busybox /bin/
ARG FROM_STAGE=build
COPY --from=${FROM_STAGE} /out /out
RUN --mount=type=bind,from=build,source=/go/pkg,target=/p --mount=type=cache,target=/c true
RUN --mount=from=build,target=/b cp /b/out/app /usr/bin/app
`
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	var got []string
	for _, r := range stages.RefsTo(doc, doc.Stages[0]) {
		name := "?"
		if r.Stage != nil {
			name = r.Stage.Name
		}
		got = append(got, fmt.Sprintf("%d %s %s", r.Ins.StartLine, name, strings.Join(r.Paths, ",")))
	}
	require.Equal(t, []string{
		"6 build /out/app",
		"7 build /go/bin/*",
		"8 test /src/report.xml",
		"12 ? /out",
		"13 build /go/pkg",
		"14 build /",
	}, got)
}

// What a COPY --from or a --mount from another stage reads of it: the
// path, a directory above it, something inside it; for a path below a home
// directory that is not known, any directory of homes or a path that ends
// in a leading part of it.
func TestRefReads(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		p     string
		want  bool
	}{
		{[]string{"/root/.cache/pip"}, "/root/.cache/pip", true},
		{[]string{"/root/.cache"}, "/root/.cache/pip", true},
		{[]string{"/root/.cache/pip/wheels"}, "/root/.cache/pip", true},
		{[]string{"/"}, "/var/cache/apk/*", true},
		{[]string{"/var/cache/*"}, "/var/cache/apk/*", true},
		{[]string{"/var/cache/apk"}, "/var/cache/apk/*", true},
		{[]string{"/app/*.whl"}, "/root/.cache/pip", false},
		{[]string{"/root/.cache/pipx"}, "/root/.cache/pip", false},
		{[]string{"/usr/local/bin/app", "/etc/x"}, "/var/lib/apt/lists", false},
		{[]string{"/root"}, "~/.cache/pip", true},
		{[]string{"/home/app"}, "~/.cache/pip", true},
		{[]string{"/home/app/.cache"}, "~/.cache/pip", true},
		{[]string{"/home/app/.cache/pip/http"}, "~/.cache/pip", true},
		{[]string{"/home/app/src"}, "~/.cache/pip", false},
		{[]string{"/app/.cachefiles"}, "~/.cache/pip", false},
	} {
		got := stages.Ref{Paths: tc.paths}.Reads(tc.p)
		require.Equal(t, tc.want, got, "%v reads %s", tc.paths, tc.p)
	}
}

// A --from source with a variable, a quote or an escape may name anything
// below its static part up to the last / before the first of them; "/"
// when that is the first component, when the rest climbs with .., or when
// an ARG or ENV naming one of its variables holds "..".
func TestSourceDir(t *testing.T) {
	src := `ARG UP=..
FROM golang AS build
RUN go build -o /out/app .
FROM alpine
ARG TARGETARCH
ARG SUB=bin
ENV REL=../root
ARG UP
ARG A=..
ARG NESTED=$A/root
ARG DOT=.
ENV GOARCH=$TARGETARCH
COPY --from=build /x /y
`
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ins := doc.Instructions[len(doc.Instructions)-1]
	for _, tc := range []struct{ src, want string }{
		{"/out/app", "/out/app"},
		{"out/app", "/out/app"},
		{"/src/app-$TARGETARCH", "/src"},
		{"/src/${TARGETARCH}/app", "/src"},
		{"src/a/app-$TARGETARCH", "/src/a"},
		{"/src/*/app-$TARGETARCH", "/src/*"},
		{"/src/../root/$TARGETARCH", "/root"},
		{"/src/$SUB/app", "/src"},
		{"$DIR/app", "/"},
		{"app-$TARGETARCH", "/"},
		{"/app-$TARGETARCH", "/"},
		{"/src/$TARGETARCH/../../root", "/"},
		{"/src/${TARGETARCH:-..}/x", "/"},
		{"/src/$REL/.cache", "/"},
		{"/src/$UP/root", "/"},
		{`/src/"a b"`, "/src"},
		{`/src/a\ b`, "/src"},
		{`"/src/a"`, "/"},
		{"/src/$NESTED/.cache", "/"},
		{"/src/${DOT}${DOT}/root", "/"},
		{"/src/$DOT./root", "/"},
		{"/src/app-$GOARCH", "/src"},
		{"/src/${DOT}/app", "/src"},
	} {
		require.Equal(t, tc.want, stages.SourceDir(doc, ins, tc.src), tc.src)
	}
}
