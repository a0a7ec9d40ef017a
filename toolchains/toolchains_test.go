package toolchains

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

func commands(t *testing.T, src string) []*shellparse.Command {
	t.Helper()
	p, err := shellparse.Parse(src)
	require.NoError(t, err)
	return shellparse.Commands(p)
}

func TestGoArtifact(t *testing.T) {
	mods := map[string]*GoModule{
		"/src":     {Path: "example.com/tool/v2"},
		"/app":     {Path: "github.com/acme/shop"},
		"/app/sub": {Path: "example.com/sub"},
	}
	module := func(d string) *GoModule { return mods[d] }
	for _, c := range []struct{ cmd, dir, want, unknown string }{
		{"go build whatsmyip.go", "/go", "/go/whatsmyip", ""},
		{"go build -o /usr/local/bin/app .", "/src", "/usr/local/bin/app", ""},
		{"go build -o=app ./cmd/server", "/src", "/src/app", ""},
		{"go build -o bin/ ./cmd/server", "/src", "/src/bin/server", ""},
		{"go build", "/src", "/src/tool", ""},
		{"go build .", "/app", "/app/shop", ""},
		{"go build ./cmd/api", "/app", "/app/api", ""},
		{"go build ./pkg", "/app/sub", "/app/sub/pkg", ""},
		{"go install ./cmd/tool", "/src", "/go/bin/tool", ""},
		{"go install golang.org/x/tools/cmd/stringer@latest", "", "/go/bin/stringer", ""},
		{"go build -C cmd/x -o /x .", "/src", "/x", ""},
		{"go build ./...", "/src", "", ""},
		{"go build -o /out ./...", "/src", "", "pattern"},
		{"go build -o /out ./a ./b", "/src", "", "several packages to one file"},
		{"go build -buildmode=plugin -o p.so .", "/src", "", "buildmode"},
		{"go build -o $OUT .", "/src", "", "not literal"},
		{"go build", "/elsewhere", "", "no go.mod"},
		{"go build main.go", "", "", "not known"},
	} {
		gc, ok := GoCommandOf(commands(t, c.cmd)[0])
		require.True(t, ok, c.cmd)
		a := gc.Artifact(c.dir, module, "/go/bin")
		require.Equal(t, c.want, a.Path, c.cmd)
		if c.unknown == "" {
			require.Empty(t, a.Unknown, c.cmd)
		} else {
			require.Contains(t, a.Unknown, c.unknown, c.cmd)
		}
	}
	_, ok := GoCommandOf(commands(t, "go mod download")[0])
	require.False(t, ok)
}

func TestGoCommandFlags(t *testing.T) {
	gc, _ := GoCommandOf(commands(t, `CGO_ENABLED=0 go build -race -ldflags "-linkmode external -extldflags -static" -o app .`)[0])
	require.Equal(t, "0", gc.Cgo)
	require.True(t, gc.Race)
	require.True(t, gc.ExternalLink)
	gc, _ = GoCommandOf(commands(t, `env CGO_ENABLED=1 go build -o "$APP" .`)[0])
	require.Equal(t, "1", gc.Cgo)
	require.False(t, gc.Static)
	require.Equal(t, []string{"APP"}, gc.Variables)
}

func TestGoExecName(t *testing.T) {
	require.Equal(t, "tool", GoExecName("example.com/tool/v2"))
	require.Equal(t, "v1", GoExecName("example.com/x/v1"))
	require.Equal(t, "hugo", GoExecName("github.com/gohugoio/hugo"))
}

func TestParseGoMod(t *testing.T) {
	m := ParseGoMod([]byte("// c\nmodule \"example.com/a\" // x\n\ngo 1.22\n\nrequire github.com/x/y v1.0.0\nrequire (\n\tgithub.com/mattn/go-sqlite3 v1.14.22 // indirect\n\tgolang.org/x/net v0.1.0\n)\n"))
	require.Equal(t, "example.com/a", m.Path)
	require.Equal(t, []string{"github.com/x/y", "github.com/mattn/go-sqlite3", "golang.org/x/net"}, m.Requires)
	require.True(t, CgoModule("github.com/mattn/go-sqlite3"))
	require.True(t, CgoModule("github.com/go-gl/glfw/v3.3"))
	require.False(t, CgoModule("github.com/mattn/go-isatty"))
	require.Nil(t, ParseGoMod([]byte("go 1.22\n")))
}

func TestGoBuildFile(t *testing.T) {
	for _, f := range []string{"main.go", "go.mod", "vendor/x/y.txt", "README.md", "LICENSE", "cmd/x/testdata/in.json", ".github/workflows/ci.yml", "Dockerfile", "app.Dockerfile"} {
		require.True(t, GoBuildFile(f), f)
	}
	for _, f := range []string{"config.yaml", "templates/index.html", "static/app.css", "migrations/001.sql"} {
		require.False(t, GoBuildFile(f), f)
	}
}

func TestSteps(t *testing.T) {
	p, err := shellparse.Parse("cd src && go build -o app . && (cd x && make) && go vet ./... && cd $D && go build")
	require.NoError(t, err)
	var dirs []string
	for _, s := range Steps(p, "/w") {
		dirs = append(dirs, s.Cmd.Name+"@"+s.Dir)
	}
	require.Equal(t, "cd@/w go@/w/src cd@/w/src make@ go@ cd@ go@", strings.Join(dirs, " "))
}

func TestInstallOf(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		want []string
	}{
		{"apt-get install -y --no-install-recommends git ca-certificates=2023 gcc", []string{"git", "ca-certificates", "gcc"}},
		{"apt-get -o Dpkg::Options::=--force-confold -y install make", []string{"make"}},
		{"apk add --no-cache --virtual .build-deps gcc musl-dev", []string{"gcc", "musl-dev"}},
		{"apk add -t deps git", []string{"git"}},
	} {
		in, ok := InstallOf(commands(t, c.cmd)[0])
		require.True(t, ok, c.cmd)
		require.Equal(t, c.want, in.Packages, c.cmd)
	}
	_, ok := InstallOf(commands(t, "apt-get update")[0])
	require.False(t, ok)
}
