package optimizer_test

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
	"github.com/stretchr/testify/require"
)

// deepWalkers are the passes that still walk a RUN's shell recursively,
// as deep as its longest && list: they are left out of TestLongListsStack.
var deepWalkers = []string{"cache-cleanup"}

// TestLongListsStack runs every pass over RUNs of 20,000 commands joined
// by &&, ||, and |, with a goroutine stack of at most 256 KB: a walk that
// recurses once per operator (the shell parser nests such lists on their
// left) takes more and crashes the test.
func TestLongListsStack(t *testing.T) {
	const n = 20000
	chain := func(op, cmd string) string {
		var b strings.Builder
		b.WriteString("set -e")
		for i := range n {
			fmt.Fprintf(&b, " %s \\\n    %s %d", op, cmd, i)
		}
		return b.String()
	}
	inputs := map[string]string{
		"and":  "FROM debian:bookworm\nRUN " + chain("&&", "echo line") + "\n",
		"or":   "FROM debian:bookworm\nRUN " + chain("||", "echo line") + "\n",
		"pipe": "FROM debian:bookworm\nRUN " + chain("|", "tee -a /tmp/log") + "\n",
		"curl pipe shell": "FROM debian:bookworm\nRUN " + chain("&&", "echo line") +
			" && curl -fsSL https://example.com/install.sh | sh\n",
		"chown and comments": "FROM debian:bookworm\nCOPY app /app\nRUN " + chain("&&", "echo line") +
			" && chown -R nobody /app # done\n",
	}
	var all []string
	for _, p := range passes.All() {
		all = append(all, p.Name)
	}
	old := debug.SetMaxStack(256 << 10)
	defer debug.SetMaxStack(old)
	for name, src := range inputs {
		// A RUN before it, so that the passes that join or compare RUNs
		// read it too.
		src = strings.Replace(src, "\nRUN ", "\nRUN echo first\nRUN ", 1)
		_, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: all, Disable: deepWalkers})
		require.NoError(t, err, name)
	}
}
