// Command mkoci turns a root filesystem directory into a single-layer OCI
// image layout. It prints the manifest digest on standard output, which is
// what BuildKit's oci-layout://NAME@DIGEST references need.
//
//	go run ./e2e/cmd/mkoci -rootfs /path/rootfs -out /path/layout -ref bookworm
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dfopt/dfopt/internal/oci"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var (
		rootfs  = flag.String("rootfs", "", "root filesystem directory (required)")
		out     = flag.String("out", "", "OCI layout directory to write (required)")
		ref     = flag.String("ref", "", "ref name annotation for index.json (e.g. bookworm)")
		arch    = flag.String("arch", "amd64", "image architecture")
		osName  = flag.String("os", "linux", "image OS")
		cmdJSON = flag.String("cmd", `["bash"]`, "image Cmd as a JSON array")
		mtime   = flag.Int64("mtime", 0, "modification time (Unix seconds) of every entry and of the image")
		created = flag.String("created-by", "mkoci", "history entry text of the layer")
		env     listFlag
		empty   listFlag
	)
	flag.Var(&env, "env", "image environment variable KEY=VALUE (repeatable; default PATH)")
	flag.Var(&empty, "empty-dir", "directory kept empty in the layer (repeatable; default dev, proc, sys)")
	flag.Parse()
	if *rootfs == "" || *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	var cmd []string
	if err := json.Unmarshal([]byte(*cmdJSON), &cmd); err != nil {
		fmt.Fprintf(os.Stderr, "mkoci: -cmd: %v\n", err)
		os.Exit(2)
	}
	if len(env) == 0 {
		env = listFlag{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	if len(empty) == 0 {
		empty = listFlag{"dev", "proc", "sys"}
	}
	start := time.Now()
	res, err := oci.WriteLayout(*rootfs, *out, oci.WriteOptions{
		Architecture: *arch,
		OS:           *osName,
		Env:          env,
		Cmd:          cmd,
		RefName:      *ref,
		ModTime:      time.Unix(*mtime, 0),
		CreatedBy:    *created,
		EmptyDirs:    empty,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkoci: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "mkoci: %d entries, layer %s: %d bytes compressed, %d uncompressed (%s)\n",
		res.Entries, res.Layer.Digest, res.Layer.Size, res.UncompressedSize, time.Since(start).Round(time.Millisecond))
	fmt.Println(res.Manifest.Digest)
}
