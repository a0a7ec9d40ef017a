package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// Each testdata/*.txtar holds a configuration file (.dfopt.yaml), the
// Dockerfile paths to resolve it for (paths, one a line, relative to the
// file's directory) and what comes out (want): the error, or the selection
// for each path.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			got := resolve(sections[".dfopt.yaml"], sections["paths"])
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got)
					}
				}
				require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
				return
			}
			require.Equal(t, sections["want"], got)
		})
	}
}

func resolve(yml, paths string) string {
	c, err := Parse("proj/.dfopt.yaml", []byte(yml))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, p := range strings.Split(strings.TrimSpace(paths), "\n") {
		if p == "" {
			continue
		}
		s := c.For(filepath.Join("proj", p))
		fmt.Fprintf(&b, "%s: %s\n", p, describe(s))
	}
	return b.String()
}

func describe(s Selection) string {
	level := "unset"
	if s.Level != 0 {
		level = s.Level.String()
	}
	var keys []string
	for k, v := range s.Settings {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return fmt.Sprintf("level=%s enable=%s disable=%s settings=%s", level,
		strings.Join(s.Enable, ","), strings.Join(s.Disable, ","), strings.Join(keys, ","))
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))

	got, err := Find(deep)
	require.NoError(t, err)
	if got != "" {
		// A configuration file above the temporary directory: the rest of
		// the test would not say anything.
		require.False(t, strings.HasPrefix(got, root), got)
		t.Skipf("a configuration file outside the test's directory: %s", got)
	}

	top := filepath.Join(root, ".dfopt.yaml")
	require.NoError(t, os.WriteFile(top, []byte("level: format\n"), 0o644))
	got, err = Find(deep)
	require.NoError(t, err)
	require.Equal(t, top, got)

	// The nearest wins; .yml is found too.
	mid := filepath.Join(root, "a", ".dfopt.yml")
	require.NoError(t, os.WriteFile(mid, []byte("level: safe\n"), 0o644))
	got, err = Find(deep)
	require.NoError(t, err)
	require.Equal(t, mid, got)
	got, err = Find(root)
	require.NoError(t, err)
	require.Equal(t, top, got)

	// A directory of that name is not a configuration file.
	require.NoError(t, os.Mkdir(filepath.Join(deep, ".dfopt.yaml"), 0o755))
	got, err = Find(deep)
	require.NoError(t, err)
	require.Equal(t, mid, got)

	c, err := Load(got)
	require.NoError(t, err)
	require.Equal(t, analysis.Safe, c.Level)
	_, err = Load(filepath.Join(root, "missing.yaml"))
	require.Error(t, err)
}

func TestPasses(t *testing.T) {
	all := passes.All()
	names := func(tier analysis.Tier) []string {
		var out []string
		for _, p := range all {
			if p.Tier <= tier {
				out = append(out, p.Name)
			}
		}
		return out
	}
	require.Equal(t, names(analysis.Safe), Selection{}.Passes(all))
	require.Equal(t, names(analysis.Format), Selection{Level: analysis.Format}.Passes(all))
	require.Equal(t, names(analysis.Aggressive), Selection{Level: analysis.Aggressive}.Passes(all))

	s := Selection{Level: analysis.Format, Enable: []string{"tini", "coalesce-runs"}, Disable: []string{"env-key-value"}}
	got := s.Passes(all)
	want := slices.DeleteFunc(names(analysis.Format), func(n string) bool { return n == "env-key-value" })
	want = append(want, "coalesce-runs", "tini")
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
	// The registry's order is kept.
	require.Less(t, slices.Index(s.Passes(all), "coalesce-runs"), slices.Index(s.Passes(all), "tini"))
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pat, path string
		want      bool
	}{
		{"Dockerfile", "Dockerfile", true},
		{"Dockerfile", "a/b/Dockerfile", true},
		{"*.dev.Dockerfile", "svc/api.dev.Dockerfile", true},
		{"*.dev.Dockerfile", "svc/api.Dockerfile", false},
		{"legacy/**", "legacy/Dockerfile", true},
		{"legacy/**", "legacy/a/b/Dockerfile", true},
		{"legacy/**", "new/legacy/Dockerfile", false},
		{"**/legacy/*", "new/legacy/Dockerfile", true},
		{"**/legacy/*", "legacy/Dockerfile", true},
		{"**/legacy/*", "legacy/a/Dockerfile", false},
		{"svc/*/Dockerfile", "svc/api/Dockerfile", true},
		{"svc/*/Dockerfile", "svc/api/x/Dockerfile", false},
		{"/svc/Dockerfile", "svc/Dockerfile", true},
		{"svc/**/Dockerfile", "svc/Dockerfile", true},
		{"svc/**/Dockerfile", "svc/a/b/Dockerfile", true},
		{"svc/[ab]*/Dockerfile", "svc/api/Dockerfile", true},
		{"svc/[ab]*/Dockerfile", "svc/cli/Dockerfile", false},
	} {
		require.Equal(t, c.want, Match(c.pat, c.path), "%s ~ %s", c.pat, c.path)
	}
}

// Every setting names a registered pass.
func TestSettingsNamePasses(t *testing.T) {
	for _, s := range Settings {
		require.NotNil(t, passes.Lookup(s.Pass), "setting %s", s.Name)
		require.NotEmpty(t, s.Doc)
	}
}
