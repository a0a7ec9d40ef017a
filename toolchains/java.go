package toolchains

import (
	"encoding/xml"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
)

// Java: the runtime image of a JDK build image, what Maven and Gradle
// build, and the files a java command line names.

// JavaRuntime is the JRE image of the same vendor and version as a JDK
// build image (eclipse-temurin, openjdk, and the maven and gradle images
// built on them).
type JavaRuntime struct {
	// Image is the JRE image ("eclipse-temurin:17-jre-jammy").
	Image string
	// Version is the Java feature version (8, 11, 17, 21, ...).
	Version int
	// Unknown says why there is none ("" when there is).
	Unknown string
}

var (
	temurinTag = lazyre.New(`^(\d+)((?:[._]\d+)*(?:_\d+)?)(-jdk)?((?:-[a-z0-9.]+)*)$`)
	mavenTag   = lazyre.New(`^(?:\d+(?:\.\d+)*-)?(eclipse-temurin|openjdk|jdk|amazoncorretto|ibmjava|ibm-semeru|sapmachine|graalvm-ce|graalvm-community)-?(\d+)?((?:-[a-z0-9.]+)*)$`)
	gradleTag  = lazyre.New(`^(?:\d+(?:\.\d+)*-)?jdk(\d+)((?:-[a-z0-9.]+)*)$`)
)

// JavaRuntimeOf tells the JRE image for a build image (short name and
// tag, as stages.ImageTag gives them).
func JavaRuntimeOf(name, tag string) JavaRuntime {
	switch name {
	case "eclipse-temurin":
		m := temurinTag.FindStringSubmatch(tag)
		if m == nil {
			return JavaRuntime{Unknown: "its tag does not name a Java version"}
		}
		v, _ := strconv.Atoi(m[1])
		return JavaRuntime{Image: "eclipse-temurin:" + m[1] + m[2] + "-jre" + m[4], Version: v}
	case "openjdk":
		m := temurinTag.FindStringSubmatch(tag)
		if m == nil {
			return JavaRuntime{Unknown: "its tag does not name a Java version"}
		}
		v, _ := strconv.Atoi(m[1])
		if v > 11 {
			return JavaRuntime{Version: v, Unknown: fmt.Sprintf("openjdk publishes no JRE image of Java %d", v)}
		}
		return JavaRuntime{Image: "openjdk:" + m[1] + m[2] + "-jre" + m[4], Version: v}
	case "maven":
		m := mavenTag.FindStringSubmatch(tag)
		if m == nil || m[2] == "" {
			return JavaRuntime{Unknown: "its tag does not name the JDK it is built on"}
		}
		v, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "eclipse-temurin":
			return JavaRuntime{Image: "eclipse-temurin:" + m[2] + "-jre" + m[3], Version: v}
		case "openjdk", "jdk":
			return JavaRuntimeOf("openjdk", m[2]+m[3])
		}
		return JavaRuntime{Version: v, Unknown: "no JRE image of " + m[1] + " is known"}
	case "gradle":
		m := gradleTag.FindStringSubmatch(tag)
		if m == nil {
			return JavaRuntime{Unknown: "its tag does not name the JDK it is built on"}
		}
		v, _ := strconv.Atoi(m[1])
		for _, other := range []string{"-corretto", "-graal", "-ubi", "-noble-graal"} {
			if strings.Contains(m[2], other) {
				return JavaRuntime{Version: v, Unknown: "no JRE image of the JDK of gradle:" + tag + " is known"}
			}
		}
		// The gradle images are built on eclipse-temurin's JDK.
		return JavaRuntime{Image: "eclipse-temurin:" + m[1] + "-jre" + m[2], Version: v}
	}
	return JavaRuntime{Unknown: name + " is not a JDK image dfopt knows"}
}

// JavaImage reports whether an image is a JDK build image: one whose JRE
// JavaRuntimeOf may know (a JRE image is not).
func JavaImage(name, tag string) bool {
	switch name {
	case "maven", "gradle":
		return true
	case "eclipse-temurin", "openjdk", "amazoncorretto":
		return !strings.Contains(tag, "jre")
	}
	return false
}

// JavaBuild is a Maven or Gradle command that builds the project in its
// directory.
type JavaBuild struct {
	// Tool is "maven" or "gradle".
	Tool string
	// Dir is the project directory (the -f/-p option resolved against
	// the command's directory), "" when not known.
	Dir string
	// Packages: it builds the project's archives (mvn package, install,
	// verify, deploy; gradle build, assemble, jar, bootJar, shadowJar,
	// ...).
	Packages bool
	// Unknown says why what it builds cannot be told ("" when it can).
	Unknown string
}

var (
	mavenValued  = []string{"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-t", "--toolchains", "-l", "--log-file", "-T", "--threads", "-pl", "--projects", "-rf", "--resume-from", "-P", "--activate-profiles", "-D", "--define", "-b", "--builder"}
	gradleValued = []string{"-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home", "-x", "--exclude-task", "-D", "-P", "-I", "--init-script", "--console", "--warning-mode", "--max-workers", "--priority"}
)

// JavaBuildOf reads a Maven (mvn, mvnw) or Gradle (gradle, gradlew)
// command run in dir; ok is false for other commands.
func JavaBuildOf(c *shellparse.Command, dir string) (b JavaBuild, ok bool) {
	var valued []string
	switch strings.TrimSuffix(c.Name, ".cmd") {
	case "mvn", "mvnw":
		b.Tool, valued = "maven", mavenValued
	case "gradle", "gradlew":
		b.Tool, valued = "gradle", gradleValued
	default:
		return b, false
	}
	b.Dir = dir
	for i := 0; i < len(c.Args); i++ {
		if !c.Static[i] {
			b.Unknown = "a word of it is not literal"
			continue
		}
		a := c.Lits[i]
		if !strings.HasPrefix(a, "-") {
			if b.Tool == "gradle" && strings.Count(strings.TrimPrefix(a, ":"), ":") > 0 {
				b.Unknown = "it builds a subproject (" + a + ")"
			}
			if javaPackages(b.Tool, a) {
				b.Packages = true
			}
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if slices.Contains(valued, name) && !hasVal && i+1 < len(c.Args) {
			i++
			val = c.Lits[i]
		}
		switch name {
		case "-f", "--file":
			if b.Tool == "maven" {
				p := Resolve(dir, val)
				if strings.HasSuffix(val, ".xml") {
					p = path.Dir(p)
				}
				b.Dir = p
			}
		case "-p", "--project-dir":
			if b.Tool == "gradle" {
				b.Dir = Resolve(dir, val)
			}
		case "-pl", "--projects", "-rf", "--resume-from":
			b.Unknown = "it builds some modules of a multi-module project"
		case "-b", "--build-file":
			if b.Tool == "gradle" {
				b.Unknown = "it names another build file"
			}
		}
	}
	return b, true
}

// javaPackages reports a Maven phase or Gradle task that builds the
// project's archives.
func javaPackages(tool, goal string) bool {
	if tool == "maven" {
		switch goal {
		case "package", "install", "verify", "deploy", "spring-boot:repackage", "assembly:single", "shade:shade":
			return true
		}
		return false
	}
	task := goal[strings.LastIndex(goal, ":")+1:] // :bootJar, :app:bootJar
	switch task {
	case "build", "assemble", "jar", "bootJar", "shadowJar", "war", "bootWar":
		return true
	}
	return false
}

// POM is what dfopt reads of a Maven project's pom.xml.
type POM struct {
	ArtifactID string
	Version    string
	Packaging  string
	FinalName  string
	Modules    []string
	// ClassPath: the jar plugin adds a Class-Path to the manifest
	// (<addClasspath>), so the jar needs files beside it.
	ClassPath bool
}

type pomXML struct {
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Packaging  string `xml:"packaging"`
	Parent     struct {
		Version string `xml:"version"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Build struct {
		FinalName string `xml:"finalName"`
	} `xml:"build"`
	Modules []string `xml:"modules>module"`
}

var pomProperty = lazyre.New(`\$\{([^}]+)\}`)

// ParsePOM reads a pom.xml; it returns nil when it does not parse.
func ParsePOM(data []byte) *POM {
	var x pomXML
	if err := xml.Unmarshal(data, &x); err != nil {
		return nil
	}
	props := map[string]string{}
	for _, e := range x.Properties.Entries {
		props[e.XMLName.Local] = strings.TrimSpace(e.Value)
	}
	p := &POM{ArtifactID: strings.TrimSpace(x.ArtifactID), Version: strings.TrimSpace(x.Version),
		Packaging: strings.TrimSpace(x.Packaging), FinalName: strings.TrimSpace(x.Build.FinalName), Modules: x.Modules}
	if p.Version == "" {
		p.Version = strings.TrimSpace(x.Parent.Version)
	}
	if p.Packaging == "" {
		p.Packaging = "jar"
	}
	props["project.artifactId"], props["project.version"], props["pom.artifactId"], props["pom.version"] = p.ArtifactID, p.Version, p.ArtifactID, p.Version
	expand := func(s string) string {
		for i := 0; i < 5 && strings.Contains(s, "${"); i++ {
			s = pomProperty.ReplaceAllStringFunc(s, func(m string) string {
				if v, ok := props[m[2:len(m)-1]]; ok {
					return v
				}
				return m
			})
		}
		return s
	}
	p.Version, p.FinalName = expand(p.Version), expand(p.FinalName)
	p.ClassPath = strings.Contains(string(data), "<addClasspath>true")
	return p
}

// Jar is the file name of the archive the project builds in target/, or
// "" when it cannot be told (a property it cannot expand).
func (p *POM) Jar() string {
	name := p.FinalName
	if name == "" {
		name = p.ArtifactID + "-" + p.Version
	}
	if strings.Contains(name, "${") || p.ArtifactID == "" || p.FinalName == "" && p.Version == "" {
		return ""
	}
	return name + "." + p.Packaging
}

// JavaCommand is what a java command line names.
type JavaCommand struct {
	// Jar is the -jar file ("" when the command names a main class).
	Jar string
	// ClassPath are the -cp entries.
	ClassPath []string
	// Agents are -javaagent files.
	Agents []string
	// Args are the program's arguments.
	Args []string
	// Unknown says why it cannot be read ("" when it can).
	Unknown string
}

// JavaCommandOf reads the arguments of java (argv without the program).
func JavaCommandOf(args []string) JavaCommand {
	var jc JavaCommand
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-jar":
			if i+1 >= len(args) {
				jc.Unknown = "-jar names no file"
				return jc
			}
			jc.Jar = args[i+1]
			jc.Args = args[i+2:]
			return jc
		case a == "-cp" || a == "-classpath" || a == "--class-path":
			if i+1 < len(args) {
				jc.ClassPath = append(jc.ClassPath, strings.Split(args[i+1], ":")...)
				i++
			}
		case strings.HasPrefix(a, "-javaagent:"):
			agent, _, _ := strings.Cut(strings.TrimPrefix(a, "-javaagent:"), "=")
			jc.Agents = append(jc.Agents, agent)
		case strings.HasPrefix(a, "@"):
			jc.Unknown = "it reads options from the file " + a[1:]
			return jc
		case a == "--module-path" || a == "-p" || a == "--module" || a == "-m" || a == "--add-modules" ||
			a == "--add-opens" || a == "--add-exports" || a == "--add-reads" || a == "--enable-native-access":
			if a == "--module-path" || a == "-p" || a == "--module" || a == "-m" {
				jc.Unknown = "it runs a module"
				return jc
			}
			i++
		case strings.HasPrefix(a, "-"):
		default:
			jc.Args = args[i+1:] // the main class, then the program's arguments
			return jc
		}
	}
	if jc.Jar == "" && len(jc.ClassPath) == 0 {
		jc.Unknown = "it names neither a jar nor a class path"
	}
	return jc
}

// JavaBuildFile reports whether a file of a Maven or Gradle project (a
// path relative to the directory copied) is build input or project
// metadata that the program does not read at run time: sources (src/,
// packaged into the jar), build files and wrappers, documentation, CI and
// editor settings.
func JavaBuildFile(rel string) bool {
	base := path.Base(rel)
	first, _, _ := strings.Cut(rel, "/")
	switch first {
	case "src", ".mvn", "gradle", ".gradle", ".git", ".github", ".gitlab", ".circleci", ".idea", ".vscode", ".devcontainer", ".settings":
		return true
	}
	switch base {
	case "pom.xml", "mvnw", "mvnw.cmd", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
		"gradle.properties", "gradlew", "gradlew.bat", "lombok.config", ".dockerignore", ".gitignore", ".gitattributes",
		".editorconfig", ".classpath", ".project", "checkstyle.xml", "spotbugs-exclude.xml", "Jenkinsfile",
		".travis.yml", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", "HELP.md":
		return true
	}
	if path.Ext(base) == ".md" || path.Ext(base) == ".iml" {
		return true
	}
	upper := strings.ToUpper(base)
	for _, p := range []string{"LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS", "README", "CHANGELOG", "DOCKERFILE", "CONTAINERFILE"} {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return strings.HasSuffix(base, ".Dockerfile") || strings.HasSuffix(base, ".dockerfile")
}

// JavaToolchainEnv reports an environment variable that only the build
// tools read (Maven's and Gradle's), not the program: MAVEN_OPTS,
// GRADLE_OPTS, ... JAVA_OPTS and JAVA_TOOL_OPTIONS are the program's.
func JavaToolchainEnv(key string) bool {
	switch key {
	case "MAVEN_OPTS", "MAVEN_CONFIG", "MAVEN_HOME", "M2_HOME", "MAVEN_ARGS", "MAVEN_VERSION", "MAVEN_SHA",
		"MAVEN_BASE_URL", "GRADLE_OPTS", "GRADLE_HOME", "GRADLE_USER_HOME", "GRADLE_VERSION":
		return true
	}
	return false
}

// JavaBuildPackages are distribution packages a Java build uses that the
// program does not.
var JavaBuildPackages = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"git": true, "ca-certificates": true, "maven": true, "gradle": true, "curl": true, "wget": true,
		"unzip": true, "zip": true, "binutils": true, "openssh-client": true, "gnupg": true,
	}
}}
