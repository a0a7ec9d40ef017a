package baseimage

import "testing"

func TestSlimVariant(t *testing.T) {
	for _, tc := range []struct{ ref, slim string }{
		{"python:3.11", "python:3.11-slim"},
		{"python", "python:slim"},
		{"python:latest", "python:slim"},
		{"python:3.12-bookworm", "python:3.12-slim-bookworm"},
		{"python:bookworm", "python:slim-bookworm"},
		{"docker.io/library/python:3.11", "docker.io/library/python:3.11-slim"},
		{"node:18", "node:18-slim"},
		{"node:20-bookworm", "node:20-bookworm-slim"},
		{"node:bookworm", "node:bookworm-slim"},
		{"node:lts", "node:lts-slim"},
		{"ruby:3.3", "ruby:3.3-slim"},
		{"ruby:3.3-bookworm", "ruby:3.3-slim-bookworm"},
		// none
		{"python:3.11-slim", ""},
		{"python:3.11-alpine", ""},
		{"node:20-alpine3.19", ""},
		{"golang:1.22", ""},
		{"example.com/python:3.11", ""},
		{"python:3.11@sha256:abcd", ""},
		{"python:${V}", ""},
		{"python:3.11-windowsservercore-ltsc2022", ""},
		{"node:0.12", ""},
	} {
		got, why := SlimVariant(tc.ref)
		if got != tc.slim || (got == "") != (why != "") {
			t.Errorf("SlimVariant(%q) = %q, %q; want %q", tc.ref, got, why, tc.slim)
		}
	}
}

func TestHasCompiler(t *testing.T) {
	for ref, want := range map[string]bool{
		"python:3.11": true, "node:20-bookworm": true, "ruby:3.3": true, "golang:1.11.1": true,
		"golang": true, "docker.io/library/golang:1.22-bookworm": true,
		"python:3.11-slim": false, "golang:1.22-alpine": false, "golang:1.22-windowsservercore-ltsc2022": false,
		"debian:bookworm": false, "ubuntu:22.04": false, "golang:${GO_VERSION}": false, "example.com/golang:1.22": false,
		"rust:1.75": true, "rust:1-bookworm": true, "gcc:13": true, "buildpack-deps:bookworm": true, "buildpack-deps:22.04": true, "perl:5.38": true,
		"rust:1-slim-bookworm": false, "rust:1-alpine": false, "buildpack-deps:bookworm-curl": false, "buildpack-deps:bookworm-scm": false, "perl:5.38-slim": false,
	} {
		if got := HasCompiler(ref); got != want {
			t.Errorf("HasCompiler(%q) = %v, want %v", ref, got, want)
		}
	}
}
