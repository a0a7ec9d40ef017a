// Command gen writes a generated Dockerfile (see package bench) to
// standard output:
//
//	go run ./internal/bench/gen runs N
//	go run ./internal/bench/gen continuations N
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/dfopt/dfopt/internal/bench"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen runs|continuations N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "gen: bad count %q\n", os.Args[2])
		os.Exit(2)
	}
	var out []byte
	switch os.Args[1] {
	case "runs":
		out = bench.Runs(n)
	case "continuations":
		out = bench.Continuations(n)
	default:
		fmt.Fprintf(os.Stderr, "gen: unknown input %q\n", os.Args[1])
		os.Exit(2)
	}
	os.Stdout.Write(out)
}
