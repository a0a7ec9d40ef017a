package manifests

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

// What Classify makes of install commands: the ecosystem, the manifests
// read, and whether the step can move at all.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		cmd, eco, files, outputs string
		neutral, cannotMove      bool
	}{
		{cmd: "pip install -r requirements.txt", eco: "pip", files: "requirements.txt"},
		{cmd: "python3 -m pip install --no-cache-dir -rreqs/base.txt", eco: "pip", files: "reqs/base.txt"},
		{cmd: "pip install -e .", eco: "pip", cannotMove: true},
		{cmd: "pip install ./wheels/x.whl", eco: "pip", cannotMove: true},
		{cmd: "npm ci", eco: "npm", files: "package.json", outputs: "node_modules"},
		{cmd: "npm install --prefix web", eco: "npm", cannotMove: true},
		{cmd: "yarn install --frozen-lockfile", eco: "yarn", files: "package.json", outputs: "node_modules,.pnp.cjs,.pnp.loader.mjs,.pnp.js"},
		{cmd: "pnpm fetch", eco: "pnpm", files: "pnpm-lock.yaml"},
		{cmd: "go mod download", eco: "go", files: "go.mod"},
		{cmd: "bundle install", eco: "bundler", files: "Gemfile"},
		{cmd: "composer install --no-dev", eco: "composer", files: "composer.json", outputs: "vendor"},
		{cmd: "dotnet restore", eco: "dotnet", outputs: "obj"},
		{cmd: "cargo build --release"}, // a build that downloads: FetchPlan
		{cmd: "npm config set registry https://r", neutral: true},
		{cmd: "corepack enable", neutral: true},
		{cmd: "npm run build"},
	} {
		prog, err := shellparse.Parse(tc.cmd)
		require.NoError(t, err)
		st, neutral := Classify(shellparse.Commands(prog)[0])
		require.Equal(t, tc.neutral, neutral, tc.cmd)
		if tc.eco == "" {
			require.Nil(t, st, tc.cmd)
			continue
		}
		require.NotNil(t, st, tc.cmd)
		require.Equal(t, tc.eco, st.eco, tc.cmd)
		require.Equal(t, tc.files, strings.Join(st.files, ","), tc.cmd)
		require.Equal(t, tc.outputs, strings.Join(st.Outputs, ","), tc.cmd)
		require.Equal(t, tc.cannotMove, st.reason != "", "%s: %s", tc.cmd, st.reason)
	}
}

func TestRequirements(t *testing.T) {
	names, includes, others := Requirements("Django>=4  # web\n-r base.txt\n--requirement=extra.txt\nPyYAML==6.0 ; python_version>'3'\n-e git+https://x/y.git#egg=y\n./local\nmysql_client\nfoo @ https://x/foo.tar.gz\n")
	require.Equal(t, []string{"django", "pyyaml", "mysql-client"}, names)
	require.Equal(t, []string{"base.txt", "extra.txt"}, includes)
	require.Equal(t, []string{"git+https://x/y.git#egg=y", "./local", "foo @ https://x/foo.tar.gz"}, others)
}

func TestLockPackages(t *testing.T) {
	v3 := `{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {}, "node_modules/a/node_modules/@s/b": {}}}`
	names, ok := LockPackages([]byte(v3))
	require.True(t, ok)
	require.Equal(t, []string{"@s/b", "a"}, names)
	v1 := `{"lockfileVersion": 1, "dependencies": {"x": {"version": "1", "dependencies": {"y": {"version": "2"}}}}}`
	names, ok = LockPackages([]byte(v1))
	require.True(t, ok)
	require.Equal(t, []string{"x", "y"}, names)
	_, ok = LockPackages([]byte("{"))
	require.False(t, ok)
	deps, ok := PackageDeps([]byte(`{"dependencies": {"b": "1"}, "devDependencies": {"a": "2"}}`))
	require.True(t, ok)
	require.Equal(t, []string{"a", "b"}, deps)
}

func TestLocalNodeSpec(t *testing.T) {
	for spec, want := range map[string]bool{
		"^1.2.3": false, "latest": false, "npm:left-pad@1": false, "github:user/repo": false,
		"user/repo": false, "git+https://example.com/x.git": false, "https://example.com/x.tgz": false,
		"file:../x": true, "link:./x": true, "workspace:*": true, "portal:./x": true,
		"./x": true, "../x": true, "/opt/x": true, "~/x": true, `C:\x`: true,
		"vendor/x-1.0.0.tgz": true, "x.tar.gz": true, "X.TAR": true,
	} {
		if got := localNodeSpec(spec); got != want {
			t.Errorf("localNodeSpec(%q) = %v, want %v", spec, got, want)
		}
	}
}

// The run-time libraries are known for source builds only, and a
// distribution is either built from source or loads a library from a
// wheel, never both.
func TestPythonSourceBuildLists(t *testing.T) {
	for name := range PythonSourceBuildLibraries.Get() {
		if !PythonSourceBuilds.Get()[name] {
			t.Errorf("%s has a run-time library but is not among PythonSourceBuilds", name)
		}
	}
	for name := range PythonSystemLibraryUsers.Get() {
		if PythonSourceBuilds.Get()[name] {
			t.Errorf("%s is both a source build and a system library user", name)
		}
		if NormalizeDist(name) != name {
			t.Errorf("%s is not normalized", name)
		}
	}
	for name := range PythonSourceBuilds.Get() {
		if NormalizeDist(name) != name {
			t.Errorf("%s is not normalized", name)
		}
	}
}

// A pin below the first version with wheels builds from source; a later
// pin, a range, an unpinned name and an unlisted distribution do not.
func TestPinnedSourceBuild(t *testing.T) {
	for req, want := range map[string]bool{
		"python-Levenshtein==0.12.2":                         true,
		"python_levenshtein == 0.12.0":                       true,
		"python-Levenshtein[speedup]==0.1":                   true,
		"python-Levenshtein==0.12.*":                         true,
		"python-Levenshtein==0.12.2 ; python_version >= '3'": true,
		"python-Levenshtein==0.20.0":                         false,
		"python-Levenshtein==0.20.*":                         false,
		"python-Levenshtein==0.25.1":                         false,
		"python-Levenshtein>=0.12":                           false,
		"python-Levenshtein":                                 false,
		"requests==0.1":                                      false,
	} {
		if _, got := PinnedSourceBuild(req); got != want {
			t.Errorf("PinnedSourceBuild(%q) = %v, want %v", req, got, want)
		}
	}
	if got := PinnedSourceBuilds("flask==3.0.0\npython-Levenshtein==0.12.2  # fuzzy matching\n"); len(got) != 1 || got[0] != "python-levenshtein" {
		t.Errorf("PinnedSourceBuilds: %q", got)
	}
}
