//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// Real-world shapes that the safe tier once left alone, built before and
// after the default passes: the images must be equivalent (apart from the
// caches the rewrite removes) and smaller. Each shape starts with
// ENV SHAPE=NAME, which no pass moves and which ends a group of RUNs, so
// that the bytes each shape adds can be told apart in the image's history.

// bytesByShape sums the uncompressed size of the layers above the base
// image by the ENV SHAPE=NAME before them.
func bytesByShape(t *testing.T, img *oci.Image, baseLayers int) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	shape, layer := "", 0
	for _, h := range img.Config.History {
		if _, name, ok := strings.Cut(h.CreatedBy, "ENV SHAPE="); ok {
			shape = strings.Fields(name)[0]
		}
		if h.EmptyLayer {
			continue
		}
		if layer >= len(img.Layers) {
			t.Fatalf("the history names more layers than the image has")
		}
		if layer >= baseLayers {
			out[shape] += img.Layers[layer].UncompressedSize
		}
		layer++
	}
	return out
}

// logShapes logs the bytes each shape adds before and after, and requires
// each of want to be smaller after.
func logShapes(t *testing.T, e equivalence, baseLayers int, want ...string) {
	t.Helper()
	before := bytesByShape(t, e.before.Image, baseLayers)
	after := bytesByShape(t, e.after.Image, baseLayers)
	var names []string
	for n := range before {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("shape %s: %s before, %s after, saved %s", n, mib(before[n]), mib(after[n]), mib(before[n]-after[n]))
	}
	for _, n := range want {
		if after[n] >= before[n] {
			t.Errorf("shape %s is not smaller: %d >= %d bytes", n, after[n], before[n])
		}
	}
}

// aptFetched logs what apt-get update downloaded in a build ("Fetched 9,208
// kB in 3s").
func aptFetched(t *testing.T, name, log string) {
	t.Helper()
	for _, m := range regexp.MustCompile(`Fetched [0-9,.]+ [kMG]?B in [^\n]*`).FindAllString(log, -1) {
		t.Logf("%s: apt: %s", name, m)
	}
}

// randomFile writes n bytes that do not compress (the same bytes on every
// run), so that a layer holding them twice shows.
func randomFile(t *testing.T, p string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSafeDepthDebian: a heredoc script that installs with apt (and a
// one-line RUN merged into it), apt lists that a later RUN of the stage
// installs from, a COPY into the home that useradd -m made (copy-chown),
// and a stage built FROM one that installs, which installs more without
// its own update. One Dockerfile, built once before and after, so that
// every shape is measured in the same builds. In the original, the lists
// of the first update would stay below every later shape, whose updates
// then find them current and add no lists of their own: RUN rm -rf
// /var/lib/apt/lists/* before a shape that fetches lists starts it from
// none, as if it came first.
func TestSafeDepthDebian(t *testing.T) {
	env := requireEnv(t)
	ctxDir := t.TempDir()
	writeFile(t, filepath.Join(ctxDir, "app.conf"), "port=8080\n")
	randomFile(t, filepath.Join(ctxDir, "data", "blob.bin"), 4<<20)
	writeFile(t, filepath.Join(ctxDir, "data", "readme.txt"), "data\n")
	original := `FROM debian:bookworm AS base
ENV SHAPE=heredoc
RUN echo heredoc > /etc/shape
RUN <<EOT
set -eux
apt-get update
apt-get install -y --no-install-recommends curl
EOT
ENV SHAPE=wipe
RUN rm -rf /var/lib/apt/lists/*
ENV SHAPE=later
RUN apt-get update && apt-get install -y --no-install-recommends jq
COPY app.conf /etc/app.conf
RUN apt-get install -y --no-install-recommends file
ENV SHAPE=home
RUN useradd -m app
COPY data /home/app/data
RUN chown -R app:app /home/app/data
ENV SHAPE=wipe
RUN rm -rf /var/lib/apt/lists/*
ENV SHAPE=parent
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates

FROM base
ENV SHAPE=child
RUN apt-get install -y --no-install-recommends wget
RUN echo done > /done
`
	rewritten := rewrite(t, original, optimizer.Options{ContextDir: ctxDir})
	requireLines(t, rewritten,
		"\nRUN <<EOT\necho heredoc > /etc/shape &&\n{\nset -eux\napt-get update\napt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n}\nEOT\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends file && rm -rf /var/lib/apt/lists/*\n",
		"\nCOPY --chown=app:app data /home/app/data\nRUN chown app:app /home/app/data\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends wget && \\\n    echo done > /done && \\\n    rm -rf /var/lib/apt/lists/*\n",
	)
	e := checkEquivalent(t, "debian shapes", original, rewritten, env.Base,
		harness.BuildOptions{Env: env, ContextDir: ctxDir}, []string{"/var/lib/apt/lists/"})
	base, err := oci.Open(env.Base.Dir)
	if err != nil {
		t.Fatal(err)
	}
	logShapes(t, e, len(base.Layers), "heredoc", "later", "home", "parent")
	aptFetched(t, "original", e.before.Log)
	aptFetched(t, "rewrite", e.after.Log)
	tr := tree(t, e.after)
	for p, owner := range map[string]int{"/home/app/data/blob.bin": 1000, "/home/app/data": 1000, "/home/app": 1000} {
		f, ok := tr.Get(p)
		if !ok {
			t.Errorf("the rewrite's image has no %s", p)
		} else if f.UID != owner {
			t.Errorf("%s belongs to %d in the rewrite's image, want %d", p, f.UID, owner)
		}
	}
}

// npmLockV1 is a lockfileVersion 1 lock file (npm 6) for is-number 7.0.0
// and is-odd 3.0.1 (which needs is-number 6): npm 9 rewrites it as
// lockfileVersion 3 on npm install.
const npmLockV1 = `{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "is-number": {
      "version": "7.0.0",
      "resolved": "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="
    },
    "is-odd": {
      "version": "3.0.1",
      "resolved": "https://registry.npmjs.org/is-odd/-/is-odd-3.0.1.tgz",
      "integrity": "sha512-CQpnWPrDwmP1+SMHXZhtLtJv90yiyVfluGsX5iNCVkrhQtU3TQHsUWPG9wkdk9Lgd5yNpAg9jQEo90CBaXgWMA==",
      "requires": {
        "is-number": "^6.0.0"
      },
      "dependencies": {
        "is-number": {
          "version": "6.0.0",
          "resolved": "https://registry.npmjs.org/is-number/-/is-number-6.0.0.tgz",
          "integrity": "sha512-Wu1VHeILBK8KAWJUAiSZQX94GmOE45Rg6/538fKwiloUu21KncEkYGPqob2oSZ5mUT73vLGrHQjKw3KMPwfDzg=="
        }
      }
    }
  }
}
`

// TestSafeDepthNpm: COPY . . then npm install with a package-lock.json in
// the context, the most common Node layout. manifest-first runs the install
// with the manifests before the sources and again after them; verify builds
// both (equivalent: the lock file npm rewrites is the same in both images),
// then edits a source file and rebuilds both: the rewrite's first install
// comes from the cache.
func TestSafeDepthNpm(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	original := `FROM node:18
WORKDIR /app
COPY . .
RUN npm install && npm run build
CMD ["node", "server.js"]
`
	files := map[string]string{
		"Dockerfile": original,
		"package.json": `{"name": "app", "version": "1.0.0", "private": true, "scripts": {"build": "node build.js"},
  "dependencies": {"is-number": "7.0.0", "is-odd": "3.0.1"}}` + "\n",
		"package-lock.json": npmLockV1,
		"server.js":         "console.log(require('is-odd')(3), require('is-number')(5), require('fs').readFileSync('dist/out.txt', 'utf8'))\n",
		"build.js":          "require('fs').mkdirSync('dist', {recursive: true}); require('fs').writeFileSync('dist/out.txt', 'built')\n",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	res, err := optimizer.Optimize([]byte(original), optimizer.Options{Filename: "Dockerfile", ContextDir: dir, Enable: harness.VerifiedPasses})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dfopt's rewrite:\n%s", res.Diff())
	requireLines(t, string(res.Output),
		"\nCOPY package.json package-lock.json ./\nRUN npm install",
		"\nCOPY . .\nRUN npm install && npm run build",
	)
	contextLock := sha256.Sum256([]byte(npmLockV1))
	var layers struct{ before, after []int64 }
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: harness.VerifiedPasses},
		Touch:      "server.js",
		Inspect: func(b *verify.Builds) error {
			for _, img := range []struct {
				name string
				res  *verify.BuiltImage
				out  *[]int64
			}{{"original", b.Before, &layers.before}, {"rewrite", b.After, &layers.after}} {
				tr, err := img.res.Image.Tree()
				if err != nil {
					return err
				}
				lock, ok := tr.Get("/app/package-lock.json")
				if !ok {
					return fmt.Errorf("the %s's image has no /app/package-lock.json", img.name)
				}
				// The case shows something only if npm rewrote the lock
				// file the sources bring.
				if lock.Digest == "sha256:"+hex.EncodeToString(contextLock[:]) {
					t.Errorf("npm install did not rewrite the lockfileVersion 1 lock file in the %s", img.name)
				}
				for _, p := range []string{"/app/node_modules/is-odd/node_modules/is-number/package.json", "/app/dist/out.txt"} {
					if _, ok := tr.Get(p); !ok {
						t.Errorf("the %s's image has no %s", img.name, p)
					}
				}
				for _, l := range img.res.Image.Layers {
					*img.out = append(*img.out, l.UncompressedSize)
				}
			}
			// The rewrite's second install finds node_modules complete: its
			// layer (the last) writes no package again, only npm's record
			// of the tree, or the image would hold node_modules twice.
			top, err := b.After.Image.TopLayer()
			if err != nil {
				return err
			}
			var rewritten []string
			for _, en := range top.Entries {
				if strings.HasPrefix(en.Path, "/app/node_modules/") && en.Path != "/app/node_modules/.package-lock.json" && en.Type != oci.Dir {
					rewritten = append(rewritten, en.Path)
				}
			}
			if len(rewritten) > 0 {
				t.Errorf("the rewrite's second npm install wrote %d files of node_modules again: %v", len(rewritten), head(rewritten, 10))
			}
			t.Logf("the rewrite's second install's layer: %d entries, %s of files", len(top.Entries), mib(top.ContentSize()))
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s, want %s", rep.Verdict, verify.VerdictEquivalent)
	}
	if !slices.Contains(rep.Passes, "manifest-first") {
		t.Fatalf("passes %v: manifest-first did not rewrite the Dockerfile", rep.Passes)
	}
	t.Logf("added bytes: original %s in %d layers, rewrite %s in %d layers (layers %v, %v)",
		mib(rep.Before.AddedBytes), rep.Before.Layers, mib(rep.After.AddedBytes), rep.After.Layers, layers.before, layers.after)
	t.Logf("touched %s; original: %d/%d steps cached in %dms, re-ran %q; rewrite: %d/%d cached in %dms, re-ran %q",
		rep.Touched, rep.Before.RebuildCachedSteps, rep.Before.RebuildSteps, rep.Before.RebuildMs, rep.Before.RebuildRan,
		rep.After.RebuildCachedSteps, rep.After.RebuildSteps, rep.After.RebuildMs, rep.After.RebuildRan)
	installs := func(steps []string) int {
		n := 0
		for _, s := range steps {
			if strings.Contains(s, "npm install") {
				n++
			}
		}
		return n
	}
	// The original runs its one install again; the rewrite runs only the
	// install after the sources (which finds node_modules complete), and
	// takes the one before them from the cache.
	if installs(rep.Before.RebuildRan) != 1 {
		t.Errorf("the original's rebuild ran %d npm installs, want 1: %q", installs(rep.Before.RebuildRan), rep.Before.RebuildRan)
	}
	if installs(rep.After.RebuildRan) != 1 {
		t.Errorf("the rewrite's rebuild ran %d npm installs, want 1 (the one after the sources): %q", installs(rep.After.RebuildRan), rep.After.RebuildRan)
	}
	if rep.After.RebuildCachedSteps <= rep.Before.RebuildCachedSteps {
		t.Errorf("the rewrite's rebuild took %d steps from the cache, the original's %d",
			rep.After.RebuildCachedSteps, rep.Before.RebuildCachedSteps)
	}
}
