package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// dfoptBinary builds dfopt for the tests that run it as a program.
func dfoptBinary(t *testing.T) string {
	if testing.Short() {
		t.Skip("builds dfopt")
	}
	bin := filepath.Join(t.TempDir(), "dfopt")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

type preCommitHook struct {
	ID          string `yaml:"id"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Entry       string `yaml:"entry"`
	Language    string `yaml:"language"`
	Files       string `yaml:"files"`
	Exclude     string `yaml:"exclude"`
}

func runIn(t *testing.T, dir string, env []string, argv ...string) (int, string, string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	require.NoError(t, err)
	return 0, stdout.String(), stderr.String()
}

// The pre-commit hooks parse, pick the files dfopt would pick, and their
// entries run: the fixing hook rewrites, the checking hook fails while a fix
// applies.
func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	require.NoError(t, err)
	var hooks []preCommitHook
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&hooks))
	require.Len(t, hooks, 2)
	byID := map[string]preCommitHook{}
	for _, h := range hooks {
		require.NotEmpty(t, h.Name)
		require.NotEmpty(t, h.Description)
		require.Equal(t, "golang", h.Language)
		byID[h.ID] = h

		files, exclude := regexp.MustCompile(h.Files), regexp.MustCompile(h.Exclude)
		for _, p := range []string{"Dockerfile", "a/Dockerfile", "a/Dockerfile.dev", "Containerfile", "b/Containerfile.x",
			"api.Dockerfile", "c/api.dockerfile", "Dockerfile.dockerignore", "a/app.Dockerfile.dockerignore",
			"Dockerfiles", "notDockerfile", "a/Dockerfile/x", "README.md", ".dockerignore", "docker-compose.yml"} {
			picked := files.MatchString(p) && !exclude.MatchString(p)
			require.Equal(t, isDockerfileName(filepath.Base(p)) && !strings.Contains(p, "Dockerfile/"), picked, "%s: %s", h.ID, p)
		}
	}
	fix, check := byID["dfopt"], byID["dfopt-check"]
	require.Equal(t, "dfopt -w", fix.Entry)
	require.Equal(t, "dfopt --check", check.Entry)

	bin := dfoptBinary(t)
	env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")}
	dir := t.TempDir()
	fixable := "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nUSER app\n"
	clean := "FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER app\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(fixable), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clean.Dockerfile"), []byte(clean), 0o644))
	files := []string{"Dockerfile", "clean.Dockerfile"}

	// pre-commit runs the entry, split into words, with the file names.
	status, stdout, _ := runIn(t, dir, env, append(strings.Fields(check.Entry), files...)...)
	require.Equal(t, 1, status)
	require.Contains(t, stdout, "Dockerfile:2: coalesce-runs: ")
	status, _, stderr := runIn(t, dir, env, append(strings.Fields(fix.Entry), files...)...)
	require.Equal(t, 0, status, stderr)
	got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	require.NoError(t, err)
	require.NotEqual(t, fixable, string(got))
	got, err = os.ReadFile(filepath.Join(dir, "clean.Dockerfile"))
	require.NoError(t, err)
	require.Equal(t, clean, string(got))
	status, _, _ = runIn(t, dir, env, append(strings.Fields(check.Entry), files...)...)
	require.Equal(t, 0, status)
}

type actionDef struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var inputRE = regexp.MustCompile(`\$\{\{\s*inputs\.([a-z-]+)\s*\}\}`)

// The action installs dfopt with go install, runs dfopt --check with SARIF
// output, and uploads the log. Its check step runs here as the runner runs
// it (bash, inputs through the environment), with dfopt on PATH.
func TestAction(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	require.NoError(t, err)
	var a actionDef
	require.NoError(t, yaml.Unmarshal(data, &a))
	require.Equal(t, "composite", a.Runs.Using)
	for _, m := range inputRE.FindAllStringSubmatch(string(data), -1) {
		require.Contains(t, a.Inputs, m[1], "undeclared input")
	}
	var install, upload bool
	checkStep := -1
	for i, s := range a.Runs.Steps {
		if s.Run != "" {
			require.Equal(t, "bash", s.Shell, s.Name)
			require.NotContains(t, s.Run, "${{", "%s: inputs go through env, not into the script", s.Name)
		}
		if strings.Contains(s.Run, `go install "github.com/dfopt/dfopt/cmd/dfopt@${DFOPT_VERSION}"`) {
			install = true
			require.Equal(t, "${{ inputs.version }}", s.Env["DFOPT_VERSION"])
			require.Equal(t, "0", s.Env["CGO_ENABLED"], "a static binary, as the README installs it")
		}
		if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
			upload = true
			require.Equal(t, "${{ inputs.sarif-file }}", s.With["sarif_file"])
		}
		if s.ID == "check" {
			checkStep = i
		}
	}
	require.True(t, install, "no go install step")
	require.True(t, upload, "no upload-sarif step")
	require.GreaterOrEqual(t, checkStep, 0)
	step := a.Runs.Steps[checkStep]
	require.Contains(t, step.Run, "dfopt --check --format=sarif")

	bin := dfoptBinary(t)
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	sch := loadSARIFSchema(t)
	runStep := func(dir string) (int, string, []byte) {
		out := filepath.Join(t.TempDir(), "github_output")
		env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "GITHUB_OUTPUT=" + out}
		for k, v := range step.Env {
			v = inputRE.ReplaceAllStringFunc(v, func(m string) string {
				return a.Inputs[inputRE.FindStringSubmatch(m)[1]].Default
			})
			env = append(env, k+"="+v)
		}
		// As the runner runs a bash step.
		script := filepath.Join(t.TempDir(), "step.sh")
		require.NoError(t, os.WriteFile(script, []byte(step.Run), 0o644))
		status, _, _ := runIn(t, dir, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		outputs, err := os.ReadFile(out)
		require.NoError(t, err)
		sarif, err := os.ReadFile(filepath.Join(dir, a.Inputs["sarif-file"].Default))
		require.NoError(t, err)
		return status, string(outputs), sarif
	}

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc", "Dockerfile"),
		[]byte("FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nUSER app\n"), 0o644))
	status, outputs, sarif := runStep(dir)
	require.Equal(t, 0, status)
	require.Equal(t, "status=1\n", outputs)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarif))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst))
	require.Contains(t, string(sarif), `"uri": "svc/Dockerfile"`)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc", "bad.Dockerfile"), []byte("FROM alpine:3\nRUN <<EOF\n"), 0o644))
	status, outputs, _ = runStep(dir)
	require.Equal(t, 2, status)
	require.Equal(t, "status=2\n", outputs)
}
