// Command idgen prints fresh identifiers, one a line.
package main

import (
	"flag"
	"fmt"
	"os"

	"example.com/idgen/internal/ids"
)

func main() {
	n := flag.Int("n", 1, "how many identifiers to print")
	flag.Parse()
	if *n < 0 {
		fmt.Fprintln(os.Stderr, "idgen: -n must not be negative")
		os.Exit(2)
	}
	for i := 0; i < *n; i++ {
		fmt.Println(ids.New())
	}
}
