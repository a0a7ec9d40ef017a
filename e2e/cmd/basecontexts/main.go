// Command basecontexts prints the --build-context flags that map the FROM
// names of the local base images (debian:bookworm, and the node, python,
// golang and busybox stand-ins that e2e/harness builds on first use; with
// -all also the slim node and python, JDK, JRE, Maven and distroless ones)
// to their OCI layouts, one a line, for running `dfopt verify` by hand on
// this machine:
//
//	bash e2e/setup.sh && . e2e/env.sh
//	dfopt verify $(go run ./e2e/cmd/basecontexts) examples/python-pip/Dockerfile
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/dfopt/dfopt/e2e/harness"
)

var all = flag.Bool("all", false, "also the slim node and python bases, the JDK, the JRE, Maven and distroless (built on first use)")

func main() {
	flag.Parse()
	env, err := harness.EnvFromEnviron()
	if err == nil {
		err = env.Check(context.Background())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "basecontexts: %v\n", err)
		os.Exit(2)
	}
	get := env.Bases
	if *all {
		get = env.AllBases
	}
	bases, err := get(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "basecontexts: %v\n", err)
		os.Exit(2)
	}
	for _, c := range harness.NamedContexts(bases) {
		fmt.Printf("--build-context=%s\n", c)
	}
}
