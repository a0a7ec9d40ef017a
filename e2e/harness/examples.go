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

// AggressiveExample is a project under examples/ written the naive
// single-stage way that the aggressive tier (--level=aggressive) rewrites:
// the toolchain, the build's dependencies and the sources end up in the
// image with the program. dfopt verify checks a rewrite of it by running
// the program in both images (Smoke) and allowing the changes the rewrite
// declares.
type AggressiveExample struct {
	// Dir is the directory under examples/, as in Example.
	Dir string
	// What the example shows, for the results table.
	About string
	// Smoke are commands that show the program answering, run in the
	// image's working directory (dfopt verify --smoke), with the standard
	// output each gives in the example's own image.
	Smoke []SmokeCheck
	// Leaves are paths in the example's own image that the aggressive
	// tier is meant to leave out of the final image (the compiler, the
	// build-only dependencies): TestAggressiveExamples checks that the
	// default rewrite has them and the aggressive one does not.
	Leaves []string
}

// SmokeCheck is a smoke command and its expected standard output (exit
// status 0, nothing on standard error).
type SmokeCheck struct {
	Command string
	Stdout  string
}

// SmokeCommands returns the commands of the example's smoke checks.
func (e AggressiveExample) SmokeCommands() []string {
	var cmds []string
	for _, s := range e.Smoke {
		cmds = append(cmds, s.Command)
	}
	return cmds
}

// AggressiveExamples are the examples of the aggressive section of
// scripts/e2e-table.sh, in table order. Their FROM names are mapped by
// Env.AllBases, which also has the slim, JRE and distroless bases their
// rewrites run on.
var AggressiveExamples = []AggressiveExample{
	{
		Dir:   "go-whatsmyip",
		About: "the articles' single-stage Go program: go build on golang, the binary run from the toolchain image",
		Smoke: []SmokeCheck{
			{"./whatsmyip -selftest", "127.0.0.1\n"},
			{"./whatsmyip -version", "whatsmyip 1.0\n"},
		},
		Leaves: []string{"/usr/bin/go", "/go/whatsmyip.go"},
	},
	{
		Dir:   "java-maven",
		About: "a Maven jar built and run on the Maven image (JDK, Maven, ~/.m2)",
		Smoke: []SmokeCheck{
			{"java -jar target/wordcount.jar --version", "wordcount 1.0\n"},
			{"java -jar target/wordcount.jar to be or not to be", "2 be\n1 not\n1 or\n2 to\n"},
		},
		Leaves: []string{"/opt/java/openjdk/bin/javac", "/usr/bin/mvn", "/root/.m2/repository"},
	},
	{
		Dir:   "node-typescript",
		About: "TypeScript compiled with tsc from devDependencies on the full node image, devDependencies kept",
		Smoke: []SmokeCheck{
			{"node dist/index.js --version", "duration 1.0.0\n"},
			{"node dist/index.js 90000 3600000", "2 minutes\n1 hour\n"},
		},
		Leaves: []string{"/app/node_modules/typescript/package.json", "/app/src/index.ts", "/usr/bin/gcc"},
	},
	{
		Dir:   "python-cext",
		About: "a local package with a C extension, pip install --no-build-isolation on the full python image",
		Smoke: []SmokeCheck{
			{"python3 -m textstats --version", "textstats 1.0 with textstats._speedups\n"},
			{"python3 -m textstats to be or not to be", "6 words, fnv1a cedefc61503a54bd\n"},
		},
		// The application directory (sources included) is kept: the
		// program may read files there at run time.
		Leaves: []string{"/usr/bin/gcc", "/usr/include/python3.11/Python.h"},
	},
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

// CheckExampleList fails when a directory under examples/ is in none of
// Examples, AggressiveExamples and NotBuilt, or when one of those does not
// exist.
func CheckExampleList(examplesDir string) error {
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, e := range Examples {
		known[e.Dir] = true
	}
	for _, e := range AggressiveExamples {
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
		return fmt.Errorf("examples %v are in none of harness.Examples, harness.AggressiveExamples and harness.NotBuilt", unknown)
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
