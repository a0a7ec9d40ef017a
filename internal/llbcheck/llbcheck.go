// Package llbcheck converts Dockerfiles to LLB with BuildKit's own Dockerfile
// frontend, without a BuildKit daemon or a registry: every image reference
// resolves to a small made-up image. A Dockerfile that converts is one that
// BuildKit accepts up to the point where it would start running steps.
package llbcheck

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Platform is the build and target platform of every conversion.
var Platform = ocispecs.Platform{OS: "linux", Architecture: "amd64"}

// Resolver is an image resolver that needs no registry: any reference
// resolves to itself, with a digest made from the reference and a config of
// one layer for the requested platform.
type Resolver struct{}

var _ llb.ImageMetaResolver = Resolver{}

// ResolveImageConfig implements llb.ImageMetaResolver.
func (Resolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := Platform
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	layer := sha256.Sum256([]byte("layer " + ref))
	img := ocispecs.Image{
		Platform: ocispecs.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant},
		RootFS: ocispecs.RootFS{
			Type:    "layers",
			DiffIDs: []digest.Digest{digest.NewDigestFromBytes(digest.SHA256, layer[:])},
		},
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	// A reference that already carries a digest keeps it.
	if _, d, ok := strings.Cut(ref, "@"); ok {
		if dg, err := digest.Parse(d); err == nil {
			return ref, dg, dt, nil
		}
	}
	sum := sha256.Sum256([]byte("manifest " + ref))
	return ref, digest.NewDigestFromBytes(digest.SHA256, sum[:]), dt, nil
}

func convertOpt(target string, buildArgs map[string]string, allStages bool) dockerfile2llb.ConvertOpt {
	caps := pb.Caps.CapSet(pb.Caps.All())
	p := Platform
	return dockerfile2llb.ConvertOpt{
		Config: dockerui.Config{
			Target:          target,
			BuildArgs:       maps.Clone(buildArgs),
			BuildPlatforms:  []ocispecs.Platform{Platform},
			TargetPlatforms: []ocispecs.Platform{Platform},
		},
		TargetPlatform: &p,
		MetaResolver:   Resolver{},
		// Every LLB capability, as a current daemon reports.
		LLBCaps: &caps,
		// A Warn function makes "# check=error=true" fail the conversion
		// on lint warnings, as in a build.
		Warn:      func(string, string, string, string, []parser.Range) {},
		AllStages: allStages,
	}
}

// Convert converts src with every stage dispatched and target ("" for the
// last stage) as the result, and marshals the result's LLB graph.
func Convert(ctx context.Context, src []byte, target string) error {
	return ConvertArgs(ctx, src, target, nil)
}

// ConvertArgs is Convert with build arguments.
func ConvertArgs(ctx context.Context, src []byte, target string, buildArgs map[string]string) error {
	return convert(ctx, src, target, buildArgs, true)
}

func convert(ctx context.Context, src []byte, target string, buildArgs map[string]string, allStages bool) error {
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, src, convertOpt(target, buildArgs, allStages))
	if err != nil {
		return err
	}
	if _, err := res.State.Marshal(ctx); err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	return nil
}

// Definition converts src with every stage dispatched and target ("" for
// the last stage) as the result, and returns what a build of it does and
// produces: the marshaled LLB operations of the result's graph, in order
// (their descriptions, which quote the Dockerfile's lines, are metadata
// and not part of them), and the image configuration as JSON with its
// timestamps cleared. Dockerfiles with the same definition build the same
// image.
func Definition(ctx context.Context, src []byte, target string, buildArgs map[string]string) (ops [][]byte, config []byte, err error) {
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, src, convertOpt(target, buildArgs, true))
	if err != nil {
		return nil, nil, err
	}
	// A fixed id for the build context, which is random otherwise.
	def, err := res.State.Marshal(ctx, llb.LocalUniqueID("llbcheck"))
	if err != nil {
		return nil, nil, fmt.Errorf("marshal: %w", err)
	}
	if res.Image != nil {
		img := *res.Image
		img.Created = nil
		img.History = append(img.History[:0:0], img.History...)
		for i := range img.History {
			img.History[i].Created = nil
		}
		if config, err = json.Marshal(img); err != nil {
			return nil, nil, err
		}
	}
	return def.Def, config, nil
}

// ConvertAll converts src with every stage dispatched and the last stage as
// the target, then with other named stages as the target, so that the LLB
// graph of every named stage is marshaled: each named stage that the
// previous targets do not plainly depend on (FROM, COPY --from, RUN --mount
// from= naming the stage) is a target in turn, from the last to the first.
// The error names the target that failed.
func ConvertAll(ctx context.Context, src []byte, buildArgs map[string]string) error {
	if err := convert(ctx, src, "", buildArgs, true); err != nil {
		return err
	}
	stages, _, err := parse(src)
	if err != nil {
		return err
	}
	for _, name := range extraTargets(stages) {
		if err := convert(ctx, src, name, buildArgs, false); err != nil {
			return fmt.Errorf("target %s: %w", name, err)
		}
	}
	return nil
}

// extraTargets returns the named stages, from the last to the first, that
// the last stage and the stages returned before them do not depend on by
// name or index.
func extraTargets(stages []instructions.Stage) []string {
	byName := map[string]int{}
	deps := make([][]int, len(stages))
	for i, s := range stages {
		if j, ok := byName[strings.ToLower(s.BaseName)]; ok {
			deps[i] = append(deps[i], j)
		}
		if s.Name != "" {
			byName[strings.ToLower(s.Name)] = i
		}
	}
	for i, s := range stages {
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					continue
				}
				if n, err := strconv.Atoi(c.From); err == nil {
					if n >= 0 && n < len(stages) {
						deps[i] = append(deps[i], n)
					}
				} else if j, ok := byName[strings.ToLower(c.From)]; ok {
					deps[i] = append(deps[i], j)
				}
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					if j, ok := byName[strings.ToLower(m.From)]; ok && m.From != "" {
						deps[i] = append(deps[i], j)
					}
				}
			}
		}
	}
	covered := make([]bool, len(stages))
	var mark func(int)
	mark = func(i int) {
		if covered[i] {
			return
		}
		covered[i] = true
		for _, j := range deps[i] {
			mark(j)
		}
	}
	last := len(stages) - 1
	mark(last)
	var out []string
	for i := last - 1; i >= 0; i-- {
		if stages[i].Name != "" && !covered[i] {
			out = append(out, stages[i].Name)
			mark(i)
		}
	}
	return out
}

// BaseArgValue is the value BaseArgs gives to arguments.
const BaseArgValue = "alpine"

var argRef = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// BaseArgs returns build arguments for the global ARGs of src that have no
// value (or an empty one) and that a FROM line refers to as a plain $NAME or
// ${NAME}, each set to BaseArgValue: a build of such a file needs them on
// the command line.
func BaseArgs(src []byte) map[string]string {
	stages, metaArgs, err := parse(src)
	if err != nil {
		return nil
	}
	used := map[string]bool{}
	for _, s := range stages {
		for _, m := range argRef.FindAllStringSubmatch(s.BaseName, -1) {
			used[m[1]+m[2]] = true
		}
	}
	var args map[string]string
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if used[kv.Key] && (kv.Value == nil || *kv.Value == "") {
				if args == nil {
					args = map[string]string{}
				}
				args[kv.Key] = BaseArgValue
			}
		}
	}
	return args
}

func parse(src []byte) ([]instructions.Stage, []instructions.ArgCommand, error) {
	ast, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, nil, err
	}
	// A linter, though it reports nothing: given none, BuildKit panics on
	// a "# check=" comment above an instruction.
	stages, metaArgs, err := instructions.Parse(ast.AST, linter.New(&linter.Config{}))
	if err == nil && len(stages) == 0 {
		err = fmt.Errorf("no stages")
	}
	return stages, metaArgs, err
}
