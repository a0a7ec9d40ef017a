//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// A Node.js service on the full node base that installs a Debian package
// and its npm dependencies (TypeScript, esbuild-wasm and lodash: about
// 20 MB of tarballs from the npm registry), cleaning both caches as the
// safe tier would.
const cmDockerfile = `FROM node:18
RUN apt-get update && \
    apt-get install -y --no-install-recommends APTPKGS && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY server.js ./
CMD ["node", "server.js"]
`

const cmServer = `console.log("lodash " + require("lodash").VERSION + ", typescript " + require("typescript").version)
`

// cmPackage returns package.json and package-lock.json, with is-number as
// the dependency the second version adds.
func cmPackage(isNumber bool) (pkg, lock string) {
	deps := `"esbuild-wasm": "0.20.2", "lodash": "4.17.21", "typescript": "5.4.5"`
	entries := `
    "node_modules/esbuild-wasm": {"version": "0.20.2", "license": "MIT", "engines": {"node": ">=12"},
      "integrity": "sha512-7o6nmsEqlcXJXMNqnx5K+M4w4OPx7yTFXQHcJyeP3SkXb8p2T8N9E1ayK4vd/qDBepH6fuPoZwiFvZm8x5qv+w=="},
    "node_modules/lodash": {"version": "4.17.21", "license": "MIT",
      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="},
    "node_modules/typescript": {"version": "5.4.5", "license": "Apache-2.0",
      "bin": {"tsc": "bin/tsc", "tsserver": "bin/tsserver"}, "engines": {"node": ">=14.17"},
      "integrity": "sha512-vcI4UpRgg81oIRUFwR0WSIHKt11nJ7SAVlYNIu+QpqeyXP+gpQJy/Z4+F0aGxSE4MqwjyXvW/TzgkLAx2AGHwQ=="}`
	if isNumber {
		deps = `"esbuild-wasm": "0.20.2", "is-number": "7.0.0", "lodash": "4.17.21", "typescript": "5.4.5"`
		entries += `,
    "node_modules/is-number": {"version": "7.0.0", "license": "MIT", "engines": {"node": ">=0.12.0"},
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="}`
	}
	pkg = `{"name": "app", "version": "1.0.0", "private": true, "dependencies": {` + deps + "}}\n"
	lock = `{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {` + deps + `}},` + entries + "}}\n"
	return pkg, lock
}

// cmCachesLeft lists what the image holds in the caches the mounts keep.
func cmCachesLeft(t *testing.T, img *oci.Image) []string {
	t.Helper()
	tr, err := img.Tree()
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, dir := range []string{"/var/lib/apt/lists", "/root/.npm"} {
		for _, p := range tr.PathsUnder(dir) {
			if p != dir {
				left = append(left, p)
			}
		}
	}
	for _, p := range tr.PathsUnder("/var/cache/apt") {
		if strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".bin") {
			left = append(left, p)
		}
	}
	return left
}

// TestCacheMounts proves cache-mounts on a Node.js service that installs a
// Debian package and its npm dependencies. dfopt verify builds the
// original and the rewrite: the rewrite is equivalent, its apt
// configuration changed on purpose (docker-clean removed, keep-cache
// written), the program runs the same, and the image holds none of the
// caches (they are in the mounts). Then the dependencies change (one more
// Debian package, one more npm package) and both versions are built again
// with the build cache on: the rewrite's build, which finds the package
// lists, the packages and the npm tarballs in its mounts, downloads fewer
// Debian packages (the wall times are logged, not compared: on a shared
// machine they are noise), and its image still holds no cache.
func TestCacheMounts(t *testing.T) {
	e := requireEnv(t)
	bases, err := e.Bases(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeProject := func(aptPkgs string, isNumber bool) (original, rewritten string) {
		pkg, lock := cmPackage(isNumber)
		writeFile(t, filepath.Join(dir, "package.json"), pkg)
		writeFile(t, filepath.Join(dir, "package-lock.json"), lock)
		writeFile(t, filepath.Join(dir, "server.js"), cmServer)
		original = strings.Replace(cmDockerfile, "APTPKGS", aptPkgs, 1)
		writeFile(t, filepath.Join(dir, "Dockerfile"), original)
		rewritten = rewrite(t, original, optimizer.Options{Enable: []string{"cache-mounts"}})
		return original, rewritten
	}
	_, rewritten := writeProject("jq", false)
	for _, want := range []string{"--mount=type=cache,id=npm,target=/root/.npm npm ci --no-audit --no-fund\n",
		"--mount=type=cache,id=apt-lists-debian-bookworm,target=/var/lib/apt/lists,sharing=locked",
		"rm -f /etc/apt/apt.conf.d/docker-clean"} {
		if !strings.Contains(rewritten, want) {
			t.Fatalf("the rewrite lacks %q:\n%s", want, rewritten)
		}
	}

	// 1. Equivalent, with the apt configuration changed on purpose and the
	// caches gone from the image.
	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"cache-mounts"}},
		Smoke:      []string{"node server.js"},
		NoRebuild:  true,
		Inspect: func(b *verify.Builds) error {
			if left := cmCachesLeft(t, b.After.Image); len(left) > 0 {
				t.Errorf("caches in the rewrite's image: %v", head(left, 10))
			}
			if left := cmCachesLeft(t, b.Before.Image); len(left) == 0 {
				t.Errorf("the original's image holds no cache either: the test shows nothing")
			}
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if len(rep.Smoke) != 1 || !rep.Smoke[0].Same || rep.Smoke[0].Before.Stdout != "lodash 4.17.21, typescript 5.4.5\n" {
		t.Errorf("smoke: %+v", rep.Smoke)
	}
	var changed []string
	for _, d := range rep.ChangedPaths {
		changed = append(changed, d.Path+" "+d.Kind)
	}
	slices.Sort(changed)
	if !slices.Equal(changed, []string{"/etc/apt/apt.conf.d/docker-clean removed", "/etc/apt/apt.conf.d/keep-cache added"}) {
		t.Errorf("changed on purpose: %v", changed)
	}
	requireLines(t, text, "\nchanged on purpose:\n")

	// 2. The dependencies change: both versions build again, with the build
	// cache on (the steps before the changed ones come from it).
	original2, rewritten2 := writeProject("jq tree", true)
	// Unique to the run, so that no step after it comes from an earlier
	// run's build cache (the cache mounts, which persist, are what is tested).
	bust := fmt.Sprintf("\nENV DFOPT_E2E_RUN=%d\n", time.Now().UnixNano())
	original2 = strings.Replace(original2, "\n", bust, 1)
	rewritten2 = strings.Replace(rewritten2, "\n", bust, 1)
	opts := harness.BuildOptions{Env: e, ContextDir: dir, Contexts: bases}
	o, r := opts, opts
	o.Dockerfile, r.Dockerfile = original2, rewritten2
	before := build(t, o)
	after := build(t, r)
	t.Logf("build after the dependency change: original %s, with cache mounts %s (%.0f%% of it)",
		before.Duration.Round(time.Millisecond), after.Duration.Round(time.Millisecond),
		100*after.Duration.Seconds()/before.Duration.Seconds())
	// Wall time on a shared machine is noise; what the mounts save is
	// downloads: apt fetches again every package of the changed RUN in the
	// original, and only those its archive cache lacks in the rewrite.
	debsBefore, debsAfter := aptDownloads(before.Log), aptDownloads(after.Log)
	t.Logf("packages apt downloaded after the dependency change: original %d %v, with cache mounts %d %v",
		len(debsBefore), debsBefore, len(debsAfter), debsAfter)
	if len(debsBefore) == 0 {
		t.Errorf("the original downloaded no package after the dependency change: the test shows nothing; its apt lines:\n%s", aptLines(before.Log))
	}
	if len(debsAfter) >= len(debsBefore) {
		t.Errorf("the rewrite downloaded %d packages after the dependency change, the original %d", len(debsAfter), len(debsBefore))
	}
	if left := cmCachesLeft(t, after.Image); len(left) > 0 {
		t.Errorf("caches in the rewrite's image after the second build: %v", head(left, 10))
	}
	for _, res := range []*harness.Result{before, after} {
		tr := tree(t, res)
		if _, ok := tr.Get("/usr/bin/tree"); !ok {
			t.Errorf("the second build did not install tree")
		}
		if _, ok := tr.Get("/app/node_modules/is-number/package.json"); !ok {
			t.Errorf("the second build did not install is-number")
		}
	}
	// Where the time went: the RUN steps that ran again.
	for _, b := range []struct {
		what string
		res  *harness.Result
	}{{"original", before}, {"with cache mounts", after}} {
		for _, st := range runStepTimes(b.res.Log) {
			t.Logf("%s: %s", b.what, st)
		}
	}
}

// runStepTimes returns "TIME STEP" for the RUN steps of a plain build log
// that ran (not those taken from the cache).
func runStepTimes(log string) []string {
	names := map[string]string{}
	var out []string
	for _, l := range strings.Split(log, "\n") {
		id, rest, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(id, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "[") && strings.Contains(rest, "] RUN "):
			name := rest
			if len(name) > 100 {
				name = name[:100] + "..."
			}
			names[id] = name
		case strings.HasPrefix(rest, "DONE ") && names[id] != "":
			out = append(out, strings.TrimPrefix(rest, "DONE ")+" "+names[id])
		}
	}
	return out
}

// aptDebRE matches the line apt prints for a package it downloads
// ("Get:3 http://deb.debian.org/debian bookworm/main amd64 jq amd64 1.6-2.1 [64.9 kB]"),
// not those of the indexes.
var aptDebRE = regexp.MustCompile(`Get:\d+ \S+ \S+ (?:amd64|arm64|i386|all) (\S+) (?:amd64|arm64|i386|all) \S+ \[`)

// aptDownloads lists the packages a build log says apt downloaded.
func aptDownloads(log string) []string {
	var out []string
	for _, m := range aptDebRE.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

// aptLines are the lines of a build log that apt's fetches print.
func aptLines(log string) string {
	var b strings.Builder
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "Get:") || strings.Contains(l, "Hit:") || strings.Contains(l, "Fetched") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestCacheMountsTiniAfter proves that the apt RUN tini adds to a stage
// whose first apt RUN cache-mounts mounted (undoing docker-clean) keeps
// its packages out of the image, also when coalesce-runs joins it to the
// next RUN across a comment and its rm of the lists cannot be taken out:
// /var/cache/apt is mounted there too, so no .deb nor apt's pkgcache.bin
// is left in its layer.
func TestCacheMountsTiniAfter(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	original := `FROM debian:bookworm
RUN set -eux; \
	apt-get update; \
	echo curl | xargs -rt apt-get install -y --no-install-recommends; \
	rm -rf /var/lib/apt/lists/*
# check curl
RUN set -eux; \
	curl --version
CMD ["sleep", "1000"]
`
	writeFile(t, filepath.Join(dir, "Dockerfile"), original)
	opts := optimizer.Options{Enable: []string{"cache-mounts", "tini", "coalesce-runs"}}
	rewritten := rewrite(t, original, opts)
	want := "RUN --mount=type=cache,id=apt-archives-debian-bookworm,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y --no-install-recommends tini"
	if !strings.Contains(rewritten, want) || !strings.Contains(rewritten, "rm -f /etc/apt/apt.conf.d/docker-clean") {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
	inspected := false
	_, _ = runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   opts,
		NoRebuild:  true,
		Inspect: func(b *verify.Builds) error {
			inspected = true
			if left := cmCachesLeft(t, b.After.Image); len(left) > 0 {
				t.Errorf("caches in the rewrite's image: %v", head(left, 10))
			}
			return nil
		},
	})
	if !inspected {
		t.Fatal("the images were not built")
	}
}
