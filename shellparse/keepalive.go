package shellparse

import "strings"

// KeepsAlive reports whether a command line only keeps a container
// running, for commands run in it later (docker exec): sleep infinity (or
// a long sleep), tail -f /dev/null.
func KeepsAlive(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	name, rest := argv[0], argv[1:]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "sleep":
		return len(rest) == 1 && (rest[0] == "infinity" || rest[0] == "inf" || len(rest[0]) >= 5)
	case "tail":
		for _, w := range rest {
			if w == "/dev/null" {
				return true
			}
		}
	}
	return false
}
