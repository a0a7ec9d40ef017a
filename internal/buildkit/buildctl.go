package buildkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/internal/oci"
)

// DefaultBuildkitAddr is where buildctl looks for buildkitd when neither
// --addr nor $BUILDKIT_HOST says otherwise.
const DefaultBuildkitAddr = "unix:///run/buildkit/buildkitd.sock"

// Buildctl builds with `buildctl build` and the Dockerfile frontend that is
// built into buildkitd (dockerfile.v0).
type Buildctl struct {
	// Path is the buildctl program ("buildctl", looked up on PATH, when
	// empty).
	Path string
	// Addr is the buildkitd address passed as --addr. Empty leaves it to
	// buildctl ($BUILDKIT_HOST, then DefaultBuildkitAddr).
	Addr string
	// Runner runs the commands; nil means ExecRunner.
	Runner Runner

	// why says why Select chose buildctl, for messages.
	why string
}

// Name implements Builder.
func (b *Buildctl) Name() string { return "buildctl" }

// Describe implements Builder.
func (b *Buildctl) Describe() string { return "buildctl at " + b.EffectiveAddr() }

// EffectiveAddr is the address buildctl connects to.
func (b *Buildctl) EffectiveAddr() string {
	if b.Addr != "" {
		return b.Addr
	}
	if h := os.Getenv("BUILDKIT_HOST"); h != "" {
		return h
	}
	return DefaultBuildkitAddr
}

func (b *Buildctl) path() string {
	if b.Path == "" {
		return "buildctl"
	}
	return b.Path
}

func (b *Buildctl) runner() Runner {
	if b.Runner == nil {
		return ExecRunner{}
	}
	return b.Runner
}

func (b *Buildctl) global() []string {
	if b.Addr == "" {
		return nil
	}
	return []string{"--addr", b.Addr}
}

// Check asks buildkitd for its workers.
func (b *Buildctl) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, _, err := run(ctx, b.runner(), &Cmd{Path: b.path(), Args: append(b.global(), "debug", "workers")}, nil)
	if err == nil {
		return nil
	}
	ue := &UnreachableError{Builder: "buildctl", Addr: b.EffectiveAddr(), Output: out}
	if notFound(err) {
		ue.Addr = ""
		ue.Err = fmt.Errorf("%s not found: %w", b.path(), err)
		ue.Output = ""
		ue.Hint = "install buildctl (it comes with BuildKit) or, with a Docker daemon and buildx, use --builder docker"
		return b.explain(ue)
	}
	ue.Err = fmt.Errorf("buildkitd does not answer: %w", err)
	ue.Hint = "start buildkitd, or point --addr or $BUILDKIT_HOST at a running one"
	return b.explain(ue)
}

func (b *Buildctl) explain(ue *UnreachableError) error {
	if b.why != "" {
		ue.Hint += "\n(" + b.why + ")"
	}
	return ue
}

// Args returns the arguments of `buildctl build` for req.
func (b *Buildctl) Args(req *Request) ([]string, error) {
	if req.ContextDir == "" || req.DockerfileDir == "" {
		return nil, errors.New("no build context or Dockerfile directory")
	}
	args := append(b.global(), "build",
		"--progress", "plain",
		"--frontend", "dockerfile.v0",
		"--local", "context="+req.ContextDir,
		"--local", "dockerfile="+req.DockerfileDir,
		"--opt", "filename="+req.dockerfileName(),
	)
	if req.IgnoreSyntax {
		// With cmdline set, the built-in frontend does not hand the
		// build over to the image a "# syntax=" line names.
		args = append(args, "--opt", "cmdline=")
	}
	ctxArgs, err := BuildctlContextArgs(req.Contexts)
	if err != nil {
		return nil, err
	}
	args = append(args, ctxArgs...)
	for _, a := range req.BuildArgs {
		args = append(args, "--opt", "build-arg:"+a.Key+"="+a.Value)
	}
	if req.Target != "" {
		args = append(args, "--opt", "target="+req.Target)
	}
	if req.NoCache {
		args = append(args, "--no-cache")
	}
	out, err := req.outputArgs()
	if err != nil {
		return nil, err
	}
	args = append(args, out...)
	return append(args, req.ExtraArgs...), nil
}

// Build implements Builder.
func (b *Buildctl) Build(ctx context.Context, req *Request) (*Result, error) {
	args, err := b.Args(req)
	if err != nil {
		return nil, err
	}
	log, d, err := run(ctx, b.runner(), &Cmd{Path: b.path(), Args: args}, req.Log)
	res := &Result{Command: b.path(), Args: args, Log: log, Duration: d}
	if err != nil {
		return res, &BuildError{Builder: "buildctl", Err: err, Log: log}
	}
	return res, nil
}

var localNameRE = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// BuildctlContextArgs translates named contexts, given with buildx's
// --build-context meaning, into buildctl arguments:
//
//   - oci-layout://DIR[:TAG][@DIGEST] becomes --oci-layout ID=DIR and
//     --opt context:NAME=oci-layout://ID@DIGEST, one ID (layout0, layout1,
//     ...) per distinct directory; without a digest, the digest of the
//     image (named TAG, or the only one) is read from the layout;
//   - a directory becomes --local ID=DIR and --opt context:NAME=local:ID,
//     where ID is NAME when it is a plain word (and not "context" or
//     "dockerfile"), otherwise named-context-N;
//   - anything else (docker-image://REF, URLs, git addresses) is passed on
//     as --opt context:NAME=VALUE.
//
// The --oci-layout and --local arguments come first, in order of first use,
// then the --opt arguments in the order of the contexts.
func BuildctlContextArgs(contexts []NamedContext) ([]string, error) {
	var stores, opts []string
	layoutIDs := map[string]string{}
	localIDs := map[string]string{"context": "", "dockerfile": ""}
	for i, c := range contexts {
		if c.Name == "" {
			return nil, fmt.Errorf("build context %q has no name", c.String())
		}
		switch {
		case strings.HasPrefix(c.Value, "oci-layout://"):
			dir, tag, digest := splitOCILayout(strings.TrimPrefix(c.Value, "oci-layout://"))
			if dir == "" {
				return nil, fmt.Errorf("build context %s: no layout directory", c)
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return nil, err
			}
			if digest == "" {
				img, err := oci.OpenWithOptions(abs, oci.OpenOptions{RefName: tag})
				if err != nil {
					return nil, fmt.Errorf("build context %s: %w", c, err)
				}
				digest = img.ManifestDescriptor.Digest
			}
			id, ok := layoutIDs[abs]
			if !ok {
				id = fmt.Sprintf("layout%d", len(layoutIDs))
				layoutIDs[abs] = id
				stores = append(stores, "--oci-layout", id+"="+abs)
			}
			opts = append(opts, "--opt", "context:"+c.Name+"=oci-layout://"+id+"@"+digest)
		case isPassThrough(c.Value):
			opts = append(opts, "--opt", "context:"+c.Name+"="+c.Value)
		default:
			fi, err := os.Stat(c.Value)
			if err != nil {
				return nil, fmt.Errorf("build context %s: %w", c, err)
			}
			if !fi.IsDir() {
				return nil, fmt.Errorf("build context %s: not a directory", c)
			}
			abs, err := filepath.Abs(c.Value)
			if err != nil {
				return nil, err
			}
			id := c.Name
			if _, used := localIDs[id]; used || !localNameRE.MatchString(id) {
				id = fmt.Sprintf("named-context-%d", i)
			}
			localIDs[id] = abs
			stores = append(stores, "--local", id+"="+abs)
			opts = append(opts, "--opt", "context:"+c.Name+"=local:"+id)
		}
	}
	return append(stores, opts...), nil
}

// isPassThrough reports whether a context value is one buildkitd resolves
// itself.
func isPassThrough(v string) bool {
	for _, p := range []string{"docker-image://", "http://", "https://", "git://", "git@", "ssh://", "target:", "input:", "local:"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// splitOCILayout splits DIR[:TAG][@DIGEST].
func splitOCILayout(s string) (dir, tag, digest string) {
	if i := strings.LastIndex(s, "@"); i >= 0 && strings.Contains(s[i:], ":") && !strings.Contains(s[i:], "/") {
		s, digest = s[:i], s[i+1:]
	}
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		s, tag = s[:i], s[i+1:]
	}
	return s, tag, digest
}
