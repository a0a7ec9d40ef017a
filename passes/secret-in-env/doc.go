// Package secretinenv is the secret-in-env pass of dfopt.
//
// # Pass secret-in-env
//
// secret-in-env: report ARG and ENV instructions that look like they carry secrets
//
// ENV values are stored in the image configuration: anyone who can pull the
// image reads them with docker inspect, and every container started from it
// has them. ARG values do not reach the configuration, but a build argument
// used by a RUN is recorded in that layer's history (docker history shows it)
// and in build provenance. Neither is a place for a password or a token.
//
// Pass secrets to the RUN that needs them with a secret mount instead: the
// secret is a file that exists only while that RUN runs, and it is in no layer,
// history or configuration.
//
// Before:
//
//	ARG NPM_TOKEN
//	RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
//
// Instead:
//
//	RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
//	    echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
//
//	docker build --secret id=npm_token,env=NPM_TOKEN .
//
// A name looks like a secret when one of its words (split at _ and at
// lowerUpper boundaries, case ignored) is PASSWORD, PASSWD, SECRET, TOKEN,
// AUTH, APIKEY or CREDENTIALS, or two of them are API_KEY, PRIVATE_KEY or
// ACCESS_KEY, or its last word ends in one of these (DBPASSWORD, GHTOKEN), and
// only KEY, BASE or VALUE follow it (SECRET_KEY_BASE). So TOKENIZER, AUTHOR,
// AUTH_TYPE, PASSWORD_FILE, TOKEN_URL and AWS_ACCESS_KEY_ID are not reported.
// Values that cannot be secrets are not reported either: an empty ENV, a
// yes/no/true/false/0/1 flag (MYSQL_ALLOW_EMPTY_PASSWORD=yes) and an absolute
// path (a file holding the secret). Any ARG or ENV whose value is a URL with a
// password in it (postgres://user:pass@db/app) is reported whatever its name.
//
// Each name is reported once for ARG and once for ENV, at the first
// instruction that sets it; ONBUILD ARG and ENV count too. Report only.
package secretinenv

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the secret-in-env pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "secret-in-env", Tier: analysis.Safe, Run: run})
