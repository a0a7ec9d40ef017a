package buildkit

import (
	"context"
	"errors"
	"fmt"
)

// Builder kinds for Select.
const (
	KindAuto     = "auto"
	KindDocker   = "docker"
	KindBuildctl = "buildctl"
)

// SelectOptions configures Select.
type SelectOptions struct {
	// Kind is KindAuto (or empty), KindDocker or KindBuildctl.
	Kind string
	// Addr is the buildkitd address for buildctl (empty: $BUILDKIT_HOST,
	// then DefaultBuildkitAddr).
	Addr string
	// Docker and Buildctl are the programs (default "docker", "buildctl").
	Docker, Buildctl string
	// Runner runs the commands; nil means ExecRunner.
	Runner Runner
}

// Select returns the builder to use. KindAuto picks docker buildx when
// `docker buildx version` and `docker info` both succeed and no buildkitd
// address was given, buildctl otherwise. Select does not check that the
// builder it returns works; call Check.
func Select(ctx context.Context, o SelectOptions) (Builder, error) {
	bx := &Buildx{Path: o.Docker, Runner: o.Runner}
	bc := &Buildctl{Path: o.Buildctl, Addr: o.Addr, Runner: o.Runner}
	switch o.Kind {
	case KindDocker:
		return bx, nil
	case KindBuildctl:
		return bc, nil
	case KindAuto, "":
		if o.Addr != "" {
			return bc, nil
		}
		err := bx.Check(ctx)
		if err == nil {
			return bx, nil
		}
		var ue *UnreachableError
		if errors.As(err, &ue) {
			err = ue.Err
		}
		bc.why = fmt.Sprintf("docker buildx was not used: %v", err)
		return bc, nil
	}
	return nil, fmt.Errorf("unknown builder %q (want auto, docker or buildctl)", o.Kind)
}
