// Package curlpipeshell is the curl-pipe-shell pass of dfopt.
//
// # Pass curl-pipe-shell
//
// curl-pipe-shell: report downloads run by a shell without a checksum check
//
// "curl URL | sh" runs whatever the server sends at build time: a compromised
// or hijacked server, a changed script or a truncated download (the shell runs
// the part it got) go straight into the image, with the privileges of the
// build. Download the script to a file, check it against a checksum you
// recorded, then run it; or let the builder check it.
//
// Before:
//
//	RUN curl -fsSL https://example.com/install.sh | sh
//
// Instead:
//
//	ARG INSTALL_SHA256=<sha256 of install.sh>
//	RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh && \
//	    echo "${INSTALL_SHA256}  /tmp/install.sh" | sha256sum -c - && \
//	    sh /tmp/install.sh && rm /tmp/install.sh
//
// or:
//
//	ADD --checksum=sha256:<sha256> https://example.com/install.sh /tmp/install.sh
//	RUN sh /tmp/install.sh && rm /tmp/install.sh
//
// What is reported, read from the shell syntax tree: a pipeline in which curl
// or wget writes a download to its standard output and a later element is a
// shell (sh, bash, dash, ash, ksh, zsh, also through sudo or env) or an
// interpreter (python, perl, ruby, node) that reads its program from standard
// input (curl ... | sh, wget -qO- ... | sudo bash -s -- args, curl ... | python3 -);
// and a shell or interpreter whose program is a command or process
// substitution that downloads: sh -c "$(curl ...)", bash <(curl ...),
// eval "$(wget -qO- ...)", source <(curl ...), bash < <(curl ...). ONBUILD RUN
// and a RUN that is a single heredoc shell script (RUN <<EOF) are read too.
//
// Not reported: RUNs that also check a checksum or signature (sha256sum -c,
// sha512sum -c, shasum -c and the like, gpg --verify, gpgv, cosign verify-blob,
// minisign -V), downloads written to a file (curl -o, wget without -O -),
// interpreters given their program some other way (python -c '...' reading
// JSON from curl), other heredocs, exec-form RUNs, non-POSIX shells and RUNs whose shell cannot be parsed.
// Report only.
package curlpipeshell

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the curl-pipe-shell pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "curl-pipe-shell", Tier: analysis.Safe, Run: run})
