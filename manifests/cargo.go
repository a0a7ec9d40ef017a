package manifests

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Cargo: cargo build (test, run, check, install --path) downloads the
// crates Cargo.lock pins; cargo fetch downloads them from Cargo.toml and
// Cargo.lock alone when the manifest names its targets with their paths
// (cargo reads the targets before it fetches, and finds src/main.rs or
// src/lib.rs only in the sources). Workspaces and path dependencies need
// the sources.
var cargoFetcher = &fetcher{
	name:        "cargo",
	what:        "the crates",
	build:       cargoBuild,
	plan:        cargoPlan,
	envPrefixes: []string{"CARGO_", "RUSTUP_", "RUSTC"},
	tool:        lazyre.New(`^(rust|cargo|rustup|rustc)$`),
	packages:    lazyre.New(`^(rust.*|cargo|rustup|` + fetchPackages + `)$`),
}

func cargoBuild(c *shellparse.Command) (build, stop bool) {
	if c.Name != "cargo" {
		return false, false
	}
	sub, _ := c.Subcommand("--manifest-path", "--target", "-p", "--package", "-j", "--jobs", "--features", "-F",
		"--profile", "--config", "-Z", "--color", "--target-dir", "--bin", "--example", "--test", "--bench")
	switch sub {
	case "build", "b", "test", "t", "run", "r", "check", "c", "bench", "doc", "d", "clippy", "rustc", "fetch":
		return true, false
	case "install":
		return c.HasArg(shellparse.ArgIs("--path")), false
	case "chef", "vendor", "generate-lockfile", "new", "init":
		return false, true
	}
	return false, false
}

var (
	// tomlSection matches a TOML table header.
	tomlSection = lazyre.New(`^\[\[?\s*([^\]]+?)\s*\]\]?`)
	tomlPathKey = lazyre.New(`\bpath\s*=`)
	tomlFromWS  = lazyre.New(`\bworkspace\s*=\s*true`)
)

func cargoPlan(fc *fetchCtx) fetchStep {
	c := fc.b.cmd
	locked := false
	for i, l := range c.Lits {
		switch {
		case !c.Static[i]:
		case l == "--offline" || l == "--frozen":
			return fetchStep{skip: true}
		case l == "--manifest-path" || strings.HasPrefix(l, "--manifest-path="):
			return fetchStep{reason: "it builds another manifest (--manifest-path)"}
		case l == "--config" || strings.HasPrefix(l, "--config="):
			return fetchStep{reason: "it sets cargo's configuration (--config)"}
		case l == "--locked":
			locked = true
		}
	}
	if fc.cv == nil {
		return fetchStep{reason: "dfopt needs the build context to read Cargo.toml"}
	}
	root := fc.b.dir
	if !fc.exists(path.Join(root, "Cargo.toml")) {
		return fetchStep{reason: "Cargo.toml is not in the build context where it builds"}
	}
	for d := path.Dir(root); d != root && stages.Under(d, fc.sc.dest); d = path.Dir(d) {
		if fc.exists(path.Join(d, "Cargo.toml")) {
			return fetchStep{reason: "a Cargo.toml above it may make it a member of a workspace, in the sources"}
		}
		if d == "/" {
			break
		}
	}
	data, _ := fc.read(path.Join(root, "Cargo.toml"))
	if reason := cargoManifest(string(data)); reason != "" {
		return fetchStep{reason: reason}
	}
	if !fc.exists(path.Join(root, "Cargo.lock")) {
		return fetchStep{reason: "the context has no Cargo.lock, so the versions are resolved while it builds"}
	}
	step := fetchStep{root: root, files: []string{"Cargo.toml", "Cargo.lock"},
		optional: []string{"rust-toolchain.toml", "rust-toolchain"}, command: "cargo fetch"}
	if locked {
		step.command += " --locked"
	}
	for _, cfg := range []string{".cargo/config.toml", ".cargo/config"} {
		if b, ok := fc.read(path.Join(root, cfg)); ok {
			if strings.Contains(string(b), "[source") {
				return fetchStep{reason: cfg + " replaces the crates' sources (vendored crates are in the sources)"}
			}
			step.optional = append(step.optional, cfg)
		}
	}
	step.cachesKnown = true
	var homes []string
	if v, set, ok := envPath(fc.sc, "CARGO_HOME"); set && ok {
		homes = []string{v}
	} else if set {
		step.cachesKnown = false
	} else {
		for _, h := range homeOf(fc.sc) {
			homes = append(homes, path.Join(h, ".cargo"))
		}
	}
	for _, h := range homes {
		for _, sub := range []string{"registry", "git", ".package-cache", ".package-cache-mutate", ".global-cache"} {
			step.caches = append(step.caches, path.Join(h, sub))
		}
	}
	if len(homes) > 0 {
		step.cacheMount = path.Join(homes[0], "registry")
	}
	// With a toolchain file, rustup installs that toolchain for the step
	// as it would for the build.
	if v, set, ok := envPath(fc.sc, "RUSTUP_HOME"); set && ok {
		step.caches = append(step.caches, v)
	} else if set {
		step.cachesKnown = false
	} else {
		for _, h := range homeOf(fc.sc) {
			step.caches = append(step.caches, path.Join(h, ".rustup"))
		}
	}
	return step
}

// cargoManifest says why cargo fetch cannot run with Cargo.toml alone (""
// when it can): a workspace, path dependencies or dependencies inherited
// from a workspace, and targets that cargo finds in the sources.
func cargoManifest(toml string) string {
	section := ""
	targets, withPath := 0, 0
	inTarget := false
	targetHasPath := true
	endTarget := func() string {
		if inTarget && !targetHasPath {
			name := "a [[" + section + "]] section"
			if section == "lib" {
				name = "[lib]"
			}
			return "cargo fetch needs the package's targets, and " + name + " has no path: cargo finds it in the sources"
		}
		return ""
	}
	for _, line := range strings.Split(toml, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := tomlSection.FindStringSubmatch(line); m != nil {
			if why := endTarget(); why != "" {
				return why
			}
			section = strings.ReplaceAll(m[1], " ", "")
			inTarget = false
			switch section {
			case "workspace":
				return "Cargo.toml declares a workspace, whose members are in the sources"
			case "lib", "bin", "example", "test", "bench":
				inTarget, targetHasPath = true, false
				targets++
			}
			if strings.HasPrefix(section, "workspace.") {
				return "Cargo.toml declares a workspace, whose members are in the sources"
			}
			continue
		}
		key, _, _ := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if inTarget && key == "path" {
			targetHasPath = true
			withPath++
		}
		if section == "package" && key == "workspace" {
			return "the package names its workspace, in the sources"
		}
		if cargoDepSection(section) || strings.HasPrefix(section, "patch.") || section == "replace" {
			if key == "path" || tomlPathKey.MatchString(line) {
				return "a dependency has a path, in the sources"
			}
			if key == "workspace" || tomlFromWS.MatchString(line) {
				return "a dependency comes from the workspace, in the sources"
			}
		}
	}
	if why := endTarget(); why != "" {
		return why
	}
	if targets == 0 || withPath == 0 {
		return "cargo fetch needs the package's targets (src/main.rs, src/lib.rs), which are in the sources"
	}
	return ""
}

// cargoDepSection reports whether a TOML section holds dependencies.
func cargoDepSection(s string) bool {
	for _, d := range []string{"dependencies", "dev-dependencies", "build-dependencies"} {
		if s == d || strings.HasPrefix(s, d+".") || strings.HasSuffix(s, "."+d) || strings.Contains(s, "."+d+".") {
			return true
		}
	}
	return false
}

// Gradle has no documented form that downloads a build's dependencies
// from the build files alone: what it resolves depends on the tasks and
// plugins, so its builds are reported only.
var gradleFetcher = &fetcher{
	name: "gradle",
	what: "the dependencies",
	build: func(c *shellparse.Command) (build, stop bool) {
		if c.Name != "gradle" && c.Name != "gradlew" {
			return false, false
		}
		sub, _ := c.Subcommand()
		return sub != "", false
	},
	plan: func(*fetchCtx) fetchStep {
		return fetchStep{reason: "gradle has no documented way to download a build's dependencies from the build files alone " +
			"(what it resolves depends on its tasks); copy the build files and the wrapper and resolve them in a step of your own"}
	},
	tool:     lazyre.New(`^gradle$`),
	packages: lazyre.New(`^(gradle|` + fetchPackages + `)$`),
}
