// Command basecontexts prints the --build-context flags that map the FROM
// names of the local base images (debian:bookworm, and the node, python and
// golang stand-ins that e2e/harness builds on first use) to their OCI
// layouts, one a line, for running `dfopt verify` by hand on this machine:
//
//	bash e2e/setup.sh && . e2e/env.sh
//	dfopt verify $(go run ./e2e/cmd/basecontexts) examples/python-pip/Dockerfile
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/dfopt/dfopt/e2e/harness"
)

func main() {
	env, err := harness.EnvFromEnviron()
	if err == nil {
		err = env.Check(context.Background())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "basecontexts: %v\n", err)
		os.Exit(2)
	}
	bases, err := env.Bases(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "basecontexts: %v\n", err)
		os.Exit(2)
	}
	for _, c := range harness.NamedContexts(bases) {
		fmt.Printf("--build-context=%s\n", c)
	}
}
