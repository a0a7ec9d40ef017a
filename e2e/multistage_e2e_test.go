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

// TestMultiStageGo rewrites the articles' single-stage Go program with the
// aggressive level (multi-stage splits it) and verifies the rewrite: the
// final image is the static binary on scratch with the CA certificates,
// under 10 MiB compressed, and the binary answers the same in both images.
func TestMultiStageGo(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "whatsmyip.go"), whatsmyipGo)
	writeFile(t, filepath.Join(dir, "Dockerfile"), whatsmyipSingle)

	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Level: analysis.Aggressive},
		Smoke:      []string{"./whatsmyip -selftest", "./whatsmyip -nosuchflag"},
		NoRebuild:  true,
		Contexts:   goSmokeContexts(t),
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	requireLines(t, rep.Diff,
		"\n-FROM golang\n+FROM golang AS build\n",
		"\n+FROM scratch\n",
		"\n+COPY --from=build /go/whatsmyip /go/whatsmyip\n",
	)
	if len(rep.Smoke) != 2 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	self, bad := rep.Smoke[0], rep.Smoke[1]
	if !self.Same || self.Before.Status != 0 || self.Before.Stdout != "127.0.0.1\n" || self.After.Shell != verify.SmokeShellImage {
		t.Errorf("selftest: %+v / %+v", self.Before, self.After)
	}
	if !bad.Same || bad.Before.Status != 2 {
		t.Errorf("-nosuchflag: %+v / %+v", bad.Before, bad.After)
	}
	if rep.BaseBefore != "golang" || rep.BaseAfter != "scratch" {
		t.Errorf("base %q => %q", rep.BaseBefore, rep.BaseAfter)
	}
	for _, d := range rep.ConfigDifferences {
		if d.AllowedBy == "" {
			t.Errorf("configuration difference not declared: %s", d)
		}
	}
	if len(rep.ProgramFiles) != 1 || rep.ProgramFiles[0].After != "/go/whatsmyip" {
		t.Errorf("program files: %+v", rep.ProgramFiles)
	}
	// The binary and the CA certificates are where they were: the
	// rewrite's image has no file the original's has not.
	if rep.New != nil {
		t.Errorf("new files: %+v", rep.New)
	}
	if !strings.Contains(text, "declared by multi-stage") {
		t.Errorf("no change declared by multi-stage:\n%s", text)
	}
	t.Logf("compressed: %s before, %s after", verify.Bytes(rep.Before.AddedCompressedBytes), verify.Bytes(rep.After.AddedCompressedBytes))
	if rep.SharedLayers != 0 || rep.After.AddedCompressedBytes >= 10<<20 {
		t.Errorf("the rewrite's image is %s compressed (%d shared layers), want under 10 MiB",
			verify.Bytes(rep.After.AddedCompressedBytes), rep.SharedLayers)
	}
}

// TestMultiStageMaven rewrites a single-stage Maven build on the maven
// image (offline, from Debian's repository): the final image is the jar
// on the JRE of the same vendor and version, has no javac, and the jar
// runs the same.
func TestMultiStageMaven(t *testing.T) {
	e := requireEnv(t)
	ctx := testContext(t)
	maven, err := e.MavenBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jre, err := e.JREBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := e.BaseContexts()
	for _, n := range harness.MavenBaseNames {
		m[n] = maven
	}
	for _, n := range harness.JREBaseNames {
		m[n] = jre
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pom.xml"), mavenPOM("dev.dfopt.Hello"))
	writeFile(t, filepath.Join(dir, "src/main/java/dev/dfopt/Hello.java"),
		"package dev.dfopt;\n\npublic class Hello {\n    public static void main(String[] args) {\n        System.out.println(\"hello from \" + System.getProperty(\"java.version\") + \" \" + String.join(\",\", args));\n    }\n}\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM maven:3.8-eclipse-temurin-17
WORKDIR /src
COPY pom.xml .
COPY src ./src
RUN mvn -B -q package
ENV GREETING=hello
CMD ["java", "-jar", "target/hello.jar", "a", "b"]
`)
	var javacBefore, javacAfter bool
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"multi-stage"}},
		Smoke:      []string{"java -jar target/hello.jar a b", "java -version"},
		NoRebuild:  true,
		Contexts:   harness.NamedContexts(m),
		Inspect: func(b *verify.Builds) error {
			for _, x := range []struct {
				img *verify.BuiltImage
				has *bool
			}{{b.Before, &javacBefore}, {b.After, &javacAfter}} {
				tr, err := x.img.Image.Tree()
				if err != nil {
					return err
				}
				_, *x.has = resolves(tr, "/opt/java/openjdk/bin/javac")
			}
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	requireLines(t, rep.Diff,
		"\n+FROM eclipse-temurin:17-jre\n",
		"\n+COPY --from=build /src/target/hello.jar /src/target/hello.jar\n",
	)
	if !javacBefore || javacAfter {
		t.Errorf("javac in the original's image: %v, in the rewrite's: %v (want true, false)", javacBefore, javacAfter)
	}
	for _, s := range rep.Smoke {
		if !s.Same || s.Before.Status != 0 {
			t.Errorf("%s: %+v / %+v", s.Command, s.Before, s.After)
		}
	}
	if s := rep.Smoke[0]; !strings.HasPrefix(s.After.Stdout, "hello from 17.") || !strings.HasSuffix(s.After.Stdout, " a,b\n") {
		t.Errorf("the jar on the JRE says %q", s.After.Stdout)
	}
	if len(rep.ProgramFiles) == 0 {
		t.Errorf("no program files checked")
	}
	t.Logf("compressed: %s before, %s after", verify.Bytes(rep.Before.AddedCompressedBytes), verify.Bytes(rep.After.AddedCompressedBytes))
}

// TestMultiStageNode rewrites a Node.js build that installs its
// devDependencies (from the npm registry) to build dist/: the final image
// is on the slim node image, has the production dependency and not the
// devDependency, and the program prints the same.
func TestMultiStageNode(t *testing.T) {
	e := requireEnv(t)
	ctx := testContext(t)
	full, err := e.NodeBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slim, err := e.NodeSlimBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := e.BaseContexts()
	for _, n := range harness.NodeBaseNames {
		m[n] = full
	}
	for _, n := range harness.NodeSlimBaseNames {
		m[n] = slim
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), `{
  "name": "hello",
  "version": "1.0.0",
  "private": true,
  "scripts": {"build": "mkdir -p dist && uglifyjs src/index.js -o dist/index.js", "start": "node dist/index.js"},
  "dependencies": {"ms": "2.1.3"},
  "devDependencies": {"uglify-js": "3.17.4"}
}
`)
	writeFile(t, filepath.Join(dir, "src/index.js"), "const ms = require(\"ms\");\nconsole.log(\"in \" + ms(90000));\n")
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM node:18
WORKDIR /app
COPY package.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build
CMD ["npm", "start"]
`)
	has := map[string]bool{}
	sizes := map[string]int64{}
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"multi-stage"}},
		Smoke:      []string{"node dist/index.js"},
		NoRebuild:  true,
		Contexts:   harness.NamedContexts(m),
		Inspect: func(b *verify.Builds) error {
			for name, img := range map[string]*verify.BuiltImage{"before": b.Before, "after": b.After} {
				sizes[name] = compressedSize(img.Image)
				tr, err := img.Image.Tree()
				if err != nil {
					return err
				}
				for _, p := range []string{"/app/node_modules/ms/package.json", "/app/node_modules/uglify-js/package.json", "/app/src/index.js", "/app/dist/index.js"} {
					_, has[name+" "+p] = resolves(tr, p)
				}
			}
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	requireLines(t, rep.Diff,
		"\n+RUN npm prune --omit=dev\n",
		"\n+FROM node:18-slim\n",
		"\n+COPY --from=build /app/dist /app/dist\n",
	)
	for p, want := range map[string]bool{
		"before /app/node_modules/uglify-js/package.json": true, "after /app/node_modules/uglify-js/package.json": false,
		"before /app/node_modules/ms/package.json": true, "after /app/node_modules/ms/package.json": true,
		"before /app/src/index.js": true, "after /app/src/index.js": false,
		"after /app/dist/index.js": true,
	} {
		if has[p] != want {
			t.Errorf("%s: %v, want %v", p, has[p], want)
		}
	}
	if len(rep.Smoke) != 1 || !rep.Smoke[0].Same || rep.Smoke[0].After.Stdout != "in 2m\n" {
		t.Errorf("smoke: %+v", rep.Smoke)
	}
	t.Logf("compressed: %s before, %s after (%s and %s above the %d layers they share)", verify.Bytes(sizes["before"]), verify.Bytes(sizes["after"]),
		verify.Bytes(rep.Before.AddedCompressedBytes), verify.Bytes(rep.After.AddedCompressedBytes), rep.SharedLayers)
	if sizes["after"] >= sizes["before"] {
		t.Errorf("the rewrite's image is not smaller: %d >= %d bytes", sizes["after"], sizes["before"])
	}
}

// compressedSize is the size of an image's layers as stored.
func compressedSize(img *oci.Image) int64 {
	var n int64
	for _, l := range img.Layers {
		n += l.Size
	}
	return n
}

// fastsumC is a C extension module: fastsum.add(a, b).
const fastsumC = `#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b))
        return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fastsum", NULL, -1, methods};

PyMODINIT_FUNC PyInit_fastsum(void) { return PyModule_Create(&module); }
`

// TestMultiStagePython rewrites a build on the full python image that
// compiles a local package's C extension (no PyPI here: pip install
// --no-build-isolation with the setuptools the image has): the build
// stage installs it into a virtual environment, and the final stage on
// the slim image, which has no compiler, imports it and runs the app the
// same.
func TestMultiStagePython(t *testing.T) {
	e := requireEnv(t)
	ctx := testContext(t)
	full, err := e.PythonBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slim, err := e.PythonSlimBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := e.BaseContexts()
	for _, n := range harness.PythonBaseNames {
		m[n] = full
	}
	for _, n := range harness.PythonSlimBaseNames {
		m[n] = slim
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cext/setup.py"),
		"from setuptools import setup, Extension\n\nsetup(name=\"fastsum\", version=\"1.0\", ext_modules=[Extension(\"fastsum\", [\"fastsum.c\"])])\n")
	writeFile(t, filepath.Join(dir, "cext/fastsum.c"), fastsumC)
	writeFile(t, filepath.Join(dir, "app.py"), "import fastsum\n\nprint(\"2 + 3 =\", fastsum.add(2, 3))\n")
	writeFile(t, filepath.Join(dir, "app.ini"), "[app]\nkey = 1\n")
	// jq is a program the build installs with an option that chooses the
	// release (-t): the final stage installs it again, with that option.
	// app.ini goes into /etc/: the final stage gets that file, not the
	// full image's /etc.
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends -t bookworm jq && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app.ini /etc/
COPY . .
RUN pip install --no-build-isolation ./cext
CMD ["python3", "app.py"]
`)
	has := map[string]bool{}
	sizes := map[string]int64{}
	var extension string
	rep, _ := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Enable: []string{"multi-stage"}},
		Smoke:      []string{"python3 app.py", "python3 -c 'import fastsum'", "jq --version", "cat /etc/app.ini"},
		NoRebuild:  true,
		Contexts:   harness.NamedContexts(m),
		Inspect: func(b *verify.Builds) error {
			for name, img := range map[string]*verify.BuiltImage{"before": b.Before, "after": b.After} {
				sizes[name] = compressedSize(img.Image)
				tr, err := img.Image.Tree()
				if err != nil {
					return err
				}
				for _, p := range []string{"/usr/bin/gcc", "/usr/include/python3.11/Python.h"} {
					_, has[name+" "+p] = resolves(tr, p)
				}
				for _, p := range []string{"/etc/app.ini", "/etc/alternatives/cc"} {
					_, has[name+" "+p] = tr.Get(p)
				}
				if name == "after" {
					for _, p := range tr.PathsUnder("/opt/venv/lib") {
						if strings.Contains(p, "/fastsum") && strings.HasSuffix(p, ".so") {
							extension = p
						}
					}
				}
			}
			return nil
		},
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	requireLines(t, rep.Diff,
		"\n+RUN python3 -m venv /opt/venv\n",
		"\n+FROM python:3.11-slim\n",
		"\n+COPY --from=build /opt/venv /opt/venv\n",
		"\n+RUN apt-get update && apt-get install -y --no-install-recommends -t bookworm jq && rm -rf /var/lib/apt/lists/*\n",
		"\n+COPY --from=build /etc/app.ini /etc/app.ini\n",
	)
	for p, want := range map[string]bool{
		"before /etc/app.ini": true, "after /etc/app.ini": true,
		"before /etc/alternatives/cc": true, "after /etc/alternatives/cc": false,
		"before /usr/bin/gcc": true, "after /usr/bin/gcc": false,
		"before /usr/include/python3.11/Python.h": true, "after /usr/include/python3.11/Python.h": false,
	} {
		if has[p] != want {
			t.Errorf("%s: %v, want %v", p, has[p], want)
		}
	}
	if extension == "" {
		t.Error("the compiled extension is not in the rewrite's virtual environment")
	}
	for _, s := range rep.Smoke {
		if !s.Same || s.Before.Status != 0 {
			t.Errorf("%s: %+v / %+v", s.Command, s.Before, s.After)
		}
	}
	if len(rep.Smoke) > 0 && rep.Smoke[0].After.Stdout != "2 + 3 = 5\n" {
		t.Errorf("the app in the slim image says %q", rep.Smoke[0].After.Stdout)
	}
	t.Logf("compressed: %s before, %s after; the extension: %s", verify.Bytes(sizes["before"]), verify.Bytes(sizes["after"]), extension)
	if sizes["after"] >= sizes["before"] {
		t.Errorf("the rewrite's image is not smaller: %d >= %d bytes", sizes["after"], sizes["before"])
	}
}
