// Package e2e holds the end-to-end tests that build Dockerfiles with a real
// BuildKit daemon. They carry the "e2e" build tag:
//
//	bash e2e/setup.sh && . e2e/env.sh
//	go test -tags e2e -count=1 -v ./e2e/...
//
// or simply `bash e2e/run.sh`. See e2e/README.md.
package e2e
