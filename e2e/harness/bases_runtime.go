package harness

import "context"

// Runtime bases: what multi-stage and slimmer rewrites put their programs
// on, and what builds them. Like the other derived bases they are built
// from Debian bookworm packages the first time a test asks for them.

// BusyboxBaseNames are the FROM names of the busybox base. The first is
// the image whose static busybox `dfopt verify` lends to images without a
// shell for its smoke commands (verify.SmokeShellImage).
var BusyboxBaseNames = []string{"busybox:musl", "busybox:stable-musl", "busybox"}

// BusyboxBaseDockerfile puts Debian's static busybox (busybox-static) on
// an empty image, with its applets linked into /bin like the official
// image.
const BusyboxBaseDockerfile = `FROM debian:bookworm AS get
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static \
 && rm -rf /var/lib/apt/lists/*
FROM scratch
COPY --from=get /bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "/bin"]
CMD ["sh"]
`

// DistrolessBaseNames are the FROM names of the distroless static base.
var DistrolessBaseNames = []string{"gcr.io/distroless/static-debian12", "gcr.io/distroless/static"}

// DistrolessNonrootBaseNames are the FROM names of its nonroot variant.
var DistrolessNonrootBaseNames = []string{"gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/static:nonroot"}

// DistrolessBaseDockerfile makes what gcr.io/distroless/static holds: no
// shell and no package manager, only CA certificates, time zones,
// /etc/services, the root, nonroot (65532) and nobody users, /tmp and
// the nonroot user's home.
const DistrolessBaseDockerfile = `FROM debian:bookworm AS get
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata netbase \
 && rm -rf /var/lib/apt/lists/*
RUN set -e; mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/root /out/home/nonroot; \
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/; \
    cp -r /usr/share/zoneinfo /out/usr/share/; \
    cp /etc/services /etc/protocols /out/etc/; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >/out/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >/out/etc/group; \
    printf 'hosts: files dns\n' >/out/etc/nsswitch.conf; \
    printf '%s\n' 'PRETTY_NAME="Distroless"' 'NAME="Debian GNU/Linux"' 'ID="debian"' 'VERSION_ID="12"' \
      'VERSION="Debian GNU/Linux 12 (bookworm)"' 'HOME_URL="https://github.com/GoogleContainerTools/distroless"' >/out/etc/os-release; \
    chmod 1777 /out/tmp; chmod 0700 /out/root; chown 65532:65532 /out/home/nonroot
FROM scratch
COPY --from=get /out/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
`

// DistrolessNonrootDockerfile is the distroless base run as nonroot.
const DistrolessNonrootDockerfile = `FROM gcr.io/distroless/static-debian12
USER 65532:65532
WORKDIR /home/nonroot
`

// JDKBaseNames are the FROM names of the JDK base.
var JDKBaseNames = []string{"eclipse-temurin:17-jdk", "eclipse-temurin:17", "openjdk:17-jdk-slim"}

// JREBaseNames are the FROM names of the JRE base.
var JREBaseNames = []string{"eclipse-temurin:17-jre"}

// MavenBaseNames are the FROM names of the Maven base.
var MavenBaseNames = []string{"maven:3.8-eclipse-temurin-17", "maven:3-eclipse-temurin-17", "maven:3.8.7-eclipse-temurin-17"}

// javaHome links Debian's JVM directory where the eclipse-temurin images
// keep theirs, and sets JAVA_HOME and PATH as they do.
const javaHome = ` \
 && mkdir -p /opt/java \
 && ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:$PATH
`

// JDKBaseDockerfile installs Debian's OpenJDK 17 (javac, jar, ...).
const JDKBaseDockerfile = `FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*` + javaHome + `CMD ["jshell"]
`

// JREBaseDockerfile installs Debian's OpenJDK 17 runtime only: java, no
// javac.
const JREBaseDockerfile = `FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*` + javaHome

// MavenPlugins are the versions of the plugins Debian packages in its
// Maven repository (/usr/share/maven-repo): a pom.xml must name these for
// a build here, since Maven Central cannot be reached.
var MavenPlugins = map[string]string{
	"maven-resources-plugin": "3.3.0",
	"maven-compiler-plugin":  "3.10.1",
	"maven-surefire-plugin":  "2.22.3",
	"maven-jar-plugin":       "3.3.0",
	"maven-install-plugin":   "3.1.0",
}

// MavenBaseDockerfile installs Debian's Maven 3.8 and the plugins of
// MavenPlugins on the JDK base, and makes Debian's Maven repository the
// mirror of every remote repository: builds resolve from it into
// ~/.m2/repository, as they would from Maven Central.
const MavenBaseDockerfile = `FROM eclipse-temurin:17-jdk
RUN apt-get update \
 && apt-get install -y --no-install-recommends maven libmaven-resources-plugin-java libmaven-compiler-plugin-java \
    libsurefire-java libmaven-jar-plugin-java libmaven-install-plugin-java \
 && rm -rf /var/lib/apt/lists/*
RUN printf '%s\n' '<settings>' '  <mirrors>' '    <mirror>' '      <id>debian</id>' '      <mirrorOf>*</mirrorOf>' \
      '      <url>file:///usr/share/maven-repo</url>' '    </mirror>' '  </mirrors>' '</settings>' >/usr/share/maven/conf/settings.xml
ENV MAVEN_HOME=/usr/share/maven
CMD ["mvn"]
`

// BusyboxBase returns the busybox base layout, building it on first use.
func (e *Env) BusyboxBase(ctx context.Context) (LayoutRef, error) {
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "busybox", Dockerfile: BusyboxBaseDockerfile})
}

// DistrolessBase returns the distroless static base layout, building it
// on first use.
func (e *Env) DistrolessBase(ctx context.Context) (LayoutRef, error) {
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "distroless", Dockerfile: DistrolessBaseDockerfile})
}

// DistrolessNonrootBase returns the nonroot distroless base layout,
// building it on first use.
func (e *Env) DistrolessNonrootBase(ctx context.Context) (LayoutRef, error) {
	d, err := e.DistrolessBase(ctx)
	if err != nil {
		return LayoutRef{}, err
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "distroless-nonroot", Dockerfile: DistrolessNonrootDockerfile,
		Contexts: map[string]LayoutRef{DistrolessBaseNames[0]: d}})
}

// JDKBase returns the JDK base layout, building it on first use.
func (e *Env) JDKBase(ctx context.Context) (LayoutRef, error) {
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "jdk", Dockerfile: JDKBaseDockerfile})
}

// JREBase returns the JRE base layout, building it on first use.
func (e *Env) JREBase(ctx context.Context) (LayoutRef, error) {
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "jre", Dockerfile: JREBaseDockerfile})
}

// MavenBase returns the Maven base layout, building it (and the JDK base)
// on first use.
func (e *Env) MavenBase(ctx context.Context) (LayoutRef, error) {
	jdk, err := e.JDKBase(ctx)
	if err != nil {
		return LayoutRef{}, err
	}
	return e.EnsureDerivedBase(ctx, DerivedBase{Name: "maven", Dockerfile: MavenBaseDockerfile,
		Contexts: map[string]LayoutRef{JDKBaseNames[0]: jdk}})
}
