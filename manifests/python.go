package manifests

import (
	"path"
	"strings"
)

var pipValued = []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
	"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
	"-t", "--target", "--prefix", "--root", "--src", "--platform", "--python-version",
	"--implementation", "--abi", "--upgrade-strategy", "--global-option", "--install-option",
	"--config-settings", "-C", "--progress-bar", "--root-user-action", "--cache-dir", "--log",
	"--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
	"--only-binary", "--no-binary", "--report", "--python", "--use-feature", "--use-deprecated"}

func pipStep(st *Step, args []string) (*Step, bool) {
	if len(args) == 0 || args[0] != "install" {
		return nil, false
	}
	opts, operands := splitOpts(args[1:], pipValued...)
	switch {
	case hasOpt(opts, "-e", "--editable"):
		st.reason = "it installs a project from the sources (-e)"
		return st, false
	}
	for _, op := range operands {
		if LocalPath(op) {
			st.reason = "it installs " + op + ", which is on disk, not in a package index"
			return st, false
		}
	}
	for _, o := range []string{"-t", "--target", "--prefix", "--root", "--src"} {
		for _, v := range opts[o] {
			if !path.IsAbs(v) {
				st.reason = "it installs into a relative directory (" + o + " " + v + ")"
				return st, false
			}
		}
	}
	for _, o := range []string{"-f", "--find-links"} {
		for _, v := range opts[o] {
			if !strings.Contains(v, "://") || strings.HasPrefix(v, "file:") {
				st.reason = "it finds packages in " + v + ", on disk"
				return st, false
			}
		}
	}
	for _, o := range []string{"-r", "--requirement", "-c", "--constraint"} {
		st.files = append(st.files, opts[o]...)
	}
	if len(st.files) > 0 {
		files := st.files
		st.check = func(cr contextReader) ([]string, string) { return nestedRequirements(cr, files) }
	}
	return st, false
}

// nestedRequirements reads requirement files and returns those they include
// (-r, -c), or why the install reads more than requirement files.
func nestedRequirements(cr contextReader, files []string) ([]string, string) {
	seen := map[string]bool{}
	for _, f := range files {
		seen[path.Clean(f)] = true
	}
	var extra []string
	queue := append([]string(nil), files...)
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		data, ok := cr.read(f)
		if !ok {
			return nil, f + " is not in the build context"
		}
		for _, line := range requirementLines(string(data)) {
			fields := strings.Fields(line)
			opt := fields[0]
			val := ""
			if n, v, ok := strings.Cut(opt, "="); ok && strings.HasPrefix(opt, "--") {
				opt, val = n, v
			} else if len(fields) > 1 {
				val = fields[1]
			} else if len(opt) > 2 && (strings.HasPrefix(opt, "-r") || strings.HasPrefix(opt, "-c") || strings.HasPrefix(opt, "-e") || strings.HasPrefix(opt, "-f")) {
				opt, val = opt[:2], opt[2:]
			}
			switch opt {
			case "-r", "--requirement", "-c", "--constraint":
				if strings.Contains(val, "://") {
					continue
				}
				inc := path.Join(path.Dir(f), val)
				if path.IsAbs(val) {
					return nil, f + " includes " + val + ", an absolute path"
				}
				if !seen[inc] {
					seen[inc] = true
					extra = append(extra, inc)
					queue = append(queue, inc)
				}
				continue
			case "-e", "--editable":
				return nil, f + " installs a project from the sources (" + line + ")"
			case "-f", "--find-links":
				if !strings.Contains(val, "://") || strings.HasPrefix(val, "file:") {
					return nil, f + " finds packages in " + val + ", on disk"
				}
				continue
			}
			if strings.HasPrefix(opt, "-") {
				continue
			}
			spec := line
			if _, url, ok := strings.Cut(line, "@"); ok && strings.Contains(line, " @ ") {
				spec = strings.TrimSpace(url)
			}
			if LocalPath(strings.Fields(spec)[0]) {
				return nil, f + " installs " + strings.Fields(spec)[0] + ", which is on disk"
			}
		}
	}
	return extra, ""
}

// requirementLines returns the logical lines of a requirements file without
// comments and blank lines.
func requirementLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\\\n", "")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "#"); i == 0 || (i > 0 && (line[i-1] == ' ' || line[i-1] == '\t')) {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func pipenvStep(st *Step, args []string) (*Step, bool) {
	opts, operands := splitOpts(args, "--python", "--pypi-mirror", "-r", "--requirements", "--categories", "--extra-pip-args")
	if len(operands) != 1 || (operands[0] != "install" && operands[0] != "sync") {
		return nil, false
	}
	if hasOpt(opts, "-r", "--requirements", "-e", "--editable") {
		st.reason = "it installs from other files"
		return st, false
	}
	st.files = []string{"Pipfile"}
	st.optional = []string{"Pipfile.lock"}
	st.Outputs = []string{".venv"}
	if operands[0] == "install" && !hasOpt(opts, "--deploy", "--ignore-pipfile") {
		st.lock = "Pipfile.lock"
	}
	st.noContext = "dfopt needs the build context to read the Pipfile"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("Pipfile")
		if !ok {
			return nil, "Pipfile is not in the build context"
		}
		if tomlMentions(string(data), "path", "editable") {
			return nil, "the Pipfile has a path or editable package, in the sources"
		}
		return nil, ""
	}
	return st, false
}

// tomlMentions reports whether a TOML file sets one of the keys anywhere
// (a coarse reading that errs towards true).
func tomlMentions(s string, keys ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		for _, k := range keys {
			if strings.HasPrefix(line, k+" ") || strings.HasPrefix(line, k+"=") ||
				strings.Contains(line, " "+k+" =") || strings.Contains(line, " "+k+"=") ||
				strings.Contains(line, "{"+k+" =") || strings.Contains(line, "{"+k+"=") {
				return true
			}
		}
	}
	return false
}

func poetryStep(st *Step, args []string) (*Step, bool) {
	opts, operands := splitOpts(args, "--with", "--without", "--only", "-E", "--extras", "-C", "--directory", "-P", "--project")
	if len(operands) != 1 || operands[0] != "install" {
		return nil, false
	}
	if hasOpt(opts, "-C", "--directory", "-P", "--project", "--only-root") {
		st.reason = "it installs for another directory or only the project"
		return st, false
	}
	st.files = []string{"pyproject.toml"}
	st.optional = []string{"poetry.lock", "poetry.toml"}
	st.Outputs = []string{".venv"}
	if !hasOpt(opts, "--no-root") {
		st.prefetch = "--no-root"
	}
	st.noContext = "dfopt needs the build context to read pyproject.toml"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("pyproject.toml")
		if !ok {
			return nil, "pyproject.toml is not in the build context"
		}
		if tomlMentions(string(data), "path", "develop") {
			return nil, "pyproject.toml has a path dependency, in the sources"
		}
		return nil, ""
	}
	return st, false
}
