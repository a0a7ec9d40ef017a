package toolchains

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/shellparse"
	"github.com/stretchr/testify/require"
)

func commands(t *testing.T, src string) []*shellparse.Command {
	t.Helper()
	p, err := shellparse.Parse(src)
	require.NoError(t, err)
	return shellparse.Commands(p)
}

func TestGoArtifact(t *testing.T) {
	mods := map[string]*GoModule{
		"/src":     {Path: "example.com/tool/v2"},
		"/app":     {Path: "github.com/acme/shop"},
		"/app/sub": {Path: "example.com/sub"},
	}
	module := func(d string) *GoModule { return mods[d] }
	for _, c := range []struct{ cmd, dir, want, unknown string }{
		{"go build whatsmyip.go", "/go", "/go/whatsmyip", ""},
		{"go build -o /usr/local/bin/app .", "/src", "/usr/local/bin/app", ""},
		{"go build -o=app ./cmd/server", "/src", "/src/app", ""},
		{"go build -o bin/ ./cmd/server", "/src", "/src/bin/server", ""},
		{"go build", "/src", "/src/tool", ""},
		{"go build .", "/app", "/app/shop", ""},
		{"go build ./cmd/api", "/app", "/app/api", ""},
		{"go build ./pkg", "/app/sub", "/app/sub/pkg", ""},
		{"go install ./cmd/tool", "/src", "/go/bin/tool", ""},
		{"go install golang.org/x/tools/cmd/stringer@latest", "", "/go/bin/stringer", ""},
		{"go build -C cmd/x -o /x .", "/src", "/x", ""},
		{"go build ./...", "/src", "", ""},
		{"go build -o /out ./...", "/src", "", "pattern"},
		{"go build -o /out ./a ./b", "/src", "", "several packages to one file"},
		{"go build -buildmode=plugin -o p.so .", "/src", "", "buildmode"},
		{"go build -o $OUT .", "/src", "", "not literal"},
		{"go build", "/elsewhere", "", "no go.mod"},
		{"go build main.go", "", "", "not known"},
	} {
		gc, ok := GoCommandOf(commands(t, c.cmd)[0])
		require.True(t, ok, c.cmd)
		a := gc.Artifact(c.dir, module, "/go/bin")
		require.Equal(t, c.want, a.Path, c.cmd)
		if c.unknown == "" {
			require.Empty(t, a.Unknown, c.cmd)
		} else {
			require.Contains(t, a.Unknown, c.unknown, c.cmd)
		}
	}
	_, ok := GoCommandOf(commands(t, "go mod download")[0])
	require.False(t, ok)
}

func TestGoCommandFlags(t *testing.T) {
	gc, _ := GoCommandOf(commands(t, `CGO_ENABLED=0 go build -race -ldflags "-linkmode external -extldflags -static" -o app .`)[0])
	require.Equal(t, "0", gc.Cgo)
	require.True(t, gc.Race)
	require.True(t, gc.ExternalLink)
	gc, _ = GoCommandOf(commands(t, `env CGO_ENABLED=1 go build -o "$APP" .`)[0])
	require.Equal(t, "1", gc.Cgo)
	require.False(t, gc.Static)
	require.Equal(t, []string{"APP"}, gc.Variables)
}

func TestGoExecName(t *testing.T) {
	require.Equal(t, "tool", GoExecName("example.com/tool/v2"))
	require.Equal(t, "v1", GoExecName("example.com/x/v1"))
	require.Equal(t, "hugo", GoExecName("github.com/gohugoio/hugo"))
}

func TestParseGoMod(t *testing.T) {
	m := ParseGoMod([]byte("// c\nmodule \"example.com/a\" // x\n\ngo 1.22\n\nrequire github.com/x/y v1.0.0\nrequire (\n\tgithub.com/mattn/go-sqlite3 v1.14.22 // indirect\n\tgolang.org/x/net v0.1.0\n)\n"))
	require.Equal(t, "example.com/a", m.Path)
	require.Equal(t, []string{"github.com/x/y", "github.com/mattn/go-sqlite3", "golang.org/x/net"}, m.Requires)
	require.True(t, CgoModule("github.com/mattn/go-sqlite3"))
	require.True(t, CgoModule("github.com/go-gl/glfw/v3.3"))
	require.False(t, CgoModule("github.com/mattn/go-isatty"))
	require.Nil(t, ParseGoMod([]byte("go 1.22\n")))
}

func TestGoModuleGraph(t *testing.T) {
	// Only a module's go.mod hash: in the graph, not downloaded nor built.
	sum := "gorm.io/gorm v1.21.3 h1:x=\ngorm.io/gorm v1.21.3/go.mod h1:y=\n\ngithub.com/mattn/go-sqlite3 v1.14.5/go.mod h1:z=\n"
	require.Equal(t, []string{"gorm.io/gorm"}, GoModuleGraph([]byte(sum)))
	sum += "github.com/mattn/go-sqlite3 v1.14.5 h1:w=\n"
	require.Equal(t, []string{"gorm.io/gorm", "github.com/mattn/go-sqlite3"}, GoModuleGraph([]byte(sum)))
	vendor := "# gorm.io/driver/sqlite v1.1.4\n## explicit\ngorm.io/driver/sqlite\n# github.com/mattn/go-sqlite3 v1.14.5\ngithub.com/mattn/go-sqlite3\ngithub.com/mattn/go-sqlite3/sqlite3_test\n"
	require.Equal(t, []string{"gorm.io/driver/sqlite", "github.com/mattn/go-sqlite3"}, GoModuleGraph([]byte(vendor)))
	// An explicit requirement with no package vendored.
	vendor = "# github.com/mattn/go-sqlite3 v1.14.5\n## explicit; go 1.16\n# gorm.io/gorm v1.21.3\n## explicit\ngorm.io/gorm\n"
	require.Equal(t, []string{"gorm.io/gorm"}, GoModuleGraph([]byte(vendor)))
	require.True(t, CgoModule("gorm.io/driver/sqlite"))
}

func TestGoBuildFile(t *testing.T) {
	for _, f := range []string{"main.go", "go.mod", "vendor/x/y.txt", "README.md", "LICENSE", "cmd/x/testdata/in.json", ".github/workflows/ci.yml", "Dockerfile", "app.Dockerfile"} {
		require.True(t, GoBuildFile(f), f)
	}
	for _, f := range []string{"config.yaml", "templates/index.html", "static/app.css", "migrations/001.sql"} {
		require.False(t, GoBuildFile(f), f)
	}
}

func TestSteps(t *testing.T) {
	p, err := shellparse.Parse("cd src && go build -o app . && (cd x && make) && go vet ./... && cd $D && go build")
	require.NoError(t, err)
	var dirs []string
	for _, s := range Steps(p, "/w") {
		dirs = append(dirs, s.Cmd.Name+"@"+s.Dir)
	}
	require.Equal(t, "cd@/w go@/w/src cd@/w/src make@ go@ cd@ go@", strings.Join(dirs, " "))
}

func TestInstallOf(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		want []string
	}{
		{"apt-get install -y --no-install-recommends git ca-certificates=2023 gcc", []string{"git", "ca-certificates", "gcc"}},
		{"apt-get -o Dpkg::Options::=--force-confold -y install make", []string{"make"}},
		{"apk add --no-cache --virtual .build-deps gcc musl-dev", []string{"gcc", "musl-dev"}},
		{"apk add -t deps git", []string{"git"}},
	} {
		in, ok := InstallOf(commands(t, c.cmd)[0])
		require.True(t, ok, c.cmd)
		require.Equal(t, c.want, in.Packages, c.cmd)
	}
	_, ok := InstallOf(commands(t, "apt-get update")[0])
	require.False(t, ok)

	// The words as written, and the options that choose versions.
	in, _ := InstallOf(commands(t, "apt-get install -y -t bookworm-backports --no-install-recommends -o A::B=1 curl/bookworm-backports jq=1.6-2.1 -q git")[0])
	require.Equal(t, []string{"curl", "jq", "git"}, in.Packages)
	require.Equal(t, []string{"curl/bookworm-backports", "jq=1.6-2.1", "git"}, in.Words)
	require.Equal(t, []string{"-t", "bookworm-backports", "-o", "A::B=1"}, in.Select)
	in, _ = InstallOf(commands(t, "apt-get install --target-release=trixie -y x")[0])
	require.Equal(t, []string{"--target-release=trixie"}, in.Select)
	in, _ = InstallOf(commands(t, `apt-get install -t "$REL" x`)[0])
	require.False(t, in.Static)
}

func TestJavaRuntimeOf(t *testing.T) {
	for _, c := range []struct{ name, tag, want, unknown string }{
		{"eclipse-temurin", "17", "eclipse-temurin:17-jre", ""},
		{"eclipse-temurin", "17-jdk", "eclipse-temurin:17-jre", ""},
		{"eclipse-temurin", "21-jdk-jammy", "eclipse-temurin:21-jre-jammy", ""},
		{"eclipse-temurin", "17.0.9_9-jdk-alpine", "eclipse-temurin:17.0.9_9-jre-alpine", ""},
		{"eclipse-temurin", "latest", "", "tag"},
		{"maven", "3.9-eclipse-temurin-17", "eclipse-temurin:17-jre", ""},
		{"maven", "3.9.6-eclipse-temurin-21-alpine", "eclipse-temurin:21-jre-alpine", ""},
		{"maven", "3-jdk-8", "openjdk:8-jre", ""},
		{"maven", "3.6-jdk-11-slim", "openjdk:11-jre-slim", ""},
		{"maven", "3.8-openjdk-17", "", "openjdk publishes no JRE"},
		{"maven", "3", "", "tag"},
		{"maven", "3-amazoncorretto-17", "", "amazoncorretto"},
		{"gradle", "8.5-jdk17", "eclipse-temurin:17-jre", ""},
		{"gradle", "jdk21-alpine", "eclipse-temurin:21-jre-alpine", ""},
		{"gradle", "8-jdk17-corretto", "", "no JRE"},
		{"gradle", "8.5", "", "tag"},
		{"openjdk", "8-jdk", "openjdk:8-jre", ""},
		{"openjdk", "11-jdk-slim", "openjdk:11-jre-slim", ""},
		{"openjdk", "8", "openjdk:8-jre", ""},
		{"openjdk", "17-jdk-slim", "", "no JRE image of Java 17"},
	} {
		rt := JavaRuntimeOf(c.name, c.tag)
		require.Equal(t, c.want, rt.Image, c.name+":"+c.tag)
		if c.unknown != "" {
			require.Contains(t, rt.Unknown, c.unknown, c.name+":"+c.tag)
		}
	}
	require.False(t, JavaImage("eclipse-temurin", "17-jre"))
	require.True(t, JavaImage("maven", "3"))
}

func TestJavaBuildOf(t *testing.T) {
	for _, c := range []struct {
		cmd, dir  string
		packages  bool
		want, why string
	}{
		{"mvn -B package -DskipTests", "/app", true, "/app", ""},
		{"./mvnw -q clean install", "/app", true, "/app", ""},
		{"mvn -f api/pom.xml package", "/app", true, "/app/api", ""},
		{"mvn dependency:go-offline", "/app", false, "/app", ""},
		{"mvn -pl api -am package", "/app", true, "/app", "modules"},
		{"gradle bootJar --no-daemon", "/src", true, "/src", ""},
		{"./gradlew :build -x test", "/src", true, "/src", ""},
		{"./gradlew :app:bootJar", "/src", true, "/src", "subproject"},
		{"gradle -p service build", "/src", true, "/src/service", ""},
		{"gradle dependencies", "/src", false, "/src", ""},
	} {
		b, ok := JavaBuildOf(commands(t, c.cmd)[0], c.dir)
		require.True(t, ok, c.cmd)
		require.Equal(t, c.packages, b.Packages, c.cmd)
		require.Equal(t, c.want, b.Dir, c.cmd)
		if c.why != "" {
			require.Contains(t, b.Unknown, c.why, c.cmd)
		} else {
			require.Empty(t, b.Unknown, c.cmd)
		}
	}
}

func TestParsePOM(t *testing.T) {
	p := ParsePOM([]byte(`<project><parent><version>3.2</version></parent><artifactId>demo</artifactId>
<properties><revision>1.4</revision><name>x-${revision}</name></properties>
<build><finalName>${project.artifactId}-${name}</finalName></build></project>`))
	require.Equal(t, "demo-x-1.4.jar", p.Jar())
	p = ParsePOM([]byte(`<project><artifactId>a</artifactId><version>1</version><packaging>war</packaging></project>`))
	require.Equal(t, "a-1.war", p.Jar())
	p = ParsePOM([]byte(`<project><artifactId>a</artifactId><version>${unknown}</version></project>`))
	require.Equal(t, "", p.Jar())
	require.Nil(t, ParsePOM([]byte("<project>")))
}

func TestJavaCommandOf(t *testing.T) {
	jc := JavaCommandOf([]string{"-Xmx512m", "-javaagent:/otel.jar=x", "-jar", "app.jar", "--port", "80"})
	require.Equal(t, "app.jar", jc.Jar)
	require.Equal(t, []string{"/otel.jar"}, jc.Agents)
	require.Equal(t, []string{"--port", "80"}, jc.Args)
	jc = JavaCommandOf([]string{"-cp", "target/classes:target/dependency/*", "com.example.Main", "x"})
	require.Equal(t, []string{"target/classes", "target/dependency/*"}, jc.ClassPath)
	require.Equal(t, []string{"x"}, jc.Args)
	require.Contains(t, JavaCommandOf([]string{"@args"}).Unknown, "file")
	require.Contains(t, JavaCommandOf([]string{"-m", "app/app.Main"}).Unknown, "module")
}

func TestNodeTags(t *testing.T) {
	for tag, want := range map[string]string{"": "slim", "18": "18-slim", "20-bookworm": "20-bookworm-slim", "lts": "lts-slim",
		"18-alpine": "18-alpine", "20-slim": "20-slim"} {
		got, ok := NodeSlimTag(tag)
		require.True(t, ok, tag)
		require.Equal(t, want, got, tag)
	}
	require.Equal(t, 18, NodeMajor("18.19.0-bookworm"))
	require.Equal(t, 20, NodeMajor("iron-slim"))
	require.Equal(t, 20, NodeMajor("lts-iron"))
	require.Equal(t, 0, NodeMajor("lts"))
}

func TestNodeStepOf(t *testing.T) {
	for _, c := range []struct {
		cmd                  string
		install, prod, other bool
		script               string
	}{
		{"npm ci", true, false, false, ""},
		{"npm install --no-audit", true, false, false, ""},
		{"npm install express", false, false, true, ""},
		{"npm ci --omit=dev", true, true, false, ""},
		{"npm run build", false, false, false, "build"},
		{"yarn", true, false, false, ""},
		{"yarn install --frozen-lockfile", true, false, false, ""},
		{"yarn build", false, false, false, "build"},
		{"yarn add left-pad", false, false, true, ""},
		{"pnpm install --frozen-lockfile", true, false, false, ""},
		{"pnpm build", false, false, false, "build"},
		{"pnpm run lint", false, false, false, "lint"},
		{"npm install -g pnpm", false, false, true, ""},
		{"npm prune --omit=dev", false, true, false, ""},
		{"npm prune", false, false, true, ""},
		{"pnpm prune --prod", false, true, false, ""},
		{"npm prune left-pad --omit=dev", false, true, true, ""},
	} {
		s, ok := NodeStepOf(commands(t, c.cmd)[0])
		require.True(t, ok, c.cmd)
		require.Equal(t, []any{c.install, c.prod, c.other, c.script}, []any{s.Install, s.Production, s.Other, s.Script}, c.cmd)
		require.Equal(t, strings.HasSuffix(c.cmd, "prune --omit=dev") || strings.HasSuffix(c.cmd, "prune --prod"), s.Prune, c.cmd)
	}
	require.Equal(t, "dist/a.js", NodeScriptFile([]string{"--enable-source-maps", "-r", "dotenv/config", "dist/a.js", "x"}))
	require.Equal(t, "", NodeScriptFile([]string{"-e", "1"}))
	words, ok := NodeScriptCommand("node dist/index.js --port 80")
	require.True(t, ok)
	require.Equal(t, []string{"node", "dist/index.js", "--port", "80"}, words)
	_, ok = NodeScriptCommand("NODE_ENV=production node dist/index.js")
	require.False(t, ok)
}

func TestNodeBuildFile(t *testing.T) {
	for _, f := range []string{"src/index.ts", "package.json", "tsconfig.build.json", "vite.config.ts", ".eslintrc.cjs", "jest.config.js", "README.md"} {
		require.True(t, NodeBuildFile(f), f)
	}
	for _, f := range []string{"public/index.html", "views/a.ejs", ".env", "server.js", "config/default.json"} {
		require.False(t, NodeBuildFile(f), f)
	}
}

func TestPython(t *testing.T) {
	for tag, want := range map[string]string{"": "slim", "3.11": "3.11-slim", "3.12-bookworm": "3.12-slim-bookworm", "3.11-slim": "3.11-slim", "3": "3-slim"} {
		got, ok := PythonSlimTag(tag)
		require.True(t, ok, tag)
		require.Equal(t, want, got, tag)
	}
	_, ok := PythonSlimTag("3.11-alpine")
	require.False(t, ok)

	p, ok := PipInstallOf(commands(t, "python -m pip install --no-cache-dir -r requirements.txt -e ./lib flask==3")[0])
	require.True(t, ok)
	require.Equal(t, []string{"requirements.txt"}, p.Requirements)
	require.Equal(t, []string{"./lib", "flask==3"}, p.Packages)
	p, _ = PipInstallOf(commands(t, "pip3 install --user x")[0])
	require.Equal(t, "--user", p.Elsewhere)
	p, _ = PipInstallOf(commands(t, "/usr/local/bin/pip install x")[0])
	require.True(t, p.Absolute)
	_, ok = PipInstallOf(commands(t, "pip freeze")[0])
	require.False(t, ok)

	require.Equal(t, []string{"psycopg2", "requests", "django"}, RequirementNames([]byte("# c\npsycopg2[binary]>=2.9 # db\n-r base.txt\nRequests\n\nDjango==5.0 ; python_version > '3'\nhttps://x/y.whl\n")))
}

func TestUnpackedArchives(t *testing.T) {
	for cmd, want := range map[string][]string{
		"tar -xzvf jdk-8u231-linux-x64.tar.gz -C /usr/local": {"jdk-8u231-linux-x64.tar.gz"},
		"tar xf /tmp/a.tar.xz":                               {"/tmp/a.tar.xz"},
		"tar --extract --file a.tgz":                         {"a.tgz"},
		"tar -x --file=a.tar.bz2":                            {"a.tar.bz2"},
		"unzip -q app.zip -d /opt":                           {"app.zip"},
		"tar -czf out.tar.gz dir":                            nil,
		"tar -tf a.tar":                                      nil,
		"gzip -d a.gz":                                       nil,
	} {
		require.Equal(t, want, UnpackedArchives(commands(t, cmd)[0]), cmd)
	}
}
