package pkgmgr_test

import (
	"testing"

	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/stretchr/testify/require"
)

func TestStateIndependent(t *testing.T) {
	for _, cmd := range []string{
		"rm -rf /var/lib/apt/lists/*",
		"rm -rf /root/.npm/_cacache",
		`rm -rf "$HOME"/.npm/_cacache`,
		"rm -rf /root/.bundle/cache /usr/local/bundle/cache/*.gem",
		`sudo rm -rf /root/.npm/_cacache "$HOME"/.npm/_cacache`,
		"{ sudo rm -rf /var/lib/apt/lists/* || true; }",
		"rm -rf /var/cache/yum/* /var/cache/dnf/*",
	} {
		require.True(t, pkgmgr.StateIndependent(cmd), cmd)
	}
	for _, cmd := range []string{
		"npm cache clean --force",
		"yarn cache clean",
		"pnpm store prune",
		"composer clear-cache",
		"dnf clean all",
		`rm -rf ~/.bundle/cache "$(gem env gemdir)"/cache/*.gem`, // runs gem
		"rm -rf ~/.npm",                  // ~ is HOME, but write "$HOME"
		"rm -rf $HOME/.npm",              // unquoted
		"rm -rf node_modules",            // relative: depends on the working directory
		"rm -rf /tmp",                    // a single component
		"rm -rf /*",                      // a glob at the top
		"rm -rf /root/../etc",            // ..
		"rm -rf /root/./x/y",             // .
		`rm -rf "$HOME"`,                 // the home directory itself
		"rm -rf /a/b && npm cache clean", // two commands
		"rm -rf /a/b; true",
		"rm -rf /a/$X",
		"rm -f /a/b",
		"{ rm -rf /a/b || true; }",
		"sudo -u app rm -rf /a/b",
		"rm -rf /a/b `true`",
	} {
		require.False(t, pkgmgr.StateIndependent(cmd), cmd)
	}
}

func TestInHome(t *testing.T) {
	require.Equal(t, "/root/.npm/_cacache", pkgmgr.InHome("/root", pkgmgr.NpmCache))
	require.Equal(t, `"$HOME"/.npm/_cacache`, pkgmgr.InHome(pkgmgr.HomeVar, pkgmgr.NpmCache))
	require.Equal(t, "/home/app/.cache/pnpm/", pkgmgr.RemovesPattern("/home/app", ".cache/pnpm/"))
	require.Equal(t, "~/.cache/pnpm", pkgmgr.RemovesPattern(pkgmgr.HomeVar, ".cache/pnpm"))
}

func TestGemDocOption(t *testing.T) {
	for _, tc := range []struct {
		name, tag string
		updated   bool
		want      string
	}{
		{"ruby", "3.3", false, "--no-document"},
		{"ruby", "2.0", false, "--no-document"},
		{"ruby", "1.9.3", false, "--no-rdoc --no-ri"},
		{"ruby", "1.9.3", true, "--no-document"},
		{"ruby", "1", false, "--no-rdoc --no-ri"},
		{"debian", "wheezy", false, "--no-rdoc --no-ri"},
		{"debian", "7", false, "--no-rdoc --no-ri"},
		{"debian", "8", false, "--no-document"},
		{"ubuntu", "14.04", false, "--no-rdoc --no-ri"},
		{"ubuntu", "trusty-20190515", false, "--no-rdoc --no-ri"},
		{"ubuntu", "16.04", false, "--no-document"},
		{"centos", "6", false, "--no-rdoc --no-ri"},
		{"centos", "centos6.10", false, "--no-rdoc --no-ri"},
		{"centos", "7", false, "--no-document"},
		{"buildpack-deps", "precise", false, "--no-rdoc --no-ri"},
		{"app", "", false, "--no-document"},
	} {
		require.Equal(t, tc.want, pkgmgr.GemDocOption(tc.name, tc.tag, tc.updated), "%s:%s", tc.name, tc.tag)
	}
}

func TestOldPip(t *testing.T) {
	for _, tc := range []struct {
		name, tag string
		want      bool
	}{
		{"ubuntu", "14.04", true},
		{"ubuntu", "15.10", true},
		{"ubuntu", "16.04", false},
		{"debian", "jessie", true},
		{"debian", "8.11", true},
		{"debian", "9", false},
		{"node", "8.11.3-jessie", true},
		{"python", "2.7-jessie", false}, // the python image installs its own pip
		{"nvidia/cuda", "10.2-cudnn7-devel-ubuntu18.04", false},
		{"centos", "6", false}, // EPEL's pip 7
	} {
		require.Equal(t, tc.want, pkgmgr.OldPip(tc.name, tc.tag), "%s:%s", tc.name, tc.tag)
	}
}

func TestOldApk(t *testing.T) {
	for _, tc := range []struct {
		name, tag string
		want      bool
	}{
		{"alpine", "3.2", true},
		{"alpine", "3.1.4", true},
		{"alpine", "2.7", true},
		{"alpine", "3.20", false},
		{"alpine", "3.3", false},
		{"alpine", "", false},
		{"python", "2.7-alpine3.2", true},
		{"python", "3.12-alpine3.20", false},
		{"node", "20-alpine", false},
	} {
		require.Equal(t, tc.want, pkgmgr.OldApk(tc.name, tc.tag), "%s:%s", tc.name, tc.tag)
	}
}

func TestPipNoCacheDir(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want bool
		why  string
	}{
		{"python:3.12-slim", true, ""},
		{"python:3.6.5", false, "is 10.0.1"},
		{"golang:1.11.4", false, "debian stretch"}, // python-pip 9.0.1, not recorded
		{"debian:bookworm", true, ""},
		{"ubuntu:22.04", true, ""},
		{"ubuntu:16.04", false, "not known"},
		{"meedan/ruby", false, "not an official image"},
		{"alpine:3.20", false, "not recorded"},
	} {
		ok, why := pkgmgr.PipNoCacheDir(tc.ref)
		require.Equal(t, tc.want, ok, tc.ref)
		require.Contains(t, why, tc.why, tc.ref)
		if !ok {
			require.Contains(t, why, ".egg-info instead of .dist-info", tc.ref)
		}
	}
}

func TestApkReadsCachedIndex(t *testing.T) {
	for ref, want := range map[string]bool{
		"alpine:3.2": false, "alpine:3.3": true, "alpine:3.7": true, "alpine:3.8": true, "alpine:3.9": false,
		"python:3.6-alpine3.8": true, "alpine:edge": false, "alpine": false, "example/alpine:3.5": false,
	} {
		require.Equal(t, want, pkgmgr.ApkReadsCachedIndex(baseimage.Resolve(ref)), ref)
	}
}

func TestGoWithoutBuildCache(t *testing.T) {
	for ref, want := range map[[2]string]bool{
		{"golang", "1.8-alpine"}: true, {"golang", "1.9.4"}: true, {"golang", "1.10"}: false,
		{"golang", "1.22-bookworm"}: false, {"golang", "alpine"}: false, {"golang", ""}: false,
		{"golang", "1"}: false, {"mygo", "1.8"}: false,
	} {
		if got := pkgmgr.GoWithoutBuildCache(ref[0], ref[1]); got != want {
			t.Errorf("GoWithoutBuildCache(%s:%s) = %v, want %v", ref[0], ref[1], got, want)
		}
	}
}
