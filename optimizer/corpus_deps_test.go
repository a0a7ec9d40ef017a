package optimizer_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// The corpus files that build Go (or, matched by the same words, Rust:
// "cargo build") and hold no "go mod download": each is given the build
// context it reads, reduced from its repository at the commit MANIFEST.tsv
// names to the files the rule looks at, and manifest-first says what it
// does. A file it fixes no longer re-downloads its dependencies on every
// source edit; every other one is declined, and the reason is pinned here.
var (
	buildsGo      = regexp.MustCompile(`go (build|install)`)
	downloadsMods = regexp.MustCompile(`go mod download`)
)

func TestCorpusDependencySteps(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	contexts := map[string]fs.FS{
		// 0RAJA/gin-vue-ttms server/: go.mod and no go.sum; main.go's
		// go:generate runs go mod tidy, which writes it.
		"170-gin-vue-ttms-server.Dockerfile": fstest.MapFS{
			"go.mod":  file("module ttms\n\ngo 1.16\n\nrequire github.com/gin-gonic/gin v1.8.0\n"),
			"main.go": file("package main\n\n//go:generate go mod tidy\n"),
		},
		// mesosphere/mesos_exporter: GOPATH mode, no go.mod, a vendor
		// directory.
		"257-mesos-mesos-exporter.Dockerfile": fstest.MapFS{
			"main.go":                    file("package main\n"),
			"vendor/github.com/x/y/y.go": file("package y\n"),
		},
		// koki/short-drone-plugin: GOPATH mode with glide, no go.mod.
		"250-koki-short-drone-plugin.Dockerfile": fstest.MapFS{
			"main.go":    file("package main\n"),
			"glide.yaml": file("package: github.com/koki/short-drone-plugin\n"),
		},
		// 0-don/privnote server/: a Cargo workspace.
		"152-privnote-server.Dockerfile": fstest.MapFS{
			"Cargo.toml":     file("[package]\nname = \"privnote_server\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[workspace]\nmembers = [\".\", \"api\", \"entity\", \"migration\", \"service\"]\n\n[dependencies]\napi = { path = \"api\" }\n"),
			"Cargo.lock":     file("version = 3\n"),
			"api/Cargo.toml": file("[package]\nname = \"api\"\nversion = \"0.1.0\"\n"),
		},
		// meilisearch/meilisearch: a Cargo workspace.
		"103-meilisearch.Dockerfile": fstest.MapFS{
			"Cargo.toml":                     file("[workspace]\nresolver = \"2\"\nmembers = [\"crates/meilisearch\", \"crates/meilitool\"]\n"),
			"Cargo.lock":                     file("version = 3\n"),
			"crates/meilisearch/Cargo.toml":  file("[package]\nname = \"meilisearch\"\n"),
			"crates/meilitool/Cargo.toml":    file("[package]\nname = \"meilitool\"\n"),
			"crates/meilisearch/src/main.rs": file("fn main() {}\n"),
		},
	}
	// What manifest-first does with each: "declined: REASON" where it
	// reports the build, "" where it has nothing to say, and why.
	want := map[string]string{
		// The sources come from git clone (or ADD of a git URL) in the build,
		// not from the context: no source edit re-runs the download.
		"032-stefanscherer-dockerfiles-windows-swarm.Dockerfile": "",
		"039-watchtower-self-contained.Dockerfile":               "",
		"144-jessfraz-dockerfiles-registry-auth.Dockerfile":      "",
		"147-jessfraz-dockerfiles-transfer-sh.Dockerfile":        "",
		// docker-ce's development image: tools cloned at pinned commits and
		// built in GOPATH mode; the context is copied last, with no build.
		"225-docker-docker-ce.Dockerfile":                 "",
		"259-newrelic-sidecar.Dockerfile":                 "",
		"260-nvalabo-dockerengine.Dockerfile":             "",
		"261-nyongee12-camera-docker.Dockerfile":          "",
		"276-seveirbian-simplify-docker-image.Dockerfile": "",
		"277-singula-point-docker-ce.Dockerfile":          "",
		// go install PKG@VERSION and cargo install: no manifest in the
		// context, a fixed version.
		"036-uv-crates-uv-trampoline.Dockerfile": "",
		"092-lldap-devcontainer.Dockerfile":      "",
		"133-wallabag-docker.Dockerfile":         "",
		// The sources are bind-mounted and the module cache is a cache
		// mount already (go install of tools at a version otherwise).
		"048-docker-cli.Dockerfile":     "",
		"050-docker-cli-dev.Dockerfile": "",
		"104-buildkit.Dockerfile":       "",
		// Already split: uv copies the manifests and the crates by name
		// before a build the rule does not know (cargo auditable zigbuild);
		// lldap pre-builds with cargo chef cook.
		"034-uv.Dockerfile":    "",
		"094-lldap.Dockerfile": "",
		// GOPATH mode (no go.mod): the build downloads nothing.
		"250-koki-short-drone-plugin.Dockerfile": "",
		"257-mesos-mesos-exporter.Dockerfile":    "",
		// No go.sum: the build relies on go generate running go mod tidy.
		"170-gin-vue-ttms-server.Dockerfile": "declined: the context has no go.sum for the modules go.mod requires",
		// cargo fetch needs every member's targets, which are the sources.
		"152-privnote-server.Dockerfile": "declined: Cargo.toml declares a workspace, whose members are in the sources",
		"103-meilisearch.Dockerfile":     "declined: Cargo.toml declares a workspace, whose members are in the sources",
	}

	got := map[string]string{}
	fixed := 0
	for _, f := range corpus(t) {
		if !buildsGo.Match(f.src) || downloadsMods.Match(f.src) {
			continue
		}
		res, err := optimizer.Optimize(f.src, optimizer.Options{
			Filename: f.name, Enable: []string{"manifest-first"}, Context: contexts[f.name],
		})
		require.NoError(t, err, f.name)
		var outcome []string
		for _, fd := range res.Findings {
			switch {
			case fd.Fixed:
				fixed++
				outcome = append(outcome, "fixed: "+fd.FixMessage)
			case strings.Contains(fd.Message, "; no dependency step added: "):
				outcome = append(outcome, "declined: "+fd.Message[strings.Index(fd.Message, "; no dependency step added: ")+len("; no dependency step added: "):])
			default:
				outcome = append(outcome, "reported: "+fd.Message)
			}
		}
		got[f.name] = strings.Join(outcome, "\n")
	}
	require.Equal(t, want, got)
	t.Logf("%d corpus files build Go or Rust with no go mod download; %d get a dependency step, %d are declined", len(got), fixed, len(got)-fixed)
}
