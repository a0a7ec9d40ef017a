package manifests

import (
	"bytes"
	"encoding/xml"
	"path"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Maven: mvn package (verify, install, compile, test) resolves the
// project's dependencies and plugins while it builds; mvn
// dependency:go-offline, run with the POMs (the module POMs of a
// multi-module build too), .mvn/ and the wrapper, resolves them before the
// sources are there. It cannot resolve what the build itself makes: a
// module that depends on another module of the same build is declined.
var mavenFetcher = &fetcher{
	name:        "maven",
	what:        "the dependencies",
	build:       mavenBuild,
	plan:        mavenPlan,
	env:         []string{"JAVA_HOME", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "M2_HOME"},
	envPrefixes: []string{"MAVEN_"},
	tool: lazyre.New(`^(maven|mvn|eclipse-temurin|openjdk|amazoncorretto|ibm-semeru-runtimes|sapmachine|` +
		`zulu-openjdk|ibmjava|adoptopenjdk|gradle|default-jdk(-headless)?|openjdk-[0-9]+-jdk(-headless)?|java|javac)$`),
	packages: lazyre.New(`^(maven|default-jdk.*|default-jre.*|openjdk.*|java.*|temurin.*|` + fetchPackages + `)$`),
}

func mavenBuild(c *shellparse.Command) (build, stop bool) {
	switch c.Name {
	case "mvn", "mvnw", "mvnw.cmd":
	default:
		return false, false
	}
	for i, l := range c.Lits {
		if c.Static[i] && (strings.HasPrefix(l, "dependency:") || strings.HasPrefix(l, "de.qaware.maven:go-offline")) {
			return false, true // resolves the dependencies itself
		}
	}
	return MavenBuilds(c.Lits), false
}

// Maven options: those the step repeats (that change what is resolved,
// or how mvn reports), those that stand in the way, those that take the
// next word.
var (
	mavenCarried = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"-B": true, "--batch-mode": true, "-q": true, "--quiet": true, "-e": true,
			"--errors": true, "-X": true, "--debug": true, "-U": true, "--update-snapshots": true, "-ntp": true,
			"--no-transfer-progress": true, "-N": true, "--non-recursive": true, "-C": true, "--strict-checksums": true,
			"-c": true, "--lax-checksums": true, "-nsu": true, "--no-snapshot-updates": true, "-T": true, "--threads": true,
			"-P": true, "--activate-profiles": true, "-D": true, "--define": true}
	}}
	mavenDropped = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"-V": true, "--show-version": true, "-fae": true, "--fail-at-end": true,
			"-ff": true, "--fail-fast": true, "-fn": true, "--fail-never": true, "-l": true, "--log-file": true,
			"-am": true, "--also-make": true, "-amd": true, "--also-make-dependents": true, "--color": true}
	}}
	mavenDeclined = lazy.Value[map[string]string]{New: func() map[string]string {
		return map[string]string{"-f": "it builds another POM (-f)", "--file": "it builds another POM (--file)",
			"-pl": "it builds some of the modules (-pl)", "--projects": "it builds some of the modules (--projects)",
			"-rf": "it resumes a build (-rf)", "--resume-from": "it resumes a build (--resume-from)",
			"-s": "it reads settings from a file (-s)", "--settings": "it reads settings from a file (--settings)",
			"-gs": "it reads settings from a file (-gs)", "--global-settings": "it reads settings from a file (--global-settings)",
			"-t": "it reads toolchains from a file (-t)", "--toolchains": "it reads toolchains from a file (--toolchains)",
			"-gt": "it reads toolchains from a file (-gt)", "--global-toolchains": "it reads toolchains from a file (--global-toolchains)"}
	}}
	mavenValued = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"-T": true, "--threads": true, "-P": true, "--activate-profiles": true, "-D": true,
			"--define": true, "-l": true, "--log-file": true, "--color": true, "-f": true, "--file": true, "-pl": true,
			"--projects": true, "-rf": true, "--resume-from": true, "-s": true, "--settings": true, "-gs": true,
			"--global-settings": true, "-t": true, "--toolchains": true, "-gt": true, "--global-toolchains": true}
	}}
)

func mavenPlan(fc *fetchCtx) fetchStep {
	b := fc.b
	c := b.cmd
	word, _ := shellparse.Lit(c.NameWord())
	var carried []string
	batch := false
	repoLocal := ""
	for i := 0; i < len(c.Args); i++ {
		if !c.Static[i] {
			return fetchStep{reason: "its arguments are not all static"}
		}
		l := c.Lits[i]
		if !strings.HasPrefix(l, "-") {
			continue // a phase or a goal
		}
		name, val, hasVal := strings.Cut(l, "=")
		if len(name) > 2 && !strings.HasPrefix(name, "--") && (name[:2] == "-D" || name[:2] == "-P" || name[:2] == "-T") {
			// -Dkey=value, -Pprofile, -T4: the value attached
			if name[:2] == "-D" {
				name, val, hasVal = "-D", strings.TrimPrefix(l, "-D"), true
			} else {
				name, val, hasVal = name[:2], name[2:], true
			}
		}
		if name == "-o" || name == "--offline" {
			return fetchStep{skip: true} // downloads nothing
		}
		if why, ok := mavenDeclined.Get()[name]; ok {
			return fetchStep{reason: why}
		}
		text := b.r.Prog.Text(c.Args[i])
		if mavenValued.Get()[name] && !hasVal {
			if i+1 >= len(c.Args) || !c.Static[i+1] {
				return fetchStep{reason: "its arguments are not all static"}
			}
			i++
			val = c.Lits[i]
			text += " " + b.r.Prog.Text(c.Args[i])
		}
		switch {
		case mavenDropped.Get()[name]:
		case mavenCarried.Get()[name]:
			if name == "-B" || name == "--batch-mode" {
				batch = true
			}
			if name == "-D" || name == "--define" {
				if k, v, _ := strings.Cut(val, "="); k == "maven.repo.local" {
					repoLocal = v
				}
			}
			carried = append(carried, text)
		default:
			return fetchStep{reason: "it has the option " + name}
		}
	}
	if fc.cv == nil {
		return fetchStep{reason: "dfopt needs the build context to read pom.xml"}
	}
	root := b.dir
	if !fc.exists(path.Join(root, "pom.xml")) {
		return fetchStep{reason: "pom.xml is not in the build context where it builds"}
	}
	// The POMs of the build: the root's and, through <modules>, its
	// modules'.
	poms, reason := mavenReactor(fc, root)
	if reason != "" {
		return fetchStep{reason: reason}
	}
	if reason := mavenConfigReason(fc, root); reason != "" {
		return fetchStep{reason: reason}
	}
	step := fetchStep{root: root, dirs: []string{".mvn"}}
	for _, p := range poms {
		step.files = append(step.files, path.Join(p, "pom.xml"))
	}
	if c.Name == "mvnw" {
		if word != "./mvnw" && word != "mvnw" {
			return fetchStep{reason: "it runs a wrapper outside the project"}
		}
		step.files = append(step.files, "mvnw")
	}
	if !batch {
		carried = append([]string{"-B"}, carried...)
	}
	step.command = strings.Join(append(append([]string{word}, carried...), "dependency:go-offline"), " ")
	step.cachesKnown = true
	for _, h := range homeOf(fc.sc) {
		step.caches = append(step.caches, path.Join(h, ".m2"))
	}
	step.cacheMount = step.caches[0]
	if v, set, ok := envPath(fc.sc, "MAVEN_CONFIG"); set && ok {
		step.caches = append(step.caches, v)
	} else if set {
		step.cachesKnown = false
	}
	if repoLocal != "" {
		p := stages.JoinDir(root, repoLocal)
		if p == "" || strings.Contains(repoLocal, "$") {
			step.cachesKnown = false
		} else {
			step.caches = append(step.caches, p)
			step.cacheMount = p
		}
	}
	return step
}

// mavenConfigReason tells why the step cannot run where the build reads
// options the step would read too but whose files are not copied with it:
// .mvn/maven.config (Maven's command-line options, read by every mvn run in
// the project) and MAVEN_ARGS with an option that names a file (-s, -f, -t,
// ... as on the command line) or makes the build offline; .mvn/jvm.config
// and MAVEN_OPTS with a value that looks like a relative path or one the
// source copy brings (-Djavax.net.ssl.trustStore=certs/ca.jks); .mvn/extensions.xml (core
// extensions run in every build and may read the project: its .git, its
// files).
func mavenConfigReason(fc *fetchCtx, root string) string {
	mvnArgs := func(where, text string) string {
		for _, t := range strings.Fields(text) {
			name, _, _ := strings.Cut(t, "=")
			if why, ok := mavenDeclined.Get()[name]; ok {
				return strings.Replace(why, "it ", where+" ", 1)
			}
			if name == "-o" || name == "--offline" {
				return where + " makes the build offline (" + name + ")"
			}
		}
		return ""
	}
	jvmArgs := func(where, text string) string {
		for _, t := range strings.Fields(text) {
			_, val, ok := strings.Cut(t, "=")
			if !ok {
				continue
			}
			if strings.HasPrefix(val, "/") {
				if _, copied := fc.sc.toContext(val); !copied {
					continue // a path in the image, not one the source copy brings
				}
			}
			if strings.ContainsAny(val, "/\\$") || fc.exists(path.Join(root, val)) {
				return where + " names a file (" + t + ")"
			}
		}
		return ""
	}
	if data, ok := fc.read(path.Join(root, ".mvn/maven.config")); ok {
		if why := mvnArgs(".mvn/maven.config", string(data)); why != "" {
			return why
		}
	}
	if data, ok := fc.read(path.Join(root, ".mvn/jvm.config")); ok {
		if why := jvmArgs(".mvn/jvm.config", string(data)); why != "" {
			return why
		}
	}
	if fc.exists(path.Join(root, ".mvn/extensions.xml")) {
		return "it loads core extensions (.mvn/extensions.xml), which may read files that would not be copied"
	}
	for _, name := range []string{"MAVEN_ARGS", "MAVEN_OPTS"} {
		v := stages.EnvAt(fc.sc.Ins, name)
		if !v.Set {
			continue
		}
		if !v.Known {
			return name + " is set to a value dfopt cannot read"
		}
		why := mvnArgs(name, v.Value)
		if name == "MAVEN_OPTS" {
			why = jvmArgs(name, v.Value)
		}
		if why != "" {
			return why
		}
	}
	return ""
}

// pomFile is what the step needs to know of a POM.
type pomFile struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Parent     *struct {
		GroupID      string  `xml:"groupId"`
		ArtifactID   string  `xml:"artifactId"`
		RelativePath *string `xml:"relativePath"`
	} `xml:"parent"`
	Modules  []string `xml:"modules>module"`
	Profiles []struct {
		Modules []string `xml:"modules>module"`
	} `xml:"profiles>profile"`
}

// mavenGA are the groupId:artifactId pairs a POM names as dependencies,
// plugins or their dependencies (anywhere in it).
var mavenGA = lazyre.New(`(?s)<(dependency|plugin|extension)>\s*(.*?)</(dependency|plugin|extension)>`)

// mavenReactor returns the directories (image paths) of the POMs a build
// in root reads, the root first; a reason when go-offline cannot resolve
// them from the POMs alone.
func mavenReactor(fc *fetchCtx, root string) ([]string, string) {
	type module struct {
		dir string
		pom *pomFile
		raw []byte
	}
	var mods []module
	seen := map[string]bool{}
	var visit func(dir string, depth int) string
	visit = func(dir string, depth int) string {
		if seen[dir] {
			return ""
		}
		seen[dir] = true
		if len(mods) >= 100 || depth > 5 {
			return "the build has too many modules"
		}
		if !fc.exists(path.Join(dir, "pom.xml")) {
			return "the module " + relDir(dir, root) + " has no pom.xml in the build context"
		}
		raw, _ := fc.read(path.Join(dir, "pom.xml"))
		var p pomFile
		if err := xml.NewDecoder(bytes.NewReader(raw)).Decode(&p); err != nil {
			return "pom.xml does not parse"
		}
		if bytes.Contains(raw, []byte("<systemPath>")) {
			return "a dependency has a systemPath, in the sources"
		}
		mods = append(mods, module{dir, &p, raw})
		if p.Parent != nil {
			rel := "../pom.xml"
			if p.Parent.RelativePath != nil {
				rel = strings.TrimSpace(*p.Parent.RelativePath)
			}
			if rel != "" {
				pp := stages.JoinDir(dir, rel)
				if !strings.HasSuffix(pp, ".xml") {
					pp = path.Join(pp, "pom.xml")
				}
				if !seen[path.Dir(pp)] && fc.exists(pp) {
					return "its parent POM " + strings.TrimPrefix(pp, "/") + " is outside the build's directory"
				}
			}
		}
		names := append([]string(nil), p.Modules...)
		for _, pr := range p.Profiles {
			names = append(names, pr.Modules...)
		}
		for _, m := range names {
			m = strings.TrimSpace(m)
			if m == "" || strings.ContainsAny(m, "${}") {
				return "a module is named by a property"
			}
			d := stages.JoinDir(dir, m)
			if strings.HasSuffix(d, ".xml") {
				return "a module is named by its POM file"
			}
			if d == "" || !stages.Under(d, root) || d == root {
				return "the module " + m + " is outside the build's directory"
			}
			if why := visit(d, depth+1); why != "" {
				return why
			}
		}
		return ""
	}
	if why := visit(root, 0); why != "" {
		return nil, why
	}
	// What the build makes: go-offline cannot download it.
	made := map[string]string{}
	for _, m := range mods {
		g := m.pom.GroupID
		if g == "" && m.pom.Parent != nil {
			g = m.pom.Parent.GroupID
		}
		made[strings.TrimSpace(g)+":"+strings.TrimSpace(m.pom.ArtifactID)] = m.dir
	}
	var dirs []string
	for _, m := range mods {
		for _, x := range mavenGA.FindAllSubmatch(m.raw, -1) {
			var ga struct {
				GroupID    string `xml:"groupId"`
				ArtifactID string `xml:"artifactId"`
			}
			if xml.Unmarshal([]byte("<x>"+string(x[2])+"</x>"), &ga) != nil {
				continue
			}
			g := strings.TrimSpace(ga.GroupID)
			if g == "${project.groupId}" || g == "${pom.groupId}" {
				g = strings.TrimSpace(m.pom.GroupID)
				if g == "" && m.pom.Parent != nil {
					g = strings.TrimSpace(m.pom.Parent.GroupID)
				}
			}
			if _, ok := made[g+":"+strings.TrimSpace(ga.ArtifactID)]; ok && len(mods) > 1 {
				return nil, "module " + relDir(m.dir, root) + " uses " + strings.TrimSpace(ga.ArtifactID) +
					", which the same build makes: dependency:go-offline cannot download it"
			}
		}
		dirs = append(dirs, relDir(m.dir, root))
	}
	return dirs, ""
}

// relDir is dir relative to root ("." for root itself).
func relDir(dir, root string) string {
	if rel := strings.TrimPrefix(strings.TrimPrefix(dir, root), "/"); rel != "" {
		return rel
	}
	return "."
}
