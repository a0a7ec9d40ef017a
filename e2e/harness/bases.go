package harness

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Derived base images, built with BuildKit on top of debian:bookworm and
// cached in Env.Home/layouts. They stand in for official images, which
// cannot be pulled here: node and python (each as the full image and the
// slim one), golang, a JDK, a JRE and Maven, a distroless static image,
// and busybox. Each is built the first time a test asks for it.
//
// The full node and python images are the slim ones plus what the
// official full images (buildpack-deps) add that builds need: compilers,
// C headers, make, git, curl. A rewrite to the slim variant is only right
// when nothing needs those, and the pair shows it.
//
// FROM names are looked up by BuildKit without a ":latest" suffix, so no
// name here ends in one.

// NodeBaseNames are the FROM names the full node base is offered under.
var NodeBaseNames = []string{"node:18-bookworm", "node:18", "node:bookworm", "node"}

// NodeSlimBaseNames are the FROM names the slim node base is offered
// under.
var NodeSlimBaseNames = []string{"node:18-bookworm-slim", "node:18-slim", "node:bookworm-slim", "node:slim"}

// PythonBaseNames are the FROM names the full python base is offered
// under.
var PythonBaseNames = []string{"python:3.11-bookworm", "python:3.11", "python:bookworm", "python:3", "python"}

// PythonSlimBaseNames are the FROM names the slim python base is offered
// under.
var PythonSlimBaseNames = []string{"python:3.11-slim-bookworm", "python:3.11-slim", "python:slim-bookworm", "python:slim", "python:3-slim"}

// BuildDeps are what the full node and python bases add to the slim ones,
// like the official images' buildpack-deps: compilers, C headers, make,
// git and curl.
const BuildDeps = "gcc g++ make libc6-dev pkg-config git curl"

// NodeBaseDockerfile installs Debian's Node.js 18 and npm: the slim node
// base (the full one adds BuildDeps). npm uses the public npm registry.
// Like the official node images it has the user and group node (uid and
// gid 1000, home /home/node), which Dockerfiles written for those images
// (and dfopt's non-root pass) use.
const NodeBaseDockerfile = `FROM debian:bookworm
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
CMD ["node"]
`

// GoBaseNames are the FROM names the Go base is offered under.
var GoBaseNames = []string{"golang:1.19-bookworm", "golang:1.19", "golang:bookworm", "golang"}

// GoBaseDockerfile installs Debian's Go 1.19, with gcc for cgo (go vet
// needs it) as the official golang image has, and sets up GOPATH like that
// image. Modules come from the Go module proxy (the host's GOPROXY when it
// is not the default, see GoBase); the checksum database is not needed
// when go.sum is complete.
const GoBaseDockerfile = `FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends golang-go ca-certificates git gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/*
ENV GOPATH=/go
ENV PATH=/go/bin:/usr/lib/go/bin:$PATH
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go
WORKDIR /go
`

// WheelhouseDir is where the python base keeps its local wheels.
const WheelhouseDir = "/opt/wheelhouse"

// PythonBaseDockerfile installs Debian's Python 3.11 with pip and venv:
// the slim python base (the full one adds BuildDeps and the Python
// headers). It points pip at the local wheelhouse instead of PyPI (unreachable
// here): `pip install dfopt-hello` works offline, and so does it inside
// a venv. System-wide installs are allowed (break-system-packages) like in
// the official python images, whose pip is not Debian's.
const PythonBaseDockerfile = `FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY wheelhouse/ ` + WheelhouseDir + `/
RUN printf '[global]\nno-index = true\nfind-links = ` + WheelhouseDir + `\nbreak-system-packages = true\n' > /etc/pip.conf
CMD ["python3"]
`

// Wheel is a pure-Python wheel for the wheelhouse.
type Wheel struct {
	Name    string // distribution name, e.g. "dfopt-hello"
	Version string
	// Requires lists Requires-Dist lines, e.g. "dfopt-hello>=1.0".
	Requires []string
	// Files are the wheel's modules (slash-separated paths to contents),
	// e.g. "dfopt_hello/__init__.py".
	Files map[string]string
}

// Wheelhouse is what the python base offers: dfopt-hello (module
// dfopt_hello, greet() returns "hello") and dfopt-greeter, which depends on
// it (module dfopt_greeter, greet(name)).
var Wheelhouse = []Wheel{
	{
		Name:    "dfopt-hello",
		Version: "1.0.0",
		Files: map[string]string{
			"dfopt_hello/__init__.py": "def greet():\n    return \"hello\"\n",
		},
	},
	{
		Name:     "dfopt-greeter",
		Version:  "0.2.0",
		Requires: []string{"dfopt-hello>=1.0"},
		Files: map[string]string{
			"dfopt_greeter/__init__.py": "import dfopt_hello\n\n\ndef greet(name):\n    return dfopt_hello.greet() + \", \" + name\n",
		},
	},
}

var nonAlnum = regexp.MustCompile(`[-_.]+`)

// FileName is the wheel's file name (name-version-py3-none-any.whl with
// the name normalized as wheel file names require).
func (w Wheel) FileName() string {
	return w.distName() + "-" + w.Version + "-py3-none-any.whl"
}

func (w Wheel) distName() string {
	return nonAlnum.ReplaceAllString(strings.ToLower(w.Name), "_")
}

// Bytes builds the wheel: a zip with the modules and a dist-info directory
// (METADATA, WHEEL, top_level.txt, RECORD). The archive is reproducible.
func (w Wheel) Bytes() ([]byte, error) {
	distInfo := w.distName() + "-" + w.Version + ".dist-info"
	var meta strings.Builder
	fmt.Fprintf(&meta, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: Test package for the dfopt end-to-end tests\n", w.Name, w.Version)
	for _, r := range w.Requires {
		fmt.Fprintf(&meta, "Requires-Dist: %s\n", r)
	}
	tops := map[string]bool{}
	for p := range w.Files {
		top, _, _ := strings.Cut(p, "/")
		tops[strings.TrimSuffix(top, ".py")] = true
	}
	files := map[string]string{}
	for p, c := range w.Files {
		files[p] = c
	}
	files[distInfo+"/METADATA"] = meta.String()
	files[distInfo+"/WHEEL"] = "Wheel-Version: 1.0\nGenerator: dfopt-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
	files[distInfo+"/top_level.txt"] = strings.Join(sortedKeys(tops), "\n") + "\n"

	names := sortedKeys(files)
	var record strings.Builder
	for _, n := range names {
		sum := sha256.Sum256([]byte(files[n]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(sum[:]), len(files[n]))
	}
	recordName := distInfo + "/RECORD"
	fmt.Fprintf(&record, "%s,,\n", recordName)
	files[recordName] = record.String()
	names = append(names, recordName)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	mtime := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range names {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: mtime})
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write([]byte(files[n])); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// NodeFullDockerfile makes the full node base from the slim one.
const NodeFullDockerfile = `FROM node:18-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ` + BuildDeps + ` python3 \
 && rm -rf /var/lib/apt/lists/*
`

// PythonFullDockerfile makes the full python base from the slim one.
const PythonFullDockerfile = `FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ` + BuildDeps + ` python3-dev libffi-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
`

// NodeSlimBase returns the slim node base layout, building it on first
// use.
func (e *Env) NodeSlimBase(ctx context.Context) (LayoutRef, error) {
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "node", Dockerfile: NodeBaseDockerfile})
}

// NodeBase returns the full node base layout, building it (and the slim
// one) on first use.
func (e *Env) NodeBase(ctx context.Context) (LayoutRef, error) {
	slim, err := e.NodeSlimBase(ctx)
	if err != nil {
		return LayoutRef{}, err
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "node-full", Dockerfile: NodeFullDockerfile,
		Contexts: map[string]LayoutRef{"node:18-slim": slim}})
}

// PythonBase returns the full python base layout, building it (and the
// slim one) on first use.
func (e *Env) PythonBase(ctx context.Context) (LayoutRef, error) {
	slim, err := e.PythonSlimBase(ctx)
	if err != nil {
		return LayoutRef{}, err
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "python-full", Dockerfile: PythonFullDockerfile,
		Contexts: map[string]LayoutRef{"python:3.11-slim": slim}})
}

// PythonSlimBase returns the slim python base layout, building it on
// first use.
func (e *Env) PythonSlimBase(ctx context.Context) (LayoutRef, error) {
	files := map[string][]byte{}
	for _, w := range Wheelhouse {
		data, err := w.Bytes()
		if err != nil {
			return LayoutRef{}, err
		}
		files["wheelhouse/"+w.FileName()] = data
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "python", Dockerfile: PythonBaseDockerfile, Files: files})
}

// GoBase returns the Go base layout, building it on first use. When the
// host's GOPROXY is set and is not the default, the base uses it too.
func (e *Env) GoBase(ctx context.Context) (LayoutRef, error) {
	df := GoBaseDockerfile
	if p := hostGoproxy(ctx); p != "" && p != "https://proxy.golang.org,direct" && p != "off" {
		df += "ENV GOPROXY=" + p + "\n"
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "golang", Dockerfile: df})
}

func hostGoproxy(ctx context.Context) string {
	if p := os.Getenv("GOPROXY"); p != "" {
		return p
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOPROXY").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Bases returns the bases the examples build on: the debian base, the
// full node and python bases, the Go base, busybox and distroless static
// (built on first use), mapped from all their FROM names. AllBases adds
// the others.
func (e *Env) Bases(ctx context.Context) (map[string]LayoutRef, error) {
	node, err := e.NodeBase(ctx)
	if err != nil {
		return nil, err
	}
	python, err := e.PythonBase(ctx)
	if err != nil {
		return nil, err
	}
	m := e.AllContexts(node, python)
	for _, b := range []struct {
		names []string
		get   func(context.Context) (LayoutRef, error)
	}{{GoBaseNames, e.GoBase}, {BusyboxBaseNames, e.BusyboxBase}, {DistrolessBaseNames, e.DistrolessBase}} {
		ref, err := b.get(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range b.names {
			m[n] = ref
		}
	}
	return m, nil
}

// AllBases returns every base, Bases and the slim node and python bases,
// the JDK, the JRE, Maven and distroless nonroot (built on first use:
// the first call takes several minutes), mapped from all their FROM
// names.
func (e *Env) AllBases(ctx context.Context) (map[string]LayoutRef, error) {
	m, err := e.Bases(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range []struct {
		names []string
		get   func(context.Context) (LayoutRef, error)
	}{
		{NodeSlimBaseNames, e.NodeSlimBase},
		{PythonSlimBaseNames, e.PythonSlimBase},
		{JDKBaseNames, e.JDKBase},
		{JREBaseNames, e.JREBase},
		{MavenBaseNames, e.MavenBase},
		{DistrolessNonrootBaseNames, e.DistrolessNonrootBase},
	} {
		ref, err := b.get(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range b.names {
			m[n] = ref
		}
	}
	return m, nil
}

// AllContexts returns the FROM names of the debian base and, when given,
// of the node and python bases (a zero LayoutRef leaves those out).
func (e *Env) AllContexts(node, python LayoutRef) map[string]LayoutRef {
	m := e.BaseContexts()
	add := func(names []string, ref LayoutRef) {
		if ref.Dir == "" {
			return
		}
		for _, n := range names {
			m[n] = ref
		}
	}
	add(NodeBaseNames, node)
	add(PythonBaseNames, python)
	return m
}
