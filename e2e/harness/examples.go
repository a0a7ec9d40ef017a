package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Example is a project under examples/ that the e2e suite verifies: dfopt
// verify builds its Dockerfile and the rewrite, which must be equivalent.
type Example struct {
	// Dir is the directory under examples/; the Dockerfile is Dir/Dockerfile
	// and the build context is Dir.
	Dir string
	// What the example shows, for the results table.
	About string
}

// Examples are the examples the e2e suite and scripts/e2e-table.sh
// verify, in table order. Their FROM names are mapped by Env.Bases.
var Examples = []Example{
	{"python-pip", "pip install from requirements.txt after COPY . ., apt-get for curl"},
	{"node-npm", "npm install, build and prune after COPY . ."},
	{"go-mod", "go mod download, verify and build in separate RUNs after COPY . ."},
	{"go-build", "go build after COPY . . in a golang stage with no go mod download, the binary on distroless"},
	{"apt-heavy", "apt-get update and four apt-get installs in separate RUNs"},
	{"multi-stage", "a C program built with make in one stage, copied into a runtime stage"},
	{"heredoc", "# syntax line, COPY and RUN heredocs, chown after COPY"},
	{"chown-after-copy", "COPY . . then RUN chown -R, users made in separate RUNs"},
	{"shell-form-cmd", "shell-form CMD with a variable, apt-get in two RUNs"},
	{"apt-two-runs", "apt-get update and install in two RUNs"},
}

// NotBuilt are the example directories the e2e suite does not build, and why.
var NotBuilt = map[string]string{
	"tzdata":      "FROM alpine:3.14: no alpine base image is available without a registry",
	"build-steps": "shows how coalesce-runs keeps cd and export in subshells; it has no tool/ sources to build",
}

// ExamplesDir finds the examples/ directory of the repository from the
// current directory or one of its parents.
func ExamplesDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fi, err := os.Stat(filepath.Join(dir, "examples")); err == nil && fi.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.Join(dir, "examples"), nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no examples/ directory above the current directory")
		}
		dir = parent
	}
}

// CheckExampleList fails when a directory under examples/ is neither in
// Examples nor in NotBuilt, or when one of those does not exist.
func CheckExampleList(examplesDir string) error {
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, e := range Examples {
		known[e.Dir] = true
	}
	for d := range NotBuilt {
		known[d] = true
	}
	seen := map[string]bool{}
	var unknown []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		seen[e.Name()] = true
		if !known[e.Name()] {
			unknown = append(unknown, e.Name())
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("examples %v are neither in harness.Examples nor in harness.NotBuilt", unknown)
	}
	var missing []string
	for d := range known {
		if !seen[d] {
			missing = append(missing, d)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("harness lists examples %v that do not exist", missing)
	}
	return nil
}

// VerifiedPasses are the passes whose rewrites the e2e suite proves
// equivalent on the examples. Passes that change the image configuration
// on purpose need verify.ConfigChange declarations before they join.
var VerifiedPasses = []string{"manifest-first", "copy-chown", "coalesce-runs", "cache-cleanup", "dockerignore", "add-to-copy"}
