// Command verifytable runs dfopt verify on every example (e2e/harness.Examples)
// with the local BuildKit and prints the results as a Markdown table: layers,
// bytes added above the shared base, build and rebuild times, cached steps on
// rebuild, files differing and the verdict. A second section verifies the
// examples of the aggressive tier (e2e/harness.AggressiveExamples) rewritten
// with --level=aggressive, with their smoke commands and the changes the
// rewrite declares: image size, layers, build and rebuild times, the smoke
// results and what changed on purpose. scripts/e2e-table.sh runs it and
// writes examples/RESULTS.md.
//
//	bash e2e/setup.sh && . e2e/env.sh
//	go run ./e2e/cmd/verifytable [-o examples/RESULTS.md] [-enable LIST] [-run REGEXP]
//
// Examples are verified one after the other so that the build times are
// comparable. The exit status is 1 when an example is not equivalent.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

func main() {
	var (
		out    = flag.String("o", "", "write the table to this file (default: standard output)")
		enable = flag.String("enable", strings.Join(harness.VerifiedPasses, ","), "passes to run")
		filter = flag.String("run", "", "only the examples whose directory matches this regular expression")
	)
	flag.Parse()
	if err := run(*out, *enable, *filter); err != nil {
		fmt.Fprintf(os.Stderr, "verifytable: %v\n", err)
		os.Exit(2)
	}
}

type row struct {
	ex  harness.Example
	rep *verify.Report
	err error
}

func run(out, enable, filter string) error {
	ctx := context.Background()
	env, err := harness.EnvFromEnviron()
	if err != nil {
		return err
	}
	if err := env.Check(ctx); err != nil {
		return err
	}
	dir, err := harness.ExamplesDir()
	if err != nil {
		return err
	}
	if err := harness.CheckExampleList(dir); err != nil {
		return err
	}
	var re *regexp.Regexp
	if filter != "" {
		if re, err = regexp.Compile(filter); err != nil {
			return err
		}
	}
	match := func(d string) bool { return re == nil || re.MatchString(d) }
	passes := strings.Split(enable, ",")
	start, loadStart := time.Now(), loadAverage()
	var rows []row
	failed := false
	var bases map[string]harness.LayoutRef
	for _, ex := range harness.Examples {
		if !match(ex.Dir) {
			continue
		}
		if bases == nil {
			if bases, err = env.Bases(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "=== %s\n", ex.Dir)
		rep, err := verify.Run(ctx, verify.Options{
			Dockerfile: filepath.Join(dir, ex.Dir, "Dockerfile"),
			Contexts:   harness.NamedContexts(bases),
			Builder:    env.Builder(),
			Optimize:   optimizer.Options{Enable: passes},
			Progress:   os.Stderr,
		})
		if err == nil {
			rep.WriteText(os.Stderr)
			if rep.ExitCode() != 0 {
				failed = true
			}
		} else {
			fmt.Fprintf(os.Stderr, "%s: %v\n", ex.Dir, err)
			failed = true
		}
		rows = append(rows, row{ex, rep, err})
	}
	var aggr []aggrRow
	var allBases map[string]harness.LayoutRef
	for _, ex := range harness.AggressiveExamples {
		if !match(ex.Dir) {
			continue
		}
		if allBases == nil {
			if allBases, err = env.AllBases(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "=== %s (--level=aggressive)\n", ex.Dir)
		r := verifyAggressive(ctx, env, allBases, filepath.Join(dir, ex.Dir), ex)
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", ex.Dir, r.err)
			failed = true
		} else if r.rep.ExitCode() != 0 || !r.originalSmokeOK() {
			failed = true
		}
		aggr = append(aggr, r)
	}
	var w io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	writeTable(w, rows, aggr, passes, env, time.Since(start), loadStart+" → "+loadAverage())
	if failed {
		os.Exit(1)
	}
	return nil
}

// loadAverage is the machine's one-minute load average ("?" where
// /proc/loadavg cannot be read): the times in the tables are wall times,
// which a busy machine stretches.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func writeTable(w io.Writer, rows []row, aggr []aggrRow, passes []string, env *harness.Env, took time.Duration, load string) {
	fmt.Fprintf(w, "# dfopt verify on the examples\n\n")
	// The passes named are those of the first table.
	passList := ""
	if len(rows) > 0 {
		passList = "; passes: " + strings.Join(passes, ", ")
	}
	fmt.Fprintf(w, "Written by `bash scripts/e2e-table.sh` (%s, %s, %d CPUs, %s%s; the whole run took %s, load average %s: times are wall times and grow with the load).\n",
		time.Now().UTC().Format("2006-01-02"), buildkitVersion(env), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH,
		passList, took.Round(time.Second), load)
	fmt.Fprintf(w, "Do not edit: run the script again.\n\n")
	if len(rows) > 0 {
		writeSafeTable(w, rows)
	}
	if len(aggr) > 0 {
		writeAggressiveTable(w, aggr)
	}
}

// writeSafeTable writes the table of the examples verified with the
// default passes.
func writeSafeTable(w io.Writer, rows []row) {
	fmt.Fprintf(w, "Each example's Dockerfile and dfopt's rewrite are built with BuildKit (`dfopt verify`), "+
		"without cache, and their images compared. Cells read *before → after*.\n\n")
	fmt.Fprintf(w, "| example | layers | bytes added | compressed | build | rebuild | cached steps on rebuild | downloads on rebuild | files differing | verdict |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | | | | | | | | | error: %s |\n", r.ex.Dir, cell(r.err.Error()))
			continue
		}
		rep := r.rep
		if rep.Before == nil || rep.After == nil {
			fmt.Fprintf(w, "| %s | | | | | | | | | %s |\n", r.ex.Dir, rep.Verdict)
			continue
		}
		b, a := rep.Before, rep.After
		rebuild, cached, downloads := "not measured", "", ""
		if rep.Touched != "" && rep.RebuildSkipped == "" {
			rebuild = fmt.Sprintf("%s → %s", verify.Millis(b.RebuildMs), verify.Millis(a.RebuildMs))
			cached = fmt.Sprintf("%d/%d → %d/%d", b.RebuildCachedSteps, b.RebuildSteps, a.RebuildCachedSteps, a.RebuildSteps)
			downloads = fmt.Sprintf("%d → %d", b.RebuildDownloads, a.RebuildDownloads)
		}
		fmt.Fprintf(w, "| %s | %d → %d | %s → %s (%s) | %s → %s (%s) | %s → %s | %s | %s | %s | %d | %s |\n",
			r.ex.Dir, b.Layers, a.Layers,
			verify.Bytes(b.AddedBytes), verify.Bytes(a.AddedBytes), percent(b.AddedBytes, a.AddedBytes),
			verify.Bytes(b.AddedCompressedBytes), verify.Bytes(a.AddedCompressedBytes), percent(b.AddedCompressedBytes, a.AddedCompressedBytes),
			verify.Millis(b.BuildMs), verify.Millis(a.BuildMs), rebuild, cached, downloads, len(rep.Differences), rep.Verdict)
	}
	fmt.Fprintf(w, "\n| example | what it shows | file touched for the rebuild | removed by the passes (not compared) | unstable paths (not compared) |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.err != nil || r.rep.Before == nil {
			continue
		}
		rep := r.rep
		touched := "—"
		if rep.Touched != "" {
			touched = "`" + rep.Touched + "`"
		}
		removed := "—"
		if len(rep.Removes) > 0 {
			removed = fmt.Sprintf("%d paths, %s (`%s`)", rep.RemovedPaths, verify.Bytes(rep.RemovedBytes), strings.Join(rep.Removes, "`, `"))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d |\n", r.ex.Dir, cell(r.ex.About), touched, removed, len(rep.Unstable))
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(w, "- *bytes added*: the layers above the base both images share (the longest common prefix of their layer digests), "+
		"as uncompressed tar streams and as compressed blobs.\n")
	fmt.Fprintf(w, "- *build*: wall time without cache, OCI export included; it includes downloads (Debian mirror, npm registry, "+
		"Go module proxy) and varies from run to run by several seconds.\n")
	fmt.Fprintf(w, "- *rebuild*: with the cache warm, after appending a line of whitespace (unique to the run, so never cached) to the touched file in a copy of the context; "+
		"*cached steps* counts the Dockerfile steps BuildKit took from its cache; *downloads* the dependencies the steps that ran again "+
		"said they downloaded (`go: downloading`, cargo's and Maven's `Downloaded`, pip's `Downloading`; npm prints none, so its downloads are not counted).\n")
	fmt.Fprintf(w, "- *unstable paths* differ between two builds of the original itself (logs, bytecode, caches with times in them), or are package indexes a live mirror decides, "+
		"and are left out of the comparison.\n")
	var notBuilt []string
	for d, why := range harness.NotBuilt {
		notBuilt = append(notBuilt, fmt.Sprintf("`%s` (%s)", d, why))
	}
	if len(notBuilt) > 0 {
		sort.Strings(notBuilt)
		fmt.Fprintf(w, "- Not built here: %s.\n", strings.Join(notBuilt, "; "))
	}
}

func percent(before, after int64) string {
	if before == 0 {
		return "—"
	}
	pct := 100 * float64(after-before) / float64(before)
	if pct > -0.5 && pct < 0.5 {
		return "±0%"
	}
	return fmt.Sprintf("%+.0f%%", pct)
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func buildkitVersion(env *harness.Env) string {
	// e2e/setup.sh builds buildctl into .../buildkit/<version>/.
	if v := filepath.Base(filepath.Dir(env.Buildctl)); strings.HasPrefix(v, "v") {
		return "BuildKit " + v
	}
	out, err := exec.Command(env.Buildctl, "--version").Output()
	if f := strings.Fields(string(out)); err == nil && len(f) >= 3 {
		return "BuildKit " + f[2]
	}
	return "BuildKit"
}
