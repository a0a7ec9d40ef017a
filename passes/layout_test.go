package passes_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes"
	"github.com/stretchr/testify/require"
)

const module = "github.com/dfopt/dfopt"

// The layers below the passes, as import paths relative to the module.
var (
	// knowledge answers the questions several passes ask.
	knowledge = []string{"stages", "pkgmgr", "baseimage", "manifests", "buildcontext", "runs", "toolchains"}
	// base is what a pass is and what it reads.
	base = []string{"analysis", "dockerfile", "shellparse"}
	// below lists what each base package may import of the module.
	below = map[string][]string{
		"analysis":   {"dockerfile", "shellparse"},
		"dockerfile": {"shellparse"},
		"shellparse": {},
	}
	// leaves are helpers that import nothing of the module: every layer
	// may use them.
	leaves = []string{"internal/lazy", "internal/lazyre"}
)

// listedPackage is what `go list -json` says about a package.
type listedPackage struct {
	ImportPath, Name, Dir string
	GoFiles               []string
	Imports, TestImports  []string
}

// modulePackages lists the packages of the module with the go command.
func modulePackages(t *testing.T) map[string]*listedPackage {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, "list", "-json", "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	pkgs := map[string]*listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = &p
	}
	return pkgs
}

// moduleImports returns the module packages that p imports, in its files
// and in its internal tests, relative to the module.
func moduleImports(p *listedPackage) []string {
	var out []string
	for _, imp := range append(slices.Clone(p.Imports), p.TestImports...) {
		if rel, ok := strings.CutPrefix(imp, module+"/"); ok && !slices.Contains(out, rel) {
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out
}

// A pass imports knowledge packages, analysis, dockerfile and shellparse,
// never another pass; the packages below the passes import no pass, and
// each imports only what is below it.
func TestImportRules(t *testing.T) {
	pkgs := modulePackages(t)
	forPass := slices.Concat(knowledge, base, leaves)
	var problems []string
	check := func(name string, allowed []string, rule string) {
		p := pkgs[name]
		require.NotNil(t, p, "package %s is not in the module", name)
		for _, imp := range moduleImports(p) {
			if !slices.Contains(allowed, imp) {
				problems = append(problems, name+" imports "+module+"/"+imp+": "+rule)
			}
		}
	}
	passCount := 0
	for name := range pkgs {
		if strings.HasPrefix(name, "passes/") {
			passCount++
			check(name, forPass, "a pass imports only knowledge packages ("+strings.Join(knowledge, ", ")+
				"), analysis, dockerfile and shellparse; what two passes share goes below them, into a knowledge package (add a new one to the list in this test)")
		}
	}
	require.Equal(t, len(passes.All()), passCount, "every package below passes/ is a registered pass")
	for _, k := range knowledge {
		check(k, forPass, "a knowledge package imports only other knowledge packages, analysis, dockerfile and shellparse: no pass, nothing above")
	}
	for _, b := range base {
		check(b, append(slices.Clone(below[b]), leaves...), "analysis, dockerfile and shellparse import only what is below them")
	}
	for _, l := range leaves {
		check(l, nil, "a helper that every layer may use imports nothing of the module")
	}
	slices.Sort(problems)
	require.Empty(t, problems)
}

// Every registered pass lives in passes/NAME as package NAME without
// dashes, is documented by that package's doc.go, has golden cases in
// golden/NAME and a name of its own.
func TestRegistry(t *testing.T) {
	pkgs := modulePackages(t)
	all := passes.All()
	require.NoError(t, analysis.Validate(all))
	for _, p := range all {
		dir := "passes/" + p.Name
		pkg := pkgs[dir]
		require.NotNil(t, pkg, "pass %s: no package %s/%s", p.Name, module, dir)
		require.Equal(t, strings.ReplaceAll(p.Name, "-", ""), pkg.Name, "pass %s: package name", p.Name)

		fn := runtime.FuncForPC(reflect.ValueOf(p.Run).Pointer()).Name()
		require.True(t, strings.HasPrefix(fn, pkg.ImportPath+"."), "pass %s runs %s, which is not in %s", p.Name, fn, pkg.ImportPath)
		require.Same(t, p, passes.Lookup(p.Name))

		require.Contains(t, pkg.GoFiles, "doc.go", "pass %s: no doc.go", p.Name)
		doc, err := os.ReadFile(filepath.Join(pkg.Dir, "doc.go"))
		require.NoError(t, err)
		summary, text, err := analysis.ExtractDoc(string(doc), p.Name)
		require.NoError(t, err, "pass %s: doc.go", p.Name)
		require.Equal(t, summary, p.Summary(), "pass %s: the summary is not doc.go's", p.Name)
		require.Equal(t, text, p.Doc(), "pass %s: the doc is not doc.go's", p.Name)

		cases, err := filepath.Glob(filepath.Join("..", "golden", p.Name, "*.txtar"))
		require.NoError(t, err)
		require.NotEmpty(t, cases, "pass %s has no golden cases in golden/%s", p.Name, p.Name)
	}
}
