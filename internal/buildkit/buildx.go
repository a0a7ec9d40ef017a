package buildkit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Buildx builds with `docker buildx build`, using the Docker daemon's
// current buildx builder (or the one named by Builder).
type Buildx struct {
	// Path is the docker program ("docker", looked up on PATH, when empty).
	Path string
	// Builder, when set, is passed as --builder.
	Builder string
	// Runner runs the commands; nil means ExecRunner.
	Runner Runner
}

// Name implements Builder.
func (b *Buildx) Name() string { return "docker" }

// Describe implements Builder.
func (b *Buildx) Describe() string {
	if b.Builder != "" {
		return "docker buildx (builder " + b.Builder + ")"
	}
	return "docker buildx"
}

func (b *Buildx) path() string {
	if b.Path == "" {
		return "docker"
	}
	return b.Path
}

func (b *Buildx) runner() Runner {
	if b.Runner == nil {
		return ExecRunner{}
	}
	return b.Runner
}

// Check runs `docker buildx version` and `docker info`: both must succeed.
func (b *Buildx) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, args := range [][]string{{"buildx", "version"}, {"info", "--format", "{{.ServerVersion}}"}} {
		out, _, err := run(ctx, b.runner(), &Cmd{Path: b.path(), Args: args}, nil)
		if err == nil {
			continue
		}
		ue := &UnreachableError{Builder: "docker", Err: err, Output: out}
		switch {
		case notFound(err):
			ue.Err = fmt.Errorf("%s not found: %w", b.path(), err)
			ue.Output = ""
			ue.Hint = "install Docker with buildx, or use --builder buildctl with a running buildkitd"
		case args[0] == "buildx":
			ue.Err = fmt.Errorf("docker buildx is not available: %w", err)
			ue.Hint = "install the buildx plugin, or use --builder buildctl with a running buildkitd"
		default:
			ue.Err = fmt.Errorf("the Docker daemon does not answer: %w", err)
			ue.Hint = "start the Docker daemon, or use --builder buildctl with a running buildkitd"
		}
		return ue
	}
	return nil
}

// Args returns the arguments of `docker buildx build` for req. Named
// contexts are passed as they are: --build-context has buildx's meaning
// already. A "# syntax=" line cannot be ignored through buildx, so
// IgnoreSyntax has no effect: the daemon pulls the frontend image as a
// plain `docker build` would.
func (b *Buildx) Args(req *Request) ([]string, error) {
	if req.ContextDir == "" || req.DockerfileDir == "" {
		return nil, errors.New("no build context or Dockerfile directory")
	}
	args := []string{"buildx", "build", "--progress", "plain"}
	if b.Builder != "" {
		args = append(args, "--builder", b.Builder)
	}
	args = append(args, "--file", filepath.Join(req.DockerfileDir, req.dockerfileName()))
	for _, c := range req.Contexts {
		if c.Name == "" || c.Value == "" {
			return nil, fmt.Errorf("build context %q: want NAME=VALUE", c.String())
		}
		args = append(args, "--build-context", c.String())
	}
	for _, a := range req.BuildArgs {
		args = append(args, "--build-arg", a.Key+"="+a.Value)
	}
	if req.Target != "" {
		args = append(args, "--target", req.Target)
	}
	if req.NoCache {
		args = append(args, "--no-cache")
	}
	out, err := req.outputArgs()
	if err != nil {
		return nil, err
	}
	args = append(args, out...)
	args = append(args, req.ExtraArgs...)
	return append(args, req.ContextDir), nil
}

// buildxEnv turns off the provenance attestation buildx adds by default:
// it is not part of the image and only costs time.
var buildxEnv = []string{"BUILDX_NO_DEFAULT_ATTESTATIONS=1"}

// Build implements Builder.
func (b *Buildx) Build(ctx context.Context, req *Request) (*Result, error) {
	args, err := b.Args(req)
	if err != nil {
		return nil, err
	}
	log, d, err := run(ctx, b.runner(), &Cmd{Path: b.path(), Args: args, Env: buildxEnv}, req.Log)
	res := &Result{Command: b.path(), Args: args, Log: log, Duration: d}
	if err != nil {
		be := &BuildError{Builder: "docker buildx", Err: err, Log: log}
		if strings.Contains(log, "exporter is not supported for the docker driver") {
			be.Err = fmt.Errorf("%w (the \"docker\" buildx driver exports OCI images only with the containerd image store; "+
				"create another builder with `docker buildx create --use` or turn the containerd image store on)", err)
		}
		return res, be
	}
	return res, nil
}
