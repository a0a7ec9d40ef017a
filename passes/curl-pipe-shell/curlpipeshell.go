package curlpipeshell

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		// Most RUNs name neither tool: they are passed over without
		// parsing their shell (runs.MayHold also counts the NUL bytes the
		// shell's parser passes over: c<NUL>url is curl).
		if (ins.Cmd != "run" && ins.Onbuild() != "run") || !runs.MayHold(ins, "curl", "wget") || !mayConnect(ins) {
			continue
		}
		p := runs.Read(ctx.Doc, ins)
		if p == nil || verifies(p.Prog) {
			continue
		}
		out = append(out, pipedDownloads(p)...)
	}
	return out
}

// mayConnect reports whether the program of ins may hold a pipeline or a
// substitution, the two ways a download reaches a shell: a pipeline is not
// written without |, nor a substitution without $( < ( > ( or a backquote
// (a subshell's bare parenthesis, which coalesce-runs writes into merged
// RUNs, is neither). BuildKit has joined the RUN's continuation lines; in a
// here-document a backslash-newline may still split $ from (, and the
// shell's parser passes over NUL bytes, so there any ( or NUL counts.
func mayConnect(ins *dockerfile.Instruction) bool {
	t := ins.Text
	if strings.ContainsAny(t, "|`\x00") || strings.Contains(t, "$(") || strings.Contains(t, "<(") || strings.Contains(t, ">(") {
		return true
	}
	for _, h := range ins.Heredocs() {
		if strings.ContainsAny(h.Content, "|(`\x00") {
			return true
		}
	}
	return false
}

// verifies reports whether the program checks a checksum or a signature.
func verifies(prog *shellparse.Program) bool {
	for _, c := range shellparse.Commands(prog) {
		switch {
		case isSumCommand(c.Name):
			if c.HasArg(func(v string) bool {
				return v == "--check" || strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "c")
			}) {
				return true
			}
		case c.Name == "gpg" || c.Name == "gpg2":
			if c.HasArg(shellparse.ArgIs("--verify", "--verify-files")) {
				return true
			}
		case c.Name == "gpgv" || c.Name == "gpgv2":
			return true
		case c.Name == "cosign":
			if c.HasArg(func(v string) bool { return strings.HasPrefix(v, "verify") }) {
				return true
			}
		case c.Name == "minisign":
			if c.HasArg(shellparse.ArgIs("-V")) {
				return true
			}
		}
	}
	return false
}

// isSumCommand reports whether name is a command that computes or checks
// checksums: sha1sum, sha224sum, sha256sum, sha384sum, sha512sum, shasum,
// md5sum, b2sum or cksum.
func isSumCommand(name string) bool {
	switch name {
	case "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "shasum", "md5sum", "b2sum", "cksum":
		return true
	}
	return false
}

// pipedDownloads finds the downloads that a shell runs in the program.
func pipedDownloads(p *runs.Program) []analysis.Finding {
	var out []analysis.Finding
	report := func(start, end int, runner, downloader string) {
		out = append(out, p.Finding(start, end, fmt.Sprintf(
			"%s runs a script downloaded by %s without verifying it; download to a file, check its checksum, then run it",
			runner, downloader)))
	}
	inner := map[*syntax.BinaryCmd]bool{}
	shellparse.Walk(p.Prog.File, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.BinaryCmd:
			if (x.Op != syntax.Pipe && x.Op != syntax.PipeAll) || inner[x] {
				return true
			}
			elems := pipeline(x, inner)
			for j, e := range elems {
				r, ok := runnerOf(p.Prog, e)
				if !ok || !r.stdin {
					continue
				}
				for i := 0; i < j; i++ {
					if d := downloaderOf(p.Prog, elems[i]); d != "" {
						start, _ := shellparse.Span(elems[i])
						_, end := shellparse.Span(e)
						report(start, end, r.name, d)
						return true
					}
				}
			}
		case *syntax.Stmt:
			r, ok := runnerOf(p.Prog, x)
			if !ok {
				return true
			}
			for _, w := range r.code {
				if d := substDownload(p.Prog, w); d != "" {
					start, end := shellparse.Span(x.Cmd)
					report(start, end, r.name, d)
					return true
				}
			}
			if r.stdin {
				for _, rd := range x.Redirs {
					if rd.Op == syntax.RdrIn && rd.Word != nil {
						if d := substDownload(p.Prog, rd.Word); d != "" {
							start, end := shellparse.Span(x)
							report(start, end, r.name, d)
							return true
						}
					}
				}
			}
		}
		return true
	})
	return out
}

// pipeline returns the elements of a pipeline in order, marking the nested
// pipe nodes as seen.
func pipeline(b *syntax.BinaryCmd, seen map[*syntax.BinaryCmd]bool) []*syntax.Stmt {
	var out []*syntax.Stmt
	// A pipeline nests one level per |, on its left: a stack, not
	// recursion, follows it.
	todo := []*syntax.Stmt{b.Y, b.X}
	for len(todo) > 0 {
		s := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if x, ok := s.Cmd.(*syntax.BinaryCmd); ok && (x.Op == syntax.Pipe || x.Op == syntax.PipeAll) && !s.Negated && len(s.Redirs) == 0 {
			seen[x] = true
			todo = append(todo, x.Y, x.X)
			continue
		}
		out = append(out, s)
	}
	return out
}

// downloaderOf returns "curl" or "wget" when the statement is a call that
// writes a download to its standard output.
func downloaderOf(prog *shellparse.Program, s *syntax.Stmt) string {
	call, ok := s.Cmd.(*syntax.CallExpr)
	if !ok {
		return ""
	}
	c := prog.CommandOf(call)
	switch c.Name {
	case "curl":
		if curlToStdout(c) {
			return "curl"
		}
	case "wget":
		if wgetToStdout(c) {
			return "wget"
		}
	}
	return ""
}

// curlValued holds curl's short options that take a value.
const curlValued = "AbcCdDeEFHKmoPQrTtuUwxXyYz"

// curlToStdout reports whether curl writes what it downloads to stdout: no
// -o FILE, --output FILE, -O or --remote-name.
func curlToStdout(c *shellparse.Command) bool {
	for i := 0; i < len(c.Args); i++ {
		v, ok := c.Lits[i], c.Static[i]
		if !ok {
			continue
		}
		next := func() string {
			if i+1 < len(c.Args) {
				i++
				return c.Lits[i]
			}
			return ""
		}
		switch {
		case v == "--output":
			if !stdoutFile(next()) {
				return false
			}
		case strings.HasPrefix(v, "--output="):
			if !stdoutFile(strings.TrimPrefix(v, "--output=")) {
				return false
			}
		case v == "--remote-name" || v == "--remote-name-all":
			return false
		case strings.HasPrefix(v, "--"):
			// Long options taking a value are followed by one word that
			// cannot be mistaken for -o; skipping it is not needed.
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for k := 1; k < len(v); k++ {
				o := v[k]
				if o == 'O' {
					return false
				}
				if strings.IndexByte(curlValued, o) < 0 {
					continue
				}
				val := v[k+1:]
				if val == "" {
					val = next()
				}
				if o == 'o' && !stdoutFile(val) {
					return false
				}
				break
			}
		}
	}
	return true
}

// wgetValued holds wget's short options that take a value.
const wgetValued = "abBeiIoOPQtTUwXDlAR"

// wgetToStdout reports whether wget writes what it downloads to stdout:
// -O - (or /dev/stdout).
func wgetToStdout(c *shellparse.Command) bool {
	toStdout := false
	for i := 0; i < len(c.Args); i++ {
		v, ok := c.Lits[i], c.Static[i]
		if !ok {
			continue
		}
		next := func() string {
			if i+1 < len(c.Args) {
				i++
				return c.Lits[i]
			}
			return ""
		}
		switch {
		case v == "--output-document":
			toStdout = stdoutFile(next())
		case strings.HasPrefix(v, "--output-document="):
			toStdout = stdoutFile(strings.TrimPrefix(v, "--output-document="))
		case strings.HasPrefix(v, "--"):
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for k := 1; k < len(v); k++ {
				o := v[k]
				if strings.IndexByte(wgetValued, o) < 0 {
					continue
				}
				val := v[k+1:]
				if val == "" {
					val = next()
				}
				if o == 'O' {
					toStdout = stdoutFile(val)
				}
				break
			}
		}
	}
	return toStdout
}

func stdoutFile(f string) bool { return f == "-" || f == "/dev/stdout" }

// runner is a command that runs a program: a shell or an interpreter.
type runner struct {
	name  string
	stdin bool           // it reads its program from standard input
	code  []*syntax.Word // the words that hold its program or script path
}

// isInterpreter reports whether name is an interpreter whose program can
// be given on the command line: node, nodejs, or python, perl or ruby
// followed by a version made of digits and dots (python3, perl5.36).
func isInterpreter(name string) bool {
	if name == "node" || name == "nodejs" {
		return true
	}
	for _, p := range []string{"python", "perl", "ruby"} {
		if v, ok := strings.CutPrefix(name, p); ok {
			return strings.Trim(v, "0123456789.") == ""
		}
	}
	return false
}

// runnerOf reads the statement as a call of a shell or an interpreter.
func runnerOf(prog *shellparse.Program, s *syntax.Stmt) (runner, bool) {
	call, ok := s.Cmd.(*syntax.CallExpr)
	if !ok {
		return runner{}, false
	}
	c := prog.CommandOf(call)
	r := runner{name: c.Name}
	switch {
	case c.Name == "eval":
		r.code = c.Args
	case c.Name == "source" || c.Name == ".":
		if len(c.Args) > 0 {
			r.code = c.Args[:1]
		}
	case dockerfile.IsPOSIXShell(c.Name):
		readProgram(c, "c", "s", "oO", &r)
	case isInterpreter(c.Name) && c.Module == "":
		switch {
		case strings.HasPrefix(c.Name, "python"):
			readProgram(c, "c", "", "WXm", &r)
		case strings.HasPrefix(c.Name, "perl"):
			readProgram(c, "eE", "", "", &r)
		case strings.HasPrefix(c.Name, "ruby"):
			readProgram(c, "e", "", "", &r)
		default:
			readProgram(c, "ep", "", "r", &r)
		}
	default:
		return runner{}, false
	}
	return r, true
}

// readProgram reads a shell's or interpreter's options: codeOpts are the
// options whose presence means the program is an argument (sh -c, perl -e),
// stdinOpts those that make it read standard input (sh -s), valued those
// that take the next word as a value.
func readProgram(c *shellparse.Command, codeOpts, stdinOpts, valued string, r *runner) {
	inline := false
	i := 0
	for ; i < len(c.Args); i++ {
		v, ok := c.Lits[i], c.Static[i]
		if !ok || v == "-" || (!strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "+")) {
			break
		}
		if v == "--" {
			i++
			break
		}
		if strings.HasPrefix(v, "--") {
			switch v {
			case "--eval", "--print":
				inline = true
			case "--rcfile", "--init-file", "--require":
				i++
			}
			continue
		}
		for k := 1; k < len(v); k++ {
			o := v[k]
			switch {
			case strings.IndexByte(codeOpts, o) >= 0:
				inline = true
				if v[0] == '-' && k+1 < len(v) && !dockerfile.IsPOSIXShell(c.Name) {
					// perl -e'...': the program is attached.
					r.code = append(r.code, c.Args[i])
					return
				}
			case strings.IndexByte(stdinOpts, o) >= 0:
				r.stdin = true
			case strings.IndexByte(valued, o) >= 0:
				if k+1 == len(v) {
					i++
				}
				if o == 'm' {
					return // python -m MODULE
				}
				k = len(v)
			}
		}
	}
	operands := c.Args[i:]
	switch {
	case inline:
		r.stdin = false
		if len(operands) > 0 {
			r.code = operands[:1]
		}
	case r.stdin:
	case len(operands) == 0:
		r.stdin = true
	default:
		if v, ok := shellparse.Lit(operands[0]); ok && (v == "-" || v == "/dev/stdin") {
			r.stdin = true
		} else {
			r.code = operands[:1]
		}
	}
}

// substDownload returns the downloader when the word holds a command or
// process substitution that writes a download to its output.
func substDownload(prog *shellparse.Program, w *syntax.Word) string {
	found := ""
	shellparse.Walk(w, func(n syntax.Node) bool {
		if found != "" {
			return false
		}
		var stmts []*syntax.Stmt
		switch x := n.(type) {
		case *syntax.CmdSubst:
			stmts = x.Stmts
		case *syntax.ProcSubst:
			if x.Op != syntax.CmdIn {
				return false
			}
			stmts = x.Stmts
		default:
			return true
		}
		for _, s := range stmts {
			shellparse.Walk(s, func(n syntax.Node) bool {
				if st, ok := n.(*syntax.Stmt); ok && found == "" {
					found = downloaderOf(prog, st)
				}
				return found == ""
			})
		}
		return false
	})
	return found
}
