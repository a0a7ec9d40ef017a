// Package bench makes the generated inputs that the benchmarks (go test
// -bench) and scripts/bench.sh time dfopt on.
package bench

import (
	"fmt"
	"strings"
)

// Runs returns a Dockerfile with n RUN instructions: apt-get, pip and npm
// installs, shell state (cd, export), plain commands, and an ENV every 16
// RUNs. It is about 75 bytes per RUN.
func Runs(n int) []byte {
	var b strings.Builder
	b.Grow(80 * n)
	b.WriteString("FROM debian:bookworm\n")
	for i := 0; i < n; i++ {
		if i%16 == 15 {
			fmt.Fprintf(&b, "ENV STEP=%d\n", i)
		}
		switch i % 8 {
		case 0:
			b.WriteString("RUN apt-get update -o Acquire::Retries=3 && apt-get upgrade -y\n")
		case 1:
			fmt.Fprintf(&b, "RUN apt-get install -y --no-install-recommends pkg%d libpkg%d-dev ca-certificates curl\n", i, i)
		case 2:
			fmt.Fprintf(&b, "RUN pip install --upgrade pkg%d==1.%d requests==2.31.0 flask==3.0.%d\n", i, i, i)
		case 3:
			fmt.Fprintf(&b, "RUN echo building step %d > /tmp/step%d && ls -la /tmp && cat /tmp/step%d\n", i, i, i)
		case 4:
			fmt.Fprintf(&b, "RUN cd /srv/app%d && ./configure --prefix=/usr/local && make -j4 target%d\n", i, i)
		case 5:
			fmt.Fprintf(&b, "RUN npm install --global pkg%d@%d.0.0 typescript@5.4.%d eslint@8.57.0\n", i, i, i)
		case 6:
			fmt.Fprintf(&b, "RUN export VAR%d=value%d PATH=/opt/tool%d/bin:$PATH && echo $VAR%d\n", i, i, i, i)
		default:
			fmt.Fprintf(&b, "RUN chmod +x /usr/local/bin/tool%d && tool%d --version && tool%d selftest\n", i, i, i)
		}
	}
	return []byte(b.String())
}

// Continuations returns a Dockerfile with one RUN of n continuation lines.
func Continuations(n int) []byte {
	var b strings.Builder
	b.Grow(24 * n)
	b.WriteString("FROM debian:bookworm\nRUN set -e \\\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    && echo line %d \\\n", i)
	}
	b.WriteString("    && true\n")
	return []byte(b.String())
}
