//go:build e2e

package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// diTransferredRE reads BuildKit's progress line for the build context, e.g.
// "#4 transferring context: 7.35MB 0.2s done".
var diTransferredRE = regexp.MustCompile(`transferring context: ([0-9.]+)([kMG]?B)`)

// transferred returns the largest context transfer the build log reports,
// in bytes (BuildKit prints decimal units).
func diTransferred(t *testing.T, log string) int64 {
	t.Helper()
	var best int64 = -1
	for _, m := range diTransferredRE.FindAllStringSubmatch(log, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		mult := map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]
		if n := int64(math.Round(v * mult)); n > best {
			best = n
		}
	}
	if best < 0 {
		t.Fatalf("no context transfer in the build log:\n%s", harness.Tail(log, 40))
	}
	return best
}

// diContextBytes sums the regular files of dir that the ignore file (its
// content; nil for none) does not exclude, as the builder sees them.
func diContextBytes(t *testing.T, dir string, ignoreFile []byte) (int64, int) {
	t.Helper()
	var pm *patternmatcher.PatternMatcher
	if data := ignoreFile; data != nil {
		patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if pm, err = patternmatcher.New(patterns); err != nil {
			t.Fatal(err)
		}
	}
	var size int64
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if pm != nil {
			if m, _ := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); m {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			size += fi.Size()
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return size, files
}

// writeProject writes a small Node.js project with what a working copy
// holds besides: a git repository, the developer's node_modules, editor
// files. The incompressible filler makes the sizes visible.
func diWriteProject(t *testing.T, dir string) {
	t.Helper()
	random := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return string(b)
	}
	files := map[string]string{
		"package.json": `{"name": "app", "version": "1.0.0", "private": true, "scripts": {"start": "node server.js"},
  "dependencies": {"is-number": "7.0.0"}}` + "\n",
		"package-lock.json": `{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}},
    "node_modules/is-number": {"version": "7.0.0", "license": "MIT", "engines": {"node": ">=0.12.0"},
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="}}}` + "\n",
		// The developer's copy, built elsewhere: not what npm ci installs.
		"node_modules/is-number/package.json": `{"name": "is-number", "version": "7.0.0"}` + "\n",
		"node_modules/is-number/index.js":     "module.exports = () => 'a build from another machine'\n",
		"server.js":                           "require('./lib/greet').greet(String(require('is-number')(5)))\n",
		"build.js":                            "require('fs').mkdirSync('dist', {recursive: true}); require('fs').writeFileSync('dist/out.txt', 'built\\n')\n",
		"lib/greet.js":                        "exports.greet = (n) => console.log('hello ' + n)\n",
		".git/HEAD":                           "ref: refs/heads/main\n",
		".git/config":                         "[core]\n\trepositoryformatversion = 0\n",
		".git/objects/pack/pack-1.pack":       random(4 << 20),
		".DS_Store":                           random(6 << 10),
		".vscode/settings.json":               "{}\n",
	}
	for i := 0; i < 300; i++ {
		files[fmt.Sprintf("node_modules/dep%03d/index.js", i)] = random(10 << 10)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDockerignore verifies a Node.js project that copies its whole
// context, before and after dockerignore adds .git, node_modules and the
// editor files to a new .dockerignore (dfopt verify builds the rewrite with
// it). The build context BuildKit transfers shrinks to the project's own
// files; the final image of the multi-stage file is the same, file for
// file, and the single-stage image differs only by the repository and
// editor files that COPY . . used to put in it (node_modules is the one
// npm ci installs, in both). The same builds are checked for all of it.
func TestDockerignore(t *testing.T) {
	e := requireEnv(t)
	node, err := e.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	contexts := harness.NamedContexts(e.AllContexts(node, harness.LayoutRef{}))

	removes := []string{"/app/.git", "/app/.vscode", "/app/.DS_Store"}
	for _, tc := range []struct {
		name, dockerfile string
		ignore           []string // where the images may differ
		touch            string   // for the rebuild measurement ("": none)
	}{
		{"single-stage", `FROM node:18-bookworm
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
CMD ["node", "server.js"]
`, removes, "server.js"},
		{"multi-stage", `FROM node:18-bookworm AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && node build.js

FROM debian:bookworm
COPY --from=build /app/dist /srv/dist
COPY --from=build /app/lib /srv/lib
`, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			diWriteProject(t, dir)
			if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(tc.dockerfile), 0o644); err != nil {
				t.Fatal(err)
			}

			res, err := optimizer.Optimize([]byte(tc.dockerfile), optimizer.Options{
				Filename: filepath.Join(dir, "Dockerfile"), ContextDir: dir, Enable: []string{"dockerignore"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed() || len(res.Files) != 1 || res.Files[0].Path != ".dockerignore" || res.Files[0].Existed {
				t.Fatalf("want only a new .dockerignore, got changed=%v files=%v", res.Changed(), res.Files)
			}
			ignoreFile := res.Files[0].Output
			t.Logf("finding: %s", res.Findings[0].Message)
			t.Logf(".dockerignore:\n%s", ignoreFile)
			for _, want := range []string{".git\n", "node_modules\n", ".vscode\n", "**/.DS_Store\n"} {
				if !strings.Contains(string(ignoreFile), want) {
					t.Errorf(".dockerignore lacks %q", want)
				}
			}
			if got := strings.Join(res.Findings[0].Removes, " "); got != strings.Join(removes, " ") {
				t.Errorf("removes %q, want %q", got, removes)
			}
			sizeBefore, filesBefore := diContextBytes(t, dir, nil)
			sizeAfter, filesAfter := diContextBytes(t, dir, ignoreFile)
			t.Logf("context on disk (not ignored): %d files, %s -> %d files, %s", filesBefore, mib(sizeBefore), filesAfter, mib(sizeAfter))

			inspected := false
			rep, _ := runVerify(t, verify.Options{
				Dockerfile: filepath.Join(dir, "Dockerfile"),
				Contexts:   contexts,
				Optimize:   optimizer.Options{Enable: []string{"dockerignore"}},
				Touch:      tc.touch,
				NoRebuild:  tc.touch == "",
				Inspect: func(b *verify.Builds) error {
					inspected = true
					diCheckImages(t, b, tc.ignore)
					return nil
				},
			})
			if !inspected {
				t.Fatalf("verify built nothing: verdict %s", rep.Verdict)
			}
			if rep.Verdict != verify.VerdictEquivalent {
				t.Fatalf("verdict %s, want %s", rep.Verdict, verify.VerdictEquivalent)
			}
			if len(rep.ContextFiles) != 1 || rep.ContextFiles[0] != ".dockerignore" {
				t.Fatalf("context files %v", rep.ContextFiles)
			}
			if tc.touch != "" && (rep.Touched != tc.touch || rep.Before.RebuildSteps == 0 || rep.After.RebuildSteps == 0) {
				t.Errorf("no rebuild measurement: touched %q, skipped %q", rep.Touched, rep.RebuildSkipped)
			}
		})
	}
}

// diCheckImages checks the images verify built of the original and of the
// rewrite with its .dockerignore: what BuildKit transferred, and that only
// the paths in ignore (the repository and editor files) left the image.
func diCheckImages(t *testing.T, b *verify.Builds, ignore []string) {
	t.Helper()
	sentBefore, sentAgain, sentAfter := diTransferred(t, b.Before.Log), diTransferred(t, b.Again.Log), diTransferred(t, b.After.Log)
	t.Logf("BuildKit transferred: %s (and %s the second time) -> %s; build %s -> %s",
		mib(sentBefore), mib(sentAgain), mib(sentAfter), b.Before.Duration.Round(1e6), b.After.Duration.Round(1e6))
	if sentAfter*10 > sentBefore {
		t.Errorf("the context sent shrank only from %d to %d bytes", sentBefore, sentAfter)
	}
	var trees [2]*oci.Tree
	for i, img := range []*oci.Image{b.Before.Image, b.After.Image} {
		tr, err := img.Tree()
		if err != nil {
			t.Fatal(err)
		}
		trees[i] = tr
	}
	tb, ta := trees[0], trees[1]
	all := oci.Diff(tb, ta, oci.DiffOptions{Ignore: oci.IgnorePaths("/root/.npm/_logs/")})
	t.Logf("image paths only in the original: %d (%s)", len(all.Removed), head(all.Removed, 6))
	for _, r := range ignore {
		if _, ok := tb.Get(r); !ok {
			t.Errorf("%s is not in the original image: the test shows nothing", r)
		}
		if _, ok := ta.Get(r); ok {
			t.Errorf("%s is still in the image", r)
		}
	}
	if ignore != nil {
		for _, tr := range []*oci.Tree{tb, ta} {
			if _, ok := tr.Get("/app/node_modules/dep000/index.js"); ok {
				t.Errorf("the image has the context's node_modules: npm ci did not replace it")
			}
			if _, ok := tr.Get("/app/node_modules/is-number/index.js"); !ok {
				t.Errorf("npm ci did not install is-number")
			}
		}
		if _, ok := ta.Get("/app/.dockerignore"); ok {
			t.Errorf("the new .dockerignore went into the image")
		}
	}
	var beforeU, afterU int64
	for _, l := range b.Before.Image.Layers {
		beforeU += l.UncompressedSize
	}
	for _, l := range b.After.Image.Layers {
		afterU += l.UncompressedSize
	}
	t.Logf("image layers, uncompressed: %s -> %s", mib(beforeU), mib(afterU))
}

// TestDockerignoreCommittedNodeModules builds a Node.js project whose
// repository holds a node_modules installed elsewhere (CRLF line endings,
// an executable bit, Windows shims in .bin) and whose Dockerfile runs npm
// install, which installs on top of what COPY . . brought, taking is-number
// from the npm registry:
//
//   - when git tracks node_modules, dockerignore leaves it in the context
//     and says so; the rewrite (.git left out) builds the same image;
//   - when git does not track it, dockerignore leaves it out and declares
//     that the image's node_modules is then built afresh (with npm's cache
//     filled by the download): dfopt verify finds the images different
//     exactly there, counts those paths as changed on purpose, and calls
//     the pair equivalent.
func TestDockerignoreCommittedNodeModules(t *testing.T) {
	e := requireEnv(t)
	node, err := e.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	contexts := harness.NamedContexts(e.AllContexts(node, harness.LayoutRef{}))
	const dockerfile = `FROM node:18-bookworm
WORKDIR /app
COPY . .
RUN npm install --no-audit --no-fund
CMD ["node", "server.js"]
`
	files := map[string]string{
		"Dockerfile":   dockerfile,
		"package.json": `{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"is-number": "7.0.0"}}` + "\n",
		"package-lock.json": `{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}},
    "node_modules/is-number": {"version": "7.0.0", "resolved": "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==",
      "license": "MIT", "engines": {"node": ">=0.12.0"}}}}` + "\n",
		"server.js": "console.log(require('is-number')(5))\r\n",
		// The committed copy, installed on Windows.
		"node_modules/is-number/package.json": "{\r\n  \"name\": \"is-number\",\r\n  \"version\": \"7.0.0\",\r\n  \"main\": \"index.js\"\r\n}\r\n",
		"node_modules/is-number/index.js":     "'use strict';\r\nmodule.exports = function(num) {\r\n  return typeof num === 'number' ? num - num === 0 : false;\r\n};\r\n",
		"node_modules/.bin/is-number.cmd":     "@ECHO off\r\nnode \"%~dp0\\..\\is-number\\index.js\" %*\r\n",
		"node_modules/.bin/is-number.ps1":     "#!/usr/bin/env pwsh\r\n& node \"$PSScriptRoot/../is-number/index.js\" $args\r\n",
	}
	for _, tc := range []struct {
		name    string
		tracked bool
	}{{"tracked", true}, {"untracked", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range files {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), data)
			}
			if err := os.Chmod(filepath.Join(dir, "node_modules/is-number/index.js"), 0o755); err != nil {
				t.Fatal(err)
			}
			if !tc.tracked {
				writeFile(t, filepath.Join(dir, ".gitignore"), "node_modules/\n")
			}
			t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
			for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "initial"}} {
				cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=dfopt", "-c", "user.email=dfopt@example.com",
					"-c", "commit.gpgSign=false"}, args...)...)
				cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}

			res, err := optimizer.Optimize([]byte(dockerfile), optimizer.Options{
				Filename: filepath.Join(dir, "Dockerfile"), ContextDir: dir, Enable: []string{"dockerignore"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) != 1 {
				t.Fatalf("want a new .dockerignore, got %v", res.Files)
			}
			ignoreFile := string(res.Files[0].Output)
			var messages []string
			for _, f := range res.Findings {
				messages = append(messages, f.Message)
			}
			t.Logf("findings:\n%s\n.dockerignore:\n%s", strings.Join(messages, "\n"), ignoreFile)
			wantChanges := []string{"/app/node_modules", "~/.npm/_cacache"}
			if tc.tracked {
				wantChanges = nil
				if strings.Contains(ignoreFile, "node_modules") || len(res.Findings) != 2 ||
					!strings.Contains(res.Findings[1].Message, "git tracks node_modules") {
					t.Fatalf("a tracked node_modules is left out, or not reported")
				}
			} else if !strings.Contains(ignoreFile, "\nnode_modules\n") || !strings.Contains(res.Findings[0].Message, "npm install builds the image's /app/node_modules afresh") {
				t.Fatalf("an untracked node_modules is not left out, or the finding does not say what changes")
			}
			if got := res.Changes(); !slices.Equal(got, wantChanges) {
				t.Fatalf("declared changes %q, want %q", got, wantChanges)
			}

			var before, after *oci.Tree
			rep, text := runVerify(t, verify.Options{
				Dockerfile: filepath.Join(dir, "Dockerfile"),
				Contexts:   contexts,
				Optimize:   optimizer.Options{Enable: []string{"dockerignore"}},
				NoRebuild:  true,
				Inspect: func(b *verify.Builds) error {
					var err error
					if before, err = b.Before.Image.Tree(); err != nil {
						return err
					}
					after, err = b.After.Image.Tree()
					return err
				},
			})
			if rep.Verdict != verify.VerdictEquivalent || len(rep.Differences) > 0 {
				t.Fatalf("verdict %s, %d differences", rep.Verdict, len(rep.Differences))
			}
			shim := "/app/node_modules/.bin/is-number.cmd"
			if _, ok := before.Get(shim); !ok {
				t.Fatalf("%s is not in the original image: npm install did not keep the committed tree", shim)
			}
			if tc.tracked {
				if len(rep.ChangedPaths) > 0 || strings.Contains(text, "changed on purpose") {
					t.Errorf("changes reported where nothing was declared: %v", rep.ChangedPaths)
				}
				if _, ok := after.Get(shim); !ok {
					t.Errorf("the rewrite lost the committed node_modules")
				}
				return
			}
			// Different exactly where declared: node_modules and npm's cache.
			if len(rep.ChangedPaths) == 0 || !strings.Contains(text, "changed on purpose") ||
				!strings.Contains(text, "apart from the changes it makes on purpose") {
				t.Fatalf("verify does not report the declared change:\n%s", text)
			}
			var inModules int
			for _, d := range rep.ChangedPaths {
				switch {
				case strings.HasPrefix(d.Path, "/app/node_modules"):
					inModules++
				case strings.HasPrefix(d.Path, "/root/.npm/_cacache"):
				default:
					t.Errorf("%s changed outside the declared paths", d.Path)
				}
			}
			if _, ok := after.Get(shim); ok || inModules == 0 {
				t.Errorf("the rewrite's node_modules is not the fresh install: %s still there, %d paths changed in it", shim, inModules)
			}
			for _, p := range []string{"/app/node_modules/is-number/index.js", "/app/node_modules/is-number/package.json"} {
				if _, ok := after.Get(p); !ok {
					t.Errorf("npm install did not install %s", p)
				}
			}
			t.Logf("changed on purpose: %d paths, %d in /app/node_modules", len(rep.ChangedPaths), inModules)
		})
	}
}
