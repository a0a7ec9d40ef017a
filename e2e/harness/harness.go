// Package harness drives real BuildKit builds for the end-to-end tests.
//
// It runs buildctl (through internal/buildkit, the driver dfopt verify
// uses) against the daemon that e2e/setup.sh starts, with the dockerfile.v0
// frontend built into buildkitd, base images taken from local OCI layouts
// (so no registry is needed) and the result exported as an OCI tar that is
// read back with internal/oci.
package harness

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/oci"
)

// Environment variables that e2e/env.sh exports.
const (
	EnvHost       = "BUILDKIT_HOST"
	EnvHome       = "DFOPT_E2E_HOME"
	EnvBuildctl   = "DFOPT_E2E_BUILDCTL"
	EnvBaseLayout = "DFOPT_E2E_BASE_LAYOUT"
	EnvBaseDigest = "DFOPT_E2E_BASE_DIGEST"
)

// DefaultHome is the state directory e2e/setup.sh uses by default.
const DefaultHome = "/var/cache/dfopt-e2e"

// BaseNames are the FROM names that the debian:bookworm base layout is
// offered under.
var BaseNames = []string{"debian:bookworm", "debian:12"}

// LayoutRef points at an image in a local OCI layout directory.
type LayoutRef struct {
	// Dir is the layout directory (holding index.json and blobs/).
	Dir string
	// Digest is the digest of the image manifest.
	Digest string
}

func (r LayoutRef) String() string { return r.Dir + "@" + r.Digest }

// Env describes the BuildKit daemon and base image to build with.
type Env struct {
	// Addr is the buildkitd address (unix://...).
	Addr string
	// Buildctl is the buildctl binary.
	Buildctl string
	// Home is the state directory; derived base images are cached below it.
	Home string
	// Base is the debian:bookworm base image.
	Base LayoutRef
}

// SetupHint tells how to get a working environment.
const SetupHint = "run `bash e2e/setup.sh` as root (it builds and starts buildkitd and makes the base image), then `. e2e/env.sh`"

// EnvFromEnviron finds the environment from the variables that e2e/env.sh
// exports, falling back to what e2e/setup.sh recorded in the state
// directory ($DFOPT_E2E_HOME or /var/cache/dfopt-e2e).
func EnvFromEnviron() (*Env, error) {
	home := os.Getenv(EnvHome)
	if home == "" {
		home = DefaultHome
	}
	recorded := readEnvFile(filepath.Join(home, "env"))
	get := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return recorded[k]
	}
	e := &Env{
		Addr:     get(EnvHost),
		Buildctl: get(EnvBuildctl),
		Home:     home,
		Base:     LayoutRef{Dir: get(EnvBaseLayout), Digest: get(EnvBaseDigest)},
	}
	if e.Addr == "" {
		e.Addr = "unix://" + filepath.Join(home, "buildkitd.sock")
	}
	if e.Buildctl == "" {
		if p, err := exec.LookPath("buildctl"); err == nil {
			e.Buildctl = p
		} else if p := filepath.Join(home, "bin", "buildctl"); fileExists(p) {
			e.Buildctl = p
		} else {
			return e, fmt.Errorf("buildctl not found (%s unset, not on PATH, not in %s/bin): %s", EnvBuildctl, home, SetupHint)
		}
	}
	if e.Base.Dir == "" {
		return e, fmt.Errorf("no base image layout (%s unset and %s/env missing): %s", EnvBaseLayout, home, SetupHint)
	}
	if e.Base.Digest == "" {
		img, err := oci.Open(e.Base.Dir)
		if err != nil {
			return e, fmt.Errorf("base image layout: %w: %s", err, SetupHint)
		}
		e.Base.Digest = img.ManifestDescriptor.Digest
	}
	if !fileExists(filepath.Join(e.Base.Dir, "index.json")) {
		return e, fmt.Errorf("base image layout %s has no index.json: %s", e.Base.Dir, SetupHint)
	}
	return e, nil
}

func readEnvFile(p string) map[string]string {
	m := map[string]string{}
	data, err := os.ReadFile(p)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			m[k] = v
		}
	}
	return m
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Check asks the daemon for its workers and fails when it does not answer.
func (e *Env) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, e.Buildctl, "--addr", e.Addr, "debug", "workers").CombinedOutput()
	if err != nil {
		return fmt.Errorf("buildkitd at %s does not answer (%v): %s\n%s", e.Addr, err, SetupHint, tail(string(out), 10))
	}
	return nil
}

// BaseContexts maps BaseNames to the base layout.
func (e *Env) BaseContexts() map[string]LayoutRef {
	m := map[string]LayoutRef{}
	for _, n := range BaseNames {
		m[n] = e.Base
	}
	return m
}

// BuildOptions configures Build.
type BuildOptions struct {
	// Env is the daemon to build with; nil means EnvFromEnviron().
	Env *Env
	// Dockerfile is the Dockerfile text. It is written to a temporary
	// directory unless DockerfileDir is set, in which case the file
	// DockerfileName (default "Dockerfile") in that directory is used.
	Dockerfile     string
	DockerfileDir  string
	DockerfileName string
	// ContextDir is the build context; empty means an empty directory.
	ContextDir string
	// Contexts maps FROM names (and other named contexts) to local OCI
	// layouts. Nil means Env.BaseContexts(); to add to those, start from
	// Env.BaseContexts().
	Contexts map[string]LayoutRef
	// BuildArgs are passed as --opt build-arg:K=V.
	BuildArgs map[string]string
	// Target is the stage to build (--opt target=T).
	Target string
	// NoCache disables the build cache.
	NoCache bool
	// Output is where the OCI image goes: a tar file, or a layout directory
	// when OutputLayoutDir is set. Empty means a file in OutDir.
	Output          string
	OutputLayoutDir bool
	// OutDir holds the output and temporary files when Output is empty;
	// empty means a new temporary directory, removed by Result.Cleanup.
	OutDir string
	// ExtraArgs are appended to the buildctl build arguments.
	ExtraArgs []string
	// Log, when set, also receives the build log as it is written.
	Log io.Writer
}

// Result is a finished build.
type Result struct {
	// Image is the built image (layers are read lazily).
	Image *oci.Image
	// Output is the OCI tar (or layout directory) written.
	Output string
	// Log is the plain progress output of buildctl.
	Log string
	// Duration is the wall time of the buildctl run.
	Duration time.Duration
	// Args are the buildctl arguments used.
	Args []string

	cleanup []string
}

// Cleanup removes the temporary files and directories the build made.
func (r *Result) Cleanup() {
	for _, p := range r.cleanup {
		os.RemoveAll(p)
	}
	r.cleanup = nil
}

// BuildError is returned when buildctl fails.
type BuildError struct {
	Err  error
	Log  string
	Args []string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("buildctl build failed: %v\n--- last lines of the build log ---\n%s", e.Err, tail(e.Log, 40))
}

func (e *BuildError) Unwrap() error { return e.Err }

// Build runs one build with buildctl and reads the resulting image.
func Build(ctx context.Context, opts BuildOptions) (*Result, error) {
	env := opts.Env
	if env == nil {
		var err error
		if env, err = EnvFromEnviron(); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	fail := func(err error) (*Result, error) {
		res.Cleanup()
		return nil, err
	}

	outDir := opts.OutDir
	if outDir == "" && (opts.Output == "" || (opts.Dockerfile != "" && opts.DockerfileDir == "") || opts.ContextDir == "") {
		d, err := os.MkdirTemp("", "dfopt-e2e-build-")
		if err != nil {
			return nil, err
		}
		res.cleanup = append(res.cleanup, d)
		outDir = d
	}

	dfDir, dfName := opts.DockerfileDir, opts.DockerfileName
	if dfName == "" {
		dfName = "Dockerfile"
	}
	if dfDir == "" {
		if opts.Dockerfile == "" {
			return fail(errors.New("no Dockerfile given"))
		}
		d, err := os.MkdirTemp(outDir, "dockerfile-")
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(d, dfName), []byte(opts.Dockerfile), 0o644); err != nil {
			return fail(err)
		}
		dfDir = d
	}
	ctxDir := opts.ContextDir
	if ctxDir == "" {
		d, err := os.MkdirTemp(outDir, "context-")
		if err != nil {
			return fail(err)
		}
		ctxDir = d
	}
	output := opts.Output
	if output == "" {
		f, err := os.CreateTemp(outDir, "image-*.tar")
		if err != nil {
			return fail(err)
		}
		f.Close()
		output = f.Name()
		if opts.OutputLayoutDir {
			os.Remove(output)
			output = strings.TrimSuffix(output, ".tar")
		}
	}
	res.Output = output

	contexts := opts.Contexts
	if contexts == nil {
		contexts = env.BaseContexts()
	}
	var buildArgs []buildkit.BuildArg
	for _, k := range sortedKeys(opts.BuildArgs) {
		buildArgs = append(buildArgs, buildkit.BuildArg{Key: k, Value: opts.BuildArgs[k]})
	}
	req := &buildkit.Request{
		ContextDir:     ctxDir,
		DockerfileDir:  dfDir,
		DockerfileName: dfName,
		Contexts:       NamedContexts(contexts),
		BuildArgs:      buildArgs,
		Target:         opts.Target,
		NoCache:        opts.NoCache,
		// The built-in frontend ignores "# syntax=" lines instead of
		// pulling the frontend image they name.
		IgnoreSyntax: true,
		Output:       output,
		OutputDir:    opts.OutputLayoutDir,
		ExtraArgs:    opts.ExtraArgs,
		Log:          opts.Log,
	}
	bres, err := env.Builder().Build(ctx, req)
	if bres != nil {
		res.Args = bres.Args
		res.Log = bres.Log
		res.Duration = bres.Duration
	}
	if err != nil {
		var be *buildkit.BuildError
		if errors.As(err, &be) {
			err = be.Err
		}
		return fail(&BuildError{Err: err, Log: res.Log, Args: res.Args})
	}
	img, err := oci.Open(output)
	if err != nil {
		return fail(fmt.Errorf("reading built image: %w", err))
	}
	res.Image = img
	return res, nil
}

// Builder is the buildctl driver for the daemon.
func (e *Env) Builder() *buildkit.Buildctl {
	return &buildkit.Buildctl{Path: e.Buildctl, Addr: e.Addr}
}

// NamedContexts turns FROM names mapped to layouts into --build-context
// values (oci-layout://DIR@DIGEST), sorted by name.
func NamedContexts(contexts map[string]LayoutRef) []buildkit.NamedContext {
	var out []buildkit.NamedContext
	for _, n := range sortedKeys(contexts) {
		out = append(out, buildkit.NamedContext{Name: n, Value: "oci-layout://" + contexts[n].String()})
	}
	return out
}

// contextArgs turns named contexts into --oci-layout and --opt context:
// arguments, giving each distinct layout directory one store name.
func contextArgs(contexts map[string]LayoutRef) []string {
	args, err := buildkit.BuildctlContextArgs(NamedContexts(contexts))
	if err != nil {
		panic(err) // layouts with digests never fail
	}
	return args
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tail returns the last n lines of s.
func tail(s string, n int) string { return buildkit.Tail(s, n) }

// Tail returns the last n lines of a build log.
func Tail(log string, n int) string { return tail(log, n) }

// DerivedBase describes an image built on top of other layouts and cached
// under Env.Home/layouts, keyed by everything that goes into it.
type DerivedBase struct {
	// Name names the cache directory.
	Name string
	// Dockerfile builds the image.
	Dockerfile string
	// Files are written into the build context (slash-separated paths).
	Files map[string][]byte
	// Contexts are the FROM names it uses; nil means Env.BaseContexts().
	Contexts map[string]LayoutRef
}

var derivedMu sync.Mutex

// derivedKeyRE matches the key EnsureDerivedBase puts after a base's name.
var derivedKeyRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// EnsureDerivedBase returns the layout of b, building it first unless a
// build of the same inputs is cached.
func (e *Env) EnsureDerivedBase(ctx context.Context, b DerivedBase) (LayoutRef, error) {
	derivedMu.Lock()
	defer derivedMu.Unlock()
	contexts := b.Contexts
	if contexts == nil {
		contexts = e.BaseContexts()
	}
	h := sha256.New()
	fmt.Fprintf(h, "derived-base v1\n%s\n", b.Dockerfile)
	for _, k := range sortedKeys(b.Files) {
		fmt.Fprintf(h, "file %q %x\n", k, sha256.Sum256(b.Files[k]))
	}
	for _, k := range sortedKeys(contexts) {
		fmt.Fprintf(h, "context %q %s\n", k, contexts[k].Digest)
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	dir := filepath.Join(e.Home, "layouts", b.Name+"-"+key)
	if data, err := os.ReadFile(filepath.Join(dir, "digest")); err == nil && fileExists(filepath.Join(dir, "index.json")) {
		return LayoutRef{Dir: dir, Digest: strings.TrimSpace(string(data))}, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return LayoutRef{}, err
	}
	work, err := os.MkdirTemp(filepath.Dir(dir), "."+b.Name+"-build-")
	if err != nil {
		return LayoutRef{}, err
	}
	defer os.RemoveAll(work)
	ctxDir := filepath.Join(work, "context")
	for name, data := range b.Files {
		p := filepath.Join(ctxDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return LayoutRef{}, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return LayoutRef{}, err
		}
	}
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		return LayoutRef{}, err
	}
	out := filepath.Join(work, "layout")
	res, err := Build(ctx, BuildOptions{
		Env:             e,
		Dockerfile:      b.Dockerfile,
		ContextDir:      ctxDir,
		Contexts:        contexts,
		Output:          out,
		OutputLayoutDir: true,
		OutDir:          work,
	})
	if err != nil {
		return LayoutRef{}, fmt.Errorf("building %s base: %w", b.Name, err)
	}
	digest := res.Image.ManifestDescriptor.Digest
	if err := os.WriteFile(filepath.Join(out, "digest"), []byte(digest+"\n"), 0o644); err != nil {
		return LayoutRef{}, err
	}
	if err := os.Rename(out, dir); err != nil {
		// Someone else may have finished the same build first.
		if data, rerr := os.ReadFile(filepath.Join(dir, "digest")); rerr == nil {
			return LayoutRef{Dir: dir, Digest: strings.TrimSpace(string(data))}, nil
		}
		return LayoutRef{}, err
	}
	// Builds of older inputs (another recipe, another parent) are stale;
	// other bases whose names start the same ("node-full" and "node") are
	// not.
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(dir), b.Name+"-*")); err == nil {
		for _, p := range stale {
			if p != dir && derivedKeyRE.MatchString(strings.TrimPrefix(filepath.Base(p), b.Name+"-")) {
				os.RemoveAll(p)
			}
		}
	}
	return LayoutRef{Dir: dir, Digest: digest}, nil
}
