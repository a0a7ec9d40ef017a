package stages

import (
	"strings"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/internal/lazy"
)

// Image is what is known about a base image's configuration.
type Image struct {
	// Name is the repository's short name ("node") and Tag its tag ("" when
	// none).
	Name, Tag string
	// User is the default USER ("" = root).
	User string
	// Homes maps users the image has to their home directories.
	Homes map[string]string
	// Env holds environment variables the image sets that passes ask
	// about (not all of them).
	Env map[string]string
	// Workdir is the image's working directory, "" when not known.
	Workdir string
	// UIDs maps users the image has to their numeric ids.
	UIDs map[string]string
}

// knownImages are images whose default user (root unless User says) and
// relevant environment are known, by repository as written after the
// registry and "library/" are stripped. Images that set a non-root USER
// (haproxy, memcached, sonarqube, solr, ...) are not listed.
var knownImages = lazy.Value[map[string]Image]{New: func() map[string]Image {
	images := make(map[string]Image, 72) // room for every entry (66): no growth
	for _, n := range []string{
		// distributions
		"alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "rockylinux", "almalinux",
		"amazonlinux", "oraclelinux", "archlinux", "photon", "clearlinux", "buildpack-deps",
		"opensuse/leap", "opensuse/tumbleweed",
		// languages
		"python", "pypy", "php", "golang", "rust", "perl", "openjdk", "eclipse-temurin",
		"amazoncorretto", "maven", "gradle", "elixir", "erlang", "haskell", "clojure", "julia",
		"r-base", "swift", "dart", "mono", "gcc", "bash",
		// servers the library runs as root (their entrypoints drop privileges)
		"nginx", "httpd", "redis", "postgres", "mysql", "mariadb", "mongo", "wordpress", "drupal",
		"tomcat", "docker", "traefik", "caddy", "rabbitmq", "ghost",
		// outside the library
		"nvidia/cuda", "mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/aspnet",
		"mcr.microsoft.com/dotnet/runtime", "registry.access.redhat.com/ubi8/ubi",
		"registry.access.redhat.com/ubi9/ubi", "registry.access.redhat.com/ubi8",
		"registry.access.redhat.com/ubi9", "registry.access.redhat.com/ubi8/ubi-minimal",
		"registry.access.redhat.com/ubi9/ubi-minimal",
	} {
		images[n] = Image{}
	}
	images["node"] = Image{Homes: map[string]string{"node": "/home/node"}, UIDs: map[string]string{"node": "1000"}}
	// Where the Go and Rust images keep their tools' caches.
	images["golang"] = Image{Env: map[string]string{"GOPATH": "/go"}}
	images["rust"] = Image{Env: map[string]string{"CARGO_HOME": "/usr/local/cargo", "RUSTUP_HOME": "/usr/local/rustup"}}
	images["ruby"] = Image{Env: map[string]string{"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle"}}
	images["maven"] = Image{Env: map[string]string{"MAVEN_HOME": "/usr/share/maven", "MAVEN_CONFIG": "/root/.m2"}}
	images["composer"] = Image{Env: map[string]string{"COMPOSER_HOME": "/tmp"}, Workdir: "/app"}
	for n, wd := range map[string]string{
		"alpine": "/", "debian": "/", "ubuntu": "/", "busybox": "/", "centos": "/", "fedora": "/",
		"rockylinux": "/", "almalinux": "/", "amazonlinux": "/", "oraclelinux": "/", "archlinux": "/",
		"buildpack-deps": "/", "node": "/", "python": "/", "ruby": "/", "openjdk": "/", "eclipse-temurin": "/",
		"amazoncorretto": "/", "nginx": "/", "docker": "/", "nvidia/cuda": "/",
		"golang": "/go", "php": "/var/www/html", "wordpress": "/var/www/html", "httpd": "/usr/local/apache2",
		"redis": "/data", "caddy": "/srv", "tomcat": "/usr/local/tomcat",
	} {
		img := images[n]
		img.Workdir = wd
		images[n] = img
	}
	return images
}}

// Lookup returns what is known about the image ref ("node:20-alpine",
// "docker.io/library/python:3.12"); ok is false for images that are not
// known and for references with variables.
func Lookup(ref string) (Image, bool) {
	repo, tag, ok := splitRef(ref)
	if !ok {
		return Image{}, false
	}
	img, known := knownImages.Get()[repo]
	if !known {
		return Image{}, false
	}
	img.Name, img.Tag = repo, tag
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		img.Name = repo[i+1:]
	}
	return img, true
}

// splitRef splits an image reference into its repository (without the
// Docker Hub registry and "library/") and tag, lowercase.
func splitRef(ref string) (repo, tag string, ok bool) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if ref == "" || strings.ContainsAny(ref, "${}") {
		return "", "", false
	}
	ref, tag, _ = baseimage.SplitRef(ref)
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	ref = strings.TrimPrefix(ref, "library/")
	return ref, tag, true
}

// ImageTag returns the short repository name and tag of the root image of
// a stage chain ("ruby", "1.9.3"); ok is false when the reference has
// variables.
func ImageTag(ref string) (name, tag string, ok bool) {
	repo, tag, ok := splitRef(ref)
	if !ok {
		return "", "", false
	}
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		repo = repo[i+1:]
	}
	return repo, tag, true
}

// imageFamily tells "alpine" for images built on Alpine Linux (where
// adduser is busybox's), else "".
func imageFamily(ref string) string {
	name, tag, ok := ImageTag(ref)
	if ok && (name == "alpine" || strings.Contains(tag, "alpine")) {
		return "alpine"
	}
	return ""
}
