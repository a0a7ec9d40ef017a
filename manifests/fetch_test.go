package manifests

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

// Which commands the fetchers take for builds that download their
// dependencies, and after which there is nothing to do.
func TestFetcherBuilds(t *testing.T) {
	for _, tc := range []struct {
		cmd, eco string
		stop     bool
	}{
		{cmd: "go build -o /out/app ./cmd/app", eco: "go"},
		{cmd: "CGO_ENABLED=0 go build .", eco: "go"},
		{cmd: "go -C sub build .", eco: "go"},
		{cmd: "go test ./...", eco: "go"},
		{cmd: "go install ./cmd/app", eco: "go"},
		{cmd: "go install golang.org/x/tools/cmd/stringer@v0.20.0"},
		{cmd: "go run github.com/example/gen@latest"},
		{cmd: "go mod download", eco: "go"},
		{cmd: "go mod init example.com/x", stop: true},
		{cmd: "go version"},
		{cmd: "go env GOPATH"},
		{cmd: "mvn -B package -DskipTests", eco: "maven"},
		{cmd: "./mvnw clean verify", eco: "maven"},
		{cmd: "mvn -B dependency:go-offline", stop: true},
		{cmd: "mvn --version"},
		{cmd: "cargo build --release", eco: "cargo"},
		{cmd: "cargo install --path .", eco: "cargo"},
		{cmd: "cargo install ripgrep"},
		{cmd: "cargo chef cook --release", stop: true},
		{cmd: "gradle build --no-daemon", eco: "gradle"},
		{cmd: "./gradlew bootJar", eco: "gradle"},
		{cmd: "npm ci"},
	} {
		prog, err := shellparse.Parse(tc.cmd)
		require.NoError(t, err)
		c := shellparse.Commands(prog)[0]
		eco, stop := "", false
		for _, f := range fetchers {
			b, s := f.build(c)
			if b && eco == "" {
				eco = f.name
			}
			stop = stop || s
		}
		require.Equal(t, tc.eco, eco, tc.cmd)
		require.Equal(t, tc.stop, stop, tc.cmd)
	}
}

// What cargo fetch needs from Cargo.toml alone.
func TestCargoManifest(t *testing.T) {
	for _, tc := range []struct {
		toml, reason string
	}{
		{"[package]\nname = \"a\"\n[[bin]]\nname = \"a\"\npath = \"src/main.rs\"\n[dependencies]\nserde = \"1\"\n", ""},
		{"[package]\nname = \"a\"\n[lib]\npath = \"src/lib.rs\"\n", ""},
		{"[package]\nname = \"a\"\n[dependencies]\nserde = \"1\"\n", "needs the package's targets"},
		{"[package]\nname = \"a\"\n[lib]\nname = \"a\"\n", "[lib] has no path"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[[bin]]\nname = \"b\"\n", "[[bin]] section has no path"},
		{"[workspace]\nmembers = [\"a\"]\n", "declares a workspace"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[dependencies]\nu = { path = \"../u\" }\n", "has a path"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[dependencies.u]\npath = \"../u\"\n", "has a path"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[target.'cfg(unix)'.dependencies]\nu = { path = \"u\" }\n", "has a path"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[dependencies]\nserde.workspace = true\n", "from the workspace"},
		{"[package]\nname = \"a\"\n[[bin]]\npath = \"m.rs\"\n[patch.crates-io]\nserde = { path = \"serde\" }\n", "has a path"},
	} {
		got := cargoManifest(tc.toml)
		if tc.reason == "" {
			require.Empty(t, got, tc.toml)
		} else {
			require.Contains(t, got, tc.reason, tc.toml)
		}
	}
}

func TestInstalledPackages(t *testing.T) {
	for cmd, want := range map[string]string{
		"apt-get install -y --no-install-recommends git=1:2.39 ca-certificates": "git,ca-certificates",
		"apk add --no-cache git make":                                           "git,make",
		"apt-get update":                                                        "",
		"dnf -y install golang":                                                 "golang",
		"echo install git":                                                      "",
	} {
		prog, err := shellparse.Parse(cmd)
		require.NoError(t, err)
		require.Equal(t, want, strings.Join(installedPackages(shellparse.Commands(prog)[0]), ","), cmd)
	}
}

// Which node installs start from an empty node_modules.
func TestStartsFresh(t *testing.T) {
	for cmd, want := range map[string]string{
		"npm ci":                            "npm ci fresh",
		"npm clean-install --omit dev":      "npm clean-install fresh",
		"npm install":                       "npm install",
		"npm i --no-audit":                  "npm i",
		"yarn install --frozen-lockfile":    "yarn install",
		"yarn":                              "yarn",
		"pnpm install --frozen-lockfile":    "pnpm install",
		"npm --loglevel warn ci --no-audit": "npm ci fresh",
	} {
		prog, err := shellparse.Parse(cmd)
		require.NoError(t, err)
		st, _ := Classify(shellparse.Commands(prog)[0])
		require.NotNil(t, st, cmd)
		got := st.Command()
		if st.StartsFresh() {
			got += " fresh"
		}
		require.Equal(t, want, got, cmd)
	}
}
