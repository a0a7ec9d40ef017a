// Package buildkit runs Dockerfile builds with a user's own BuildKit, either
// through `docker buildx build` or through `buildctl build`, and exports the
// result as an OCI image archive.
//
// The command lines are made by pure functions (Buildctl.Args, Buildx.Args)
// and run through a Runner, so that they can be checked without a daemon.
// The package knows nothing about dfopt: it builds what it is told to build.
package buildkit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Builder builds Dockerfiles.
type Builder interface {
	// Name is "buildctl" or "docker".
	Name() string
	// Describe says which daemon builds, for messages
	// ("buildctl at unix:///run/buildkit/buildkitd.sock").
	Describe() string
	// Check fails with an *UnreachableError when the builder cannot build.
	Check(ctx context.Context) error
	// Build runs one build. It returns a *BuildError when the build command
	// fails; the result (with the log) is returned in both cases.
	Build(ctx context.Context, req *Request) (*Result, error)
}

// NamedContext is a --build-context NAME=VALUE pair, with buildx's meaning
// of VALUE: a directory, oci-layout://DIR[:TAG][@DIGEST],
// docker-image://REF, a URL or a git address.
type NamedContext struct {
	Name, Value string
}

// ParseNamedContext parses NAME=VALUE.
func ParseNamedContext(s string) (NamedContext, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return NamedContext{}, fmt.Errorf("build context %q: want NAME=VALUE", s)
	}
	return NamedContext{Name: name, Value: value}, nil
}

func (c NamedContext) String() string { return c.Name + "=" + c.Value }

// BuildArg is a --build-arg KEY=VALUE pair.
type BuildArg struct {
	Key, Value string
}

// ParseBuildArg parses KEY=VALUE. A bare KEY takes its value from the
// environment, as with docker build; it is an error when it is not set.
func ParseBuildArg(s string) (BuildArg, error) {
	k, v, ok := strings.Cut(s, "=")
	if k == "" {
		return BuildArg{}, fmt.Errorf("build arg %q: want KEY=VALUE", s)
	}
	if !ok {
		env, set := os.LookupEnv(k)
		if !set {
			return BuildArg{}, fmt.Errorf("build arg %q: no value and $%s is not set", s, k)
		}
		v = env
	}
	return BuildArg{Key: k, Value: v}, nil
}

// Request is one build.
type Request struct {
	// ContextDir is the build context directory.
	ContextDir string
	// DockerfileDir holds the Dockerfile, named DockerfileName ("Dockerfile"
	// when empty). A NAME.dockerignore next to it is used as the context's
	// ignore file, as BuildKit does.
	DockerfileDir  string
	DockerfileName string
	// Contexts are named contexts (--build-context), in order.
	Contexts []NamedContext
	// BuildArgs, in order.
	BuildArgs []BuildArg
	// Target is the stage to build; empty means the last one.
	Target string
	// NoCache builds every step again.
	NoCache bool
	// IgnoreSyntax makes the built-in Dockerfile frontend ignore a
	// "# syntax=" line instead of running the frontend image it names.
	// buildctl only (docker buildx has no way to say so).
	IgnoreSyntax bool
	// Output is where the OCI image goes: a tar archive, or a layout
	// directory when OutputDir is set. Empty means no export.
	Output    string
	OutputDir bool
	// LocalOutput, instead of Output, exports the files of the built
	// stage into this directory (--output type=local).
	LocalOutput string
	// ExtraArgs are appended to the build command's arguments.
	ExtraArgs []string
	// Log, when set, also receives the build output as it is written.
	Log io.Writer
}

// outputArgs returns the --output arguments of the request.
func (r *Request) outputArgs() ([]string, error) {
	switch {
	case r.Output != "" && r.LocalOutput != "":
		return nil, errors.New("an image and a directory cannot both be exported")
	case r.Output != "":
		out := "type=oci,dest=" + r.Output
		if r.OutputDir {
			out += ",tar=false"
		}
		return []string{"--output", out}, nil
	case r.LocalOutput != "":
		return []string{"--output", "type=local,dest=" + r.LocalOutput}, nil
	}
	return nil, nil
}

func (r *Request) dockerfileName() string {
	if r.DockerfileName == "" {
		return "Dockerfile"
	}
	return r.DockerfileName
}

// Result is a finished build command.
type Result struct {
	// Command is the program and Args its arguments.
	Command string
	Args    []string
	// Log is what the command printed (BuildKit's plain progress output).
	Log string
	// Duration is the wall time of the command.
	Duration time.Duration
}

// Progress parses the log.
func (r *Result) Progress() *Progress { return ParseProgress(r.Log) }

// BuildError is a build command that failed.
type BuildError struct {
	Builder string
	Err     error
	Log     string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("%s build failed: %v", e.Builder, e.Err)
}

func (e *BuildError) Unwrap() error { return e.Err }

// LogTail is the last n lines of the build log.
func (e *BuildError) LogTail(n int) string { return Tail(e.Log, n) }

// UnreachableError says that a builder cannot be used.
type UnreachableError struct {
	Builder string
	Addr    string
	Err     error
	// Output is what the probing command printed.
	Output string
	// Hint says what to do about it.
	Hint string
}

func (e *UnreachableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot use %s", e.Builder)
	if e.Addr != "" {
		fmt.Fprintf(&b, " at %s", e.Addr)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if out := strings.TrimSpace(Tail(e.Output, 5)); out != "" {
		b.WriteString("\n" + out)
	}
	if e.Hint != "" {
		b.WriteString("\n" + e.Hint)
	}
	return b.String()
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Cmd is a command to run.
type Cmd struct {
	Path string
	Args []string
	// Env is added to the environment of the current process.
	Env []string
	// Output receives standard output and standard error, interleaved.
	Output io.Writer
}

func (c *Cmd) String() string { return strings.Join(append([]string{c.Path}, c.Args...), " ") }

// Runner runs commands. ExecRunner runs them for real; tests use fakes.
type Runner interface {
	// Run runs c to completion. A command that cannot be started returns
	// an error wrapping exec.ErrNotFound (or another start error); one that
	// exits non-zero returns an error (an *exec.ExitError for ExecRunner).
	Run(ctx context.Context, c *Cmd) error
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, c *Cmd) error {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	cmd.Stdout = c.Output
	cmd.Stderr = c.Output
	cmd.WaitDelay = 10 * time.Second
	return cmd.Run()
}

// run runs a command through r and collects what it prints.
func run(ctx context.Context, r Runner, c *Cmd, log io.Writer) (string, time.Duration, error) {
	var buf syncBuffer
	c.Output = &buf
	if log != nil {
		c.Output = io.MultiWriter(&buf, log)
	}
	start := time.Now()
	err := r.Run(ctx, c)
	return buf.String(), time.Since(start), err
}

// notFound reports whether err says that the program does not exist.
func notFound(err error) bool {
	return errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
