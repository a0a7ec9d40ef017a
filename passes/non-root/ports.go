package nonroot

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Which ports a command line, or an ENV, tells a program to listen on (the
// pass's documentation lists the spellings). An option or a variable is
// read by its name: a listening one (--port, --listen-address, -p, -b,
// PORT, ASPNETCORE_URLS) gives ports in its value, one named for a server
// the program connects to (--db-port, SMTP_PORT) none but an address of
// every interface, any other one only an address of every interface or of
// the loopback (php -S 0.0.0.0:80, not --proxy proxy.internal:80); -l is a
// listening one with an address, or for the programs that listen with it.

// listenWords are the words of an option's or variable's name that make it
// a listening one wherever they stand.
var listenWords = []string{"port", "ports", "listen", "bind", "addr", "address"}

// listenLastWords make a name a listening one as its last word.
var listenLastWords = []string{"http", "https", "urls", "socket"}

// notPortWords begin or end with port but are other words.
var notPortWords = []string{"import", "export", "report", "support", "transport", "passport", "airport", "sport", "rapport", "deport", "teleport",
	"portal", "portable", "portfolio", "portrait", "portion", "porter"}

// notAddrLastWords end names that do not give an address or a port,
// whatever words come before (--listen-backlog, --port-timeout).
var notAddrLastWords = []string{"backlog", "timeout", "queue", "size", "count", "retries", "limit", "workers", "threads", "interval", "delay", "file", "dir", "path", "mode", "max", "min"}

// remoteWords name a server the program connects to: a name with one of
// them gives its address or port (--proxy, --db-port, SMTP_PORT).
var remoteWords = []string{"smtp", "email", "mail", "ldap", "db", "database", "postgres", "pg", "mysql", "mariadb", "mongo", "mongodb", "redis", "amqp", "rabbitmq", "proxy", "upstream", "remote"}

// listensWithL are programs whose -l takes the port they listen on.
var listensWithL = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"serve": true, "nc": true, "ncat": true, "netcat": true}
}}

// wildcardHosts are the hosts of an address that only a server binds.
var wildcardHosts = []string{"", "*", "+", "0.0.0.0", "::", "[::]"}

// loopbackHosts are the hosts of an address that a server may bind, as a
// client may connect to.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1", "[::1]"}

// nameKind tells what an option's or a variable's name says of its value.
type nameKind int

const (
	otherName  nameKind = iota
	listenName          // a port or an address to listen on
	remoteName          // a port or an address of a server to connect to
)

func kindOf(name string) nameKind {
	words := shellparse.NameWords(name)
	if len(words) == 0 {
		return otherName
	}
	if slices.Contains(notAddrLastWords, words[len(words)-1]) {
		return otherName
	}
	listen := slices.Contains(listenLastWords, words[len(words)-1])
	for _, w := range words {
		if slices.Contains(listenWords, w) || strings.HasPrefix(w, "listen") || strings.HasPrefix(w, "bind") ||
			(strings.HasPrefix(w, "port") && !slices.Contains(notPortWords, w) && !slices.Contains(notPortWords, strings.TrimSuffix(w, "s"))) {
			listen = true
		}
		for _, s := range []string{"port", "ports", "addr", "address"} {
			if strings.HasSuffix(w, s) && !slices.Contains(notPortWords, w) && !slices.Contains(notPortWords, strings.TrimSuffix(w, "s")) {
				listen = true
			}
		}
	}
	if !listen {
		return otherName
	}
	for _, w := range words {
		if slices.Contains(remoteWords, w) {
			return remoteName
		}
	}
	return listenName
}

// defaultRE finds a shell default, ${NAME:-WORD} or ${NAME-WORD}, whose
// word is what a value means when NAME is not set.
var defaultRE = lazyre.New(`\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}`)

// addrPort reads an address with a port: [SCHEME://]HOST:PORT[/PATH], HOST
// possibly empty, a wildcard or a bracketed IPv6 address. ok is false when
// v is not one; url is true when it has a scheme.
func addrPort(v string) (host string, port int, url, ok bool) {
	if i := strings.Index(v, "://"); i > 0 {
		url = true
		v = v[i+3:]
		if j := strings.IndexByte(v, '/'); j >= 0 {
			v = v[:j]
		}
		if j := strings.LastIndexByte(v, '@'); j >= 0 {
			v = v[j+1:]
		}
	}
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return "", 0, false, false
	}
	host, num := v[:i], v[i+1:]
	if strings.HasPrefix(host, "[") && !strings.HasSuffix(host, "]") {
		return "", 0, false, false
	}
	if !strings.HasPrefix(host, "[") && strings.Contains(host, ":") && host != "::" {
		return "", 0, false, false
	}
	if strings.ContainsAny(host, "/$\"'=,; ") {
		return "", 0, false, false
	}
	p, err := strconv.Atoi(num)
	if err != nil || p < 0 || num == "" || len(num) > 5 || strings.ContainsAny(num, "+-") {
		return "", 0, false, false
	}
	return host, p, url, true
}

// valuePorts returns the ports in the value of a listening option: a
// number, an address or URL, a list of them (, or ;), with shell defaults
// (${PORT:-80}) read as their word.
func valuePorts(v string) []int {
	v = defaultRE.ReplaceAllString(v, "$1")
	var out []int
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		if p, err := strconv.Atoi(part); err == nil && p >= 0 && len(part) <= 5 {
			out = append(out, p)
		} else if _, p, _, ok := addrPort(part); ok {
			out = append(out, p)
		}
	}
	return out
}

// anyAddrPorts returns the ports of the addresses in the value of an
// option that is not a listening one that only a server would use: an
// address of every interface or the loopback (0.0.0.0:80, :80).
func anyAddrPorts(v string) []int {
	v = defaultRE.ReplaceAllString(v, "$1")
	var out []int
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		if host, p, _, ok := addrPort(part); ok && (slices.Contains(wildcardHosts, host) || slices.Contains(loopbackHosts, host)) {
			out = append(out, p)
		}
	}
	return out
}

// namedValuePorts returns the ports that NAME=VALUE (an option's name and
// value, or a variable's) tells a program to listen on.
func namedValuePorts(name, v string) []int {
	switch kindOf(name) {
	case listenName:
		return valuePorts(v)
	case remoteName:
		return wildcardPorts(v)
	}
	if n, inner, ok := strings.Cut(v, "="); ok && envNameRE.MatchString(n) {
		return namedValuePorts(n, inner) // -e PORT=80, --env=PORT=80
	}
	return anyAddrPorts(v)
}

// wildcardPorts returns the ports of addresses of every interface in v,
// which only a server binds.
func wildcardPorts(v string) []int {
	var out []int
	for _, part := range strings.FieldsFunc(defaultRE.ReplaceAllString(v, "$1"), func(r rune) bool { return r == ',' || r == ';' }) {
		if host, p, _, ok := addrPort(part); ok && slices.Contains(wildcardHosts, host) {
			out = append(out, p)
		}
	}
	return out
}

// envNameRE matches the name in NAME=VALUE before a command.
var envNameRE = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// listenLineRE finds socat's listening addresses (TCP-LISTEN:80,
// UDP4-LISTEN:53).
var listenLineRE = lazyre.New(`(?i)LISTEN:(\d{1,5})(?:[,\s]|$)`)

// commandPorts returns the ports that a command line (the words of a
// CMD or ENTRYPOINT, a shell command line among them) tells the program
// to listen on.
func commandPorts(text string) []int {
	var out []int
	for _, seg := range splitCommands(text) {
		out = append(out, segmentPorts(seg)...)
	}
	return out
}

// splitCommands splits a command line into the words of its simple
// commands, roughly, without quotes: at whitespace and at ; & | ( ) and
// backquotes.
func splitCommands(text string) [][]string {
	var segs [][]string
	var words []string
	var cur strings.Builder
	endWord := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	endSeg := func() {
		endWord()
		if len(words) > 0 {
			segs = append(segs, words)
			words = nil
		}
	}
	for _, r := range text {
		switch {
		case r == '"' || r == '\'' || r == '\\':
		case unicode.IsSpace(r):
			endWord()
		case strings.ContainsRune(";&|()`", r):
			endSeg()
		default:
			cur.WriteRune(r)
		}
	}
	endSeg()
	return segs
}

// segmentPorts is commandPorts for the words of one simple command.
func segmentPorts(words []string) []int {
	withL := false
	for _, w := range words {
		if listensWithL.Get()[path.Base(w)] {
			withL = true
		}
	}
	var out []int
	for i, w := range words {
		// python -m http.server 80, http.server --bind 0.0.0.0 80: its
		// operand.
		if w == "http.server" || w == "SimpleHTTPServer" {
			for _, o := range words[i+1:] {
				if p, err := strconv.Atoi(o); err == nil && len(o) <= 5 {
					out = append(out, p)
				}
			}
		}
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := ""
		if i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
			next = words[i+1]
		}
		if m := listenLineRE.FindStringSubmatch(w); m != nil {
			p, _ := strconv.Atoi(m[1])
			out = append(out, p)
			continue
		}
		if !strings.HasPrefix(w, "-") || w == "-" || w == "--" {
			if name, v, ok := strings.Cut(w, "="); ok && envNameRE.MatchString(name) {
				if strings.HasPrefix(v, "-") {
					// GUNICORN_CMD_ARGS=--bind=...: options in a variable.
					words[i] = v
					i--
					continue
				}
				out = append(out, namedValuePorts(name, v)...)
				continue
			}
			if _, p, url, ok := addrPort(w); ok && (!url || len(anyAddrPorts(w)) > 0) {
				out = append(out, p) // an address as an operand
			}
			continue
		}
		opt := strings.TrimLeft(w, "-")
		name, v, eq := strings.Cut(opt, "=")
		short := !strings.HasPrefix(w, "--") && len(name) >= 1 && strings.ContainsRune("pbl", rune(name[0])) &&
			(len(name) == 1 || strings.ContainsAny(name[1:2], "0123456789:[*"))
		if short {
			// -p 80, -p80, -p=80, -b0.0.0.0:80: a short option's value.
			letter := name[0]
			if len(name) > 1 {
				v, eq = opt[1:], true
			}
			if !eq {
				v = next
				if next != "" {
					i++
				}
			}
			switch {
			case letter == 'l' && !withL:
				out = append(out, anyAddrPortsOrListen(v)...)
			default:
				out = append(out, valuePorts(v)...)
			}
			continue
		}
		if withL && !strings.HasPrefix(w, "--") && !eq && strings.ContainsAny(name, "lp") && len(name) <= 4 && isLetters(name) {
			// nc -lp 80, nc -lk 80: a cluster of short options.
			if next != "" {
				out = append(out, valuePorts(next)...)
				i++
			}
			continue
		}
		if !eq {
			v = next
			if next != "" {
				i++
			}
		}
		out = append(out, namedValuePorts(name, v)...)
	}
	return out
}

// anyAddrPortsOrListen reads the value of -l of a program that does not
// listen with it: an address is one to listen on (-l 0.0.0.0:80, -l :80),
// a number is not a port (a level, a count).
func anyAddrPortsOrListen(v string) []int {
	var out []int
	for _, part := range strings.FieldsFunc(defaultRE.ReplaceAllString(v, "$1"), func(r rune) bool { return r == ',' || r == ';' }) {
		if _, p, _, ok := addrPort(part); ok {
			out = append(out, p)
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// lowPort returns the first port below 1024 of ports (other than 0).
func lowPort(ports []int) (int, bool) {
	for _, p := range ports {
		if p > 0 && p < 1024 {
			return p, true
		}
	}
	return 0, false
}

// lowPortAdvice ends the reason a port below 1024 declines the fix.
const lowPortAdvice = "a non-root user binds ports below 1024 only where the runtime allows it (Docker 20.10 and later do, Kubernetes by default does not); move it to a port above 1023"

// envPortNeedsRoot says why ENV name=value of instruction ins keeps the
// program from running as a non-root user ("" when it does not): it sets a
// port below 1024 to listen on, or it is named for one and set from a
// variable that cannot be read. A variable is read as its value in a
// build given no build arguments (ARG PORT=8080 with ENV PORT=$PORT is
// 8080, with ARG PORT=80 it is 80); globals are the file's global ARGs.
func envPortNeedsRoot(ins *dockerfile.Instruction, name, value string, globals map[string]string) string {
	kind := kindOf(name)
	resolved := ""
	if strings.Contains(value, "$") {
		x, ok := stages.ExpandDefaults(ins, value, globals)
		switch {
		case ok:
			resolved = " (" + value + " in a build given no build arguments)"
			value = x
		case kind == listenName:
			return name + " is set from a variable, a port dfopt cannot read; a non-root user binds ports below 1024 only where the runtime allows it"
		}
	}
	ports := namedValuePorts(name, value)
	if strings.HasPrefix(value, "-") || strings.Contains(value, " -") {
		ports = append(ports, commandPorts(value)...) // GUNICORN_CMD_ARGS="--bind 0.0.0.0:80"
	}
	if p, ok := lowPort(ports); ok {
		return fmt.Sprintf("%s sets port %d%s: %s", name, p, resolved, lowPortAdvice)
	}
	return ""
}

// configLineRE reads a setting of a configuration file: KEY = VALUE,
// KEY: VALUE (YAML, JSON with the key quoted), or KEY VALUE (nginx's
// listen 80;, Apache's Listen 80, HAProxy's bind *:80).
var configLineRE = lazyre.New(`^["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?:[:=]\s*|\s+)["']?([^"'\s,;{}]+)`)

// configPorts returns the ports below 1024 that the settings of a
// configuration file's text tell a program to listen on, with the line.
func configPorts(text string) (port int, line string, ok bool) {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		// JSON and flow mappings: each member ({"port": 80, ...}).
		for _, part := range strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == '{' || r == '}' || r == '[' }) {
			part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "-"))
			m := configLineRE.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			if p, ok := lowPort(namedValuePorts(m[1], m[2])); ok {
				return p, l, true
			}
		}
	}
	return 0, "", false
}

// configExts are the names of the files read as configuration.
var configExts = []string{".conf", ".cfg", ".ini", ".toml", ".yaml", ".yml", ".json", ".properties", ".env"}

// configNeedsRoot says why a configuration file that a COPY or ADD of the
// stages puts in the image keeps the program from running as a non-root
// user: it sets a port below 1024 to listen on (listen = ":80", port: 80,
// nginx's listen 80;, server.port=80). Heredocs are read, and files of the
// build context that the COPY names whose name ends in a configuration
// suffix (see configExts).
func configNeedsRoot(ctx *analysis.Context, chain []*dockerfile.Stage) (*dockerfile.Instruction, string) {
	view := buildcontext.Of(ctx)
	for _, s := range chain {
		for _, ins := range s.Instructions {
			if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Args) < 2 {
				continue
			}
			var texts []string
			for _, h := range ins.Heredocs() {
				texts = append(texts, h.Content)
			}
			if len(ins.Heredocs()) == 0 && view != nil && !slices.ContainsFunc(ins.Flags, func(f string) bool { return strings.HasPrefix(f, "--from=") }) {
				for _, a := range ins.Args[:len(ins.Args)-1] {
					src := dockerfile.Unquote(a)
					if !slices.ContainsFunc(configExts, func(e string) bool { return strings.HasSuffix(src, e) }) {
						continue
					}
					if data, ok := view.ReadHead(src, 64<<10); ok {
						texts = append(texts, string(data))
					}
				}
			}
			for _, t := range texts {
				if p, line, ok := configPorts(t); ok {
					return ins, fmt.Sprintf("a configuration file it copies sets port %d (%s): %s", p, line, lowPortAdvice)
				}
			}
		}
	}
	return nil, ""
}
