// Package noinstallrecommends is the no-install-recommends pass of dfopt.
//
// # Pass no-install-recommends
//
// no-install-recommends: install apt packages without their recommends
//
// apt-get install installs each package's Depends and, by default, its
// Recommends: packages the maintainer thinks most users want, which an image
// rarely needs (documentation tools, compilers, fonts, X libraries). With
// --no-install-recommends the image gets only what the packages need to work.
//
// Before:
//
//	RUN apt-get update && apt-get install -y curl imagemagick
//
// After:
//
//	RUN apt-get update && apt-get install --no-install-recommends -y curl imagemagick ca-certificates
//
// The option goes right after install, in every apt-get and apt install of
// the file's RUNs. Some recommended packages are what the installed programs
// are there for, and the fix installs them by name, unless that install or
// an earlier one of the stage already does: ca-certificates with curl, wget
// and git (they fetch over https with its certificates, which their
// libraries only recommend), openssh-client with git when the file uses ssh
// remotes (git@, ssh:// or an ssh mount), gnupg with gpg when the file
// fetches keys (--recv-keys, --keyserver or --fetch-keys; gpg does that
// through dirmngr, part of gnupg, unless dirmngr is installed), libc6-dev
// with gcc, gcc-N, tcc and python3.N-dev (the C library's headers and start
// files, without which nothing compiles: "stdio.h: No such file or
// directory"; g++, clang, gfortran and build-essential depend on it),
// ca-certificates with python3 and python3.N (Python's ssl module checks
// https servers with the system's certificates), ca-certificates with
// nodejs (Debian's build checks https servers against the system's store)
// and with php-curl, phpN.N-curl and python3-pycurl (they reach https
// through libcurl, which only recommends it), xauth with xvfb
// (xvfb-run stops without it) and netbase with perl (/etc/protocols and
// /etc/services, without which perl's TCP sockets fail). A package that
// depends on one of these brings it without its recommends, and gets the
// same: ca-certificates with npm and yarnpkg (they depend on nodejs), and
// with python3-X and python3.N-X (python3-venv, python3-requests,
// python3.11-venv, python3.11-dev: they depend on the interpreter; not
// python3-minimal, python3.N-minimal or python3.N-doc).
//
// What changes: the image has fewer packages. The fix declares the system
// directories (/usr, /etc, /bin, /sbin, /lib, /lib64, /var, /run) as changed
// on purpose, so dfopt verify lists what went away and
// checks the program with the smoke commands instead of comparing those files.
// What to check: that the program does not use a recommended package, such
// as a command-line tool, a font, a locale, a plug-in or a shared library that
// it loads at run time (libraries it links against are Depends, and stay).
//
// Left alone, with a finding: an install that needs such a package by
// name in a RUN that removes packages after it (apt-get purge, remove or
// autoremove, apt-mark, dpkg -r), which may remove the package again; an
// install that needs such a package by
// name on a base whose repositories dfopt does not know to have it (an
// image it has no facts about, or one named by a build argument); an install of python3-pip (it recommends
// build-essential and python3-dev, which pip needs to build packages from
// source; check that every package has a wheel, then add the option by hand),
// of a .deb file, or with a package name dfopt cannot read; and an install
// of a package whose recommends are what it is installed for, unless the
// install or an earlier one of the stage names them: cmake (gcc and make),
// golang-go and golang-1.N-go (gcc, g++, libc6-dev and pkg-config, for
// cgo), r-base and r-base-core (r-base-dev, which install.packages compiles
// with, and r-recommended), dpkg-dev when the file runs dpkg-buildpackage
// or debuild (build-essential), composer (git and unzip) and the gcc cross
// compilers, gcc-TARGET and gcc-N-TARGET (their target's C library, such as
// libc6-dev-arm64-cross for gcc-aarch64-linux-gnu or
// libnewlib-arm-none-eabi for gcc-arm-none-eabi, without which they compile
// nothing; the target's g++ depends on it and counts too). A base known
// to have gcc, g++, make and libc6-dev (the full python, node and ruby
// images, golang's Debian images, buildpack-deps but its curl and scm
// variants, and the full gcc, rust and perl images built on it) counts as
// naming them. The recommends
// named here are from Debian bookworm's package data. Not reported: an
// install that says --no-install-recommends or --install-recommends, stages
// whose apt configuration sets Install-Recommends (in a RUN, COPY or ENV of
// the stage or the ones it is built on), RUNs whose shell cannot be read and
// Windows stages.
//
// Tier: aggressive: the image's packages change.
package noinstallrecommends

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the no-install-recommends pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "no-install-recommends", Tier: analysis.Aggressive, Run: run})
