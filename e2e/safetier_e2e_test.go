//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// The shapes of default rewrites that once broke a build or changed an
// image, built before and after the default passes with dfopt verify:
// each rewrite must build and be equivalent. Shapes that need old base
// images (an npm that does not start on an old Node, RubyGems 1.8) are
// golden cases only.

// verifyShapes writes the Dockerfile and context files into a directory,
// runs dfopt verify with the default passes on it, requires the rewrite
// to have lines and the verdict to be equivalent, and returns the report
// and the rewrite.
func verifyShapes(t *testing.T, dockerfile string, files map[string]string, lines ...string) (*verify.Report, string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), dockerfile)
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	res, err := optimizer.Optimize([]byte(dockerfile), optimizer.Options{Filename: "Dockerfile", ContextDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rewritten := string(res.Output)
	t.Logf("dfopt's rewrite:\n%s", res.Diff())
	requireLines(t, rewritten, lines...)
	rep, _ := runVerify(t, verify.Options{Dockerfile: filepath.Join(dir, "Dockerfile"), NoRebuild: true})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s, want %s", rep.Verdict, verify.VerdictEquivalent)
	}
	return rep, rewritten
}

// requireCaches requires each cache directory to hold files in the
// original's image and none in the rewrite's (built again, from the
// cache), so that the test shows what it claims.
func requireCaches(t *testing.T, original, rewritten string, contexts map[string]harness.LayoutRef, ctxDir string, caches ...string) (before, after *oci.Tree) {
	t.Helper()
	env := requireEnv(t)
	before = tree(t, build(t, harness.BuildOptions{Env: env, Dockerfile: original, ContextDir: ctxDir, Contexts: contexts}))
	after = tree(t, build(t, harness.BuildOptions{Env: env, Dockerfile: rewritten, ContextDir: ctxDir, Contexts: contexts}))
	for _, c := range caches {
		if n := len(belowOnly(before.PathsUnder(c), c)); n == 0 {
			t.Errorf("the original has nothing below %s: the test shows nothing there", c)
		} else {
			t.Logf("%s: %d paths in the original", c, n)
		}
		if left := belowOnly(after.PathsUnder(c), c); len(left) > 0 {
			t.Errorf("the rewrite still has %d paths below %s: %v", len(left), c, head(left, 5))
		}
	}
	return before, after
}

// TestSafeTierShapesDebian: apt lists read by a later RUN before its own
// update (the reader gets apt-get update in front, and both RUNs remove
// their lists, also across a script from the context that leaves apt
// alone), COMPOSER_HOME deleted by its RUN, a RUN that deletes its
// WORKDIR, mkdir before WORKDIR under a non-root USER.
func TestSafeTierShapesDebian(t *testing.T) {
	env := requireEnv(t)
	original := `FROM debian:bookworm
# the second RUN installs file before its own apt-get update: it reads the
# lists the first RUN leaves (the rewrite cleans them there and updates again)
RUN apt-get update && apt-get install -y --no-install-recommends jq
ENV COMPOSER_ALLOW_SUPERUSER=1
RUN apt-get install -y --no-install-recommends file && apt-get update && apt-get install -y --no-install-recommends composer
# a script from the context, whose text leaves apt alone, runs between that
# update and an install (which gets an update of its own)
COPY --chmod=755 greet /usr/local/bin/greet
RUN greet > /greeting.txt
ENV STEP=tree
RUN apt-get install -y --no-install-recommends tree
# composer in a temporary COMPOSER_HOME that the RUN deletes
WORKDIR /c
COPY composer.json ./
RUN set -eu; export COMPOSER_HOME="$(mktemp -d)"; composer install --no-interaction; rm -rf "$COMPOSER_HOME"
ENV STEP=composer
RUN composer install --no-interaction
# a RUN that deletes its WORKDIR, which BuildKit creates again for the next
WORKDIR /srv/work
RUN echo a > a.txt
RUN echo b > b.txt && rm -rf /srv/work
RUN echo c > /c.txt
# mkdir before WORKDIR as another user
RUN useradd -m app
USER app
RUN mkdir -p /home/app/w
WORKDIR /home/app/w
RUN echo d > d.txt
`
	files := map[string]string{"composer.json": `{"name": "dfopt/e2e", "repositories": [{"packagist.org": false}]}` + "\n",
		"greet": "#!/bin/sh\necho hello\n"}
	_, rewritten := verifyShapes(t, original, files,
		"\nRUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends file && apt-get update && apt-get install -y --no-install-recommends composer && rm -rf /var/lib/apt/lists/*\n",
		"\nRUN set -eu; export COMPOSER_HOME=\"$(mktemp -d)\"; composer install --no-interaction; rm -rf \"$COMPOSER_HOME\"\n",
		"\nRUN apt-get update && apt-get install -y --no-install-recommends tree && rm -rf /var/lib/apt/lists/*\n",
		"\nRUN composer install --no-interaction && rm -rf /root/.composer/cache /root/.cache/composer\n",
		"\nRUN echo a > a.txt && \\\n    echo b > b.txt && rm -rf /srv/work\nRUN echo c > /c.txt && \\\n",
		"\nUSER app\nRUN mkdir -p /home/app/w\nWORKDIR /home/app/w\n",
	)
	// The image has the WORKDIR that BuildKit made again, empty but for
	// what the last RUN there wrote.
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	_, after := requireCaches(t, original, rewritten, env.BaseContexts(), dir)
	for _, p := range []string{"/srv/work", "/c.txt", "/home/app/w/d.txt", "/c/vendor/autoload.php", "/usr/bin/tree", "/greeting.txt"} {
		if _, ok := after.Get(p); !ok {
			t.Errorf("the rewrite's image has no %s", p)
		}
	}
	if _, ok := after.Get("/srv/work/a.txt"); ok {
		t.Errorf("/srv/work/a.txt survived the RUN that deleted the directory")
	}
}

// TestSafeTierShapesNode: npm in a deleted working directory, npm found
// only on a PATH set in a subshell, a RUN that removed npm's cache itself,
// npm as another user, Yarn 1 as root, pnpm fetch before an offline
// install.
func TestSafeTierShapesNode(t *testing.T) {
	env := requireEnv(t)
	node, err := env.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	original := `FROM node:18
WORKDIR /app
COPY package.json ./
# npm runs, then the RUN deletes its working directory
RUN mkdir -p /tmp/x && cd /tmp/x && npm install is-number@7.0.0 && cp -r node_modules /opt/ && rm -rf /tmp/x
ENV STEP=clean
# the RUN removes npm's cache itself
RUN npm install && rm -rf /root/.npm
# npm as another user keeps its cache in that user's home
RUN useradd -m app
USER app
WORKDIR /home/app/n
COPY --chown=app package.json ./
RUN npm install
USER root
WORKDIR /
# npm found only on a PATH a sourced script sets, as with nvm; merged, the
# RUN goes into a subshell
RUN mkdir -p /opt/nvm/bin && ln -s "$(readlink -f /usr/bin/npm)" /opt/nvm/bin/npm && rm /usr/bin/npm && echo 'PATH=/opt/nvm/bin:$PATH' > /opt/nvm/nvm.sh
RUN . /opt/nvm/nvm.sh && npm install -g pnpm@9.15.9 yarn@1.22.22
RUN echo next > /next.txt
# Yarn 1 as root
WORKDIR /y
COPY package.json ./
RUN yarn install
# pnpm fetch fills the store for the offline install that follows
WORKDIR /p
COPY pnpm-lock.yaml ./
RUN pnpm fetch
COPY package.json ./
RUN pnpm install --offline --frozen-lockfile
# the last pnpm RUN, which resolves from the registry
WORKDIR /q
COPY package.json ./
RUN pnpm install
`
	files := map[string]string{
		"package.json":   `{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"is-number": "7.0.0", "is-odd": "3.0.1"}}` + "\n",
		"pnpm-lock.yaml": pnpmLock,
	}
	rep, rewritten := verifyShapes(t, original, files,
		" && rm -rf /tmp/x && rm -rf /root/.npm/_cacache\n",
		"\nRUN npm install && rm -rf /root/.npm && \\\n",
		"\nRUN npm install && rm -rf /home/app/.npm/_cacache\n",
		"( . /opt/nvm/nvm.sh && npm install -g pnpm@9.15.9 yarn@1.22.22 ) && \\\n    echo next > /next.txt && \\\n    rm -rf /root/.npm/_cacache\n",
		"\nRUN yarn install && rm -rf /usr/local/share/.cache/yarn\n",
		"\nRUN pnpm fetch\n",
		"\nRUN pnpm install --offline --frozen-lockfile\n",
		"\nRUN pnpm install && rm -rf /root/.cache/pnpm\n",
	)
	t.Logf("removed by the rewrite: %d paths, %s (%v)", rep.RemovedPaths, mib(rep.RemovedBytes), rep.Removes)
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	_, after := requireCaches(t, original, rewritten, env.AllContexts(node, harness.LayoutRef{}), dir,
		"/root/.npm/_cacache", "/home/app/.npm/_cacache", "/usr/local/share/.cache/yarn", "/root/.cache/pnpm")
	// pnpm's store stays: the installs are linked to it.
	for _, p := range []string{"/opt/node_modules/is-number/package.json", "/y/node_modules/is-odd/package.json",
		"/p/node_modules/.pnpm/is-odd@3.0.1/node_modules/is-odd/package.json",
		"/q/node_modules/.pnpm/is-odd@3.0.1/node_modules/is-odd/package.json", "/root/.local/share/pnpm/store"} {
		if _, ok := after.Get(p); !ok {
			t.Errorf("the rewrite's image has no %s", p)
		}
	}
}

// pnpmLock is pnpm 9's lock file for the package.json of
// TestSafeTierShapesNode.
const pnpmLock = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      is-number:
        specifier: 7.0.0
        version: 7.0.0
      is-odd:
        specifier: 3.0.1
        version: 3.0.1

packages:

  is-number@6.0.0:
    resolution: {integrity: sha512-Wu1VHeILBK8KAWJUAiSZQX94GmOE45Rg6/538fKwiloUu21KncEkYGPqob2oSZ5mUT73vLGrHQjKw3KMPwfDzg==}
    engines: {node: '>=0.10.0'}

  is-number@7.0.0:
    resolution: {integrity: sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==}
    engines: {node: '>=0.12.0'}

  is-odd@3.0.1:
    resolution: {integrity: sha512-CQpnWPrDwmP1+SMHXZhtLtJv90yiyVfluGsX5iNCVkrhQtU3TQHsUWPG9wkdk9Lgd5yNpAg9jQEo90CBaXgWMA==}
    engines: {node: '>=4'}

snapshots:

  is-number@6.0.0: {}

  is-number@7.0.0: {}

  is-odd@3.0.1:
    dependencies:
      is-number: 6.0.0
`

// appendNpmClean is the cleanup cache-cleanup used to append, as a pass:
// npm cache clean after every npm install, declaring npm's cache and logs
// removed.
var appendNpmClean = &analysis.Pass{
	Name: "append-npm-clean", Docs: analysis.StaticDocs("the old npm cleanup, for the e2e tests", "Appends npm cache clean --force."), Tier: analysis.Safe,
	Run: func(ctx *analysis.Context) []analysis.Finding {
		var out []analysis.Finding
		for _, ins := range ctx.Doc.Instructions {
			if ins.Cmd == "run" && strings.Contains(ins.Text, "npm install") && !strings.Contains(ins.Text, "npm cache clean") {
				end := ins.ContentEnd()
				out = append(out, analysis.Finding{Pos: ins.Span.Start, End: end, Message: "npm cache",
					Fix: &analysis.Fix{Message: "run npm cache clean --force", Edits: []analysis.Edit{analysis.Insert(end, " && npm cache clean --force")},
						Removes: []string{"~/.npm/_cacache", "~/.npm/_logs/"}}})
			}
		}
		return out
	},
}

// TestVerifyCatchesACreatedCache: after a RUN that removed ~/.npm, npm
// cache clean writes a debug log below ~/.npm/_logs. The paths it declares
// removed do not excuse a cache the original image does not have at all.
func TestVerifyCatchesACreatedCache(t *testing.T) {
	env := requireEnv(t)
	node, err := env.NodeBase(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM node:18\nWORKDIR /app\nCOPY package.json ./\nRUN npm install && rm -rf /root/.npm\n")
	writeFile(t, filepath.Join(dir, "package.json"), `{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"is-number": "7.0.0"}}`+"\n")
	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Contexts:   harness.NamedContexts(env.AllContexts(node, harness.LayoutRef{})),
		Optimize:   optimizer.Options{Passes: []*analysis.Pass{appendNpmClean}},
		NoRebuild:  true,
	})
	if rep.Verdict != verify.VerdictNotEquivalent {
		t.Fatalf("verdict %s, want %s", rep.Verdict, verify.VerdictNotEquivalent)
	}
	found := false
	for _, d := range rep.Differences {
		if d.Kind == "added" && d.Note == verify.CreatedNote && strings.HasPrefix(d.Path, "/root/.npm/_logs/") {
			found = true
		}
	}
	if !found || !strings.Contains(text, verify.CreatedNote) {
		t.Errorf("no difference for npm's log below /root/.npm/_logs: %+v", rep.Differences)
	}
}
