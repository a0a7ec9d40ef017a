package manifests

import (
	"path"
	"strings"

	"golang.org/x/mod/modfile"
)

func goStep(st *Step, args []string) (*Step, bool) {
	if len(args) < 2 || args[0] != "mod" || (args[1] != "download" && args[1] != "verify") {
		return nil, false
	}
	for _, a := range args[2:] {
		if strings.HasPrefix(a, "-") && a != "-x" && a != "-json" && a != "-reuse" && !strings.HasPrefix(a, "-reuse=") {
			st.reason = "it has the flag " + a
			return st, false
		}
	}
	st.files = []string{"go.mod"}
	st.optional = []string{"go.sum"}
	st.noContext = "dfopt needs the build context to read go.mod's replace directives"
	st.check = func(cr contextReader) ([]string, string) {
		if _, ok := cr.read("go.work"); ok {
			return nil, "go.work makes this a workspace, whose modules are in the sources"
		}
		data, ok := cr.read("go.mod")
		if !ok {
			return nil, "go.mod is not in the build context"
		}
		mf, err := modfile.Parse("go.mod", data, nil)
		if err != nil {
			return nil, "go.mod does not parse"
		}
		for _, r := range mf.Replace {
			if modfile.IsDirectoryPath(r.New.Path) {
				return nil, "go.mod replaces a module with " + r.New.Path + ", in the sources"
			}
		}
		return nil, ""
	}
	return st, false
}

func composerStep(st *Step, args []string) (*Step, bool) {
	opts, operands := splitOpts(args, "-d", "--working-dir")
	if len(operands) != 1 || operands[0] != "install" {
		return nil, false
	}
	if hasOpt(opts, "-d", "--working-dir") {
		st.reason = "it installs for another directory"
		return st, false
	}
	st.files = []string{"composer.json"}
	st.optional = []string{"composer.lock", "auth.json"}
	st.Outputs = []string{"vendor"}
	var missing []string
	if !hasOpt(opts, "--no-scripts") {
		missing = append(missing, "--no-scripts")
	}
	if !hasOpt(opts, "--no-autoloader") {
		missing = append(missing, "--no-autoloader")
	}
	st.prefetch = strings.Join(missing, " ")
	st.noContext = "dfopt needs the build context to read composer.json"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("composer.json")
		if !ok {
			return nil, "composer.json is not in the build context"
		}
		if strings.Contains(strings.ReplaceAll(string(data), " ", ""), `"type":"path"`) {
			return nil, "composer.json has a path repository, in the sources"
		}
		return nil, ""
	}
	return st, false
}

func bundleStep(st *Step, args []string) (*Step, bool) {
	opts, operands := splitOpts(args, "--path", "--without", "--with", "--jobs", "-j", "--retry", "--gemfile", "--binstubs", "--standalone")
	if len(operands) > 1 || (len(operands) == 1 && operands[0] != "install") {
		return nil, false
	}
	if hasOpt(opts, "--gemfile") {
		st.reason = "it reads another Gemfile"
		return st, false
	}
	st.files = []string{"Gemfile"}
	st.optional = []string{"Gemfile.lock"}
	st.dirs = []string{".bundle"}
	for _, p := range opts["--path"] {
		if !path.IsAbs(p) {
			st.Outputs = append(st.Outputs, p)
		}
	}
	if hasOpt(opts, "--deployment") {
		st.Outputs = append(st.Outputs, "vendor/bundle")
	}
	if !hasOpt(opts, "--frozen", "--deployment") {
		st.lock = "Gemfile.lock"
	}
	st.noContext = "dfopt needs the build context to read the Gemfile"
	st.check = func(cr contextReader) ([]string, string) {
		data, ok := cr.read("Gemfile")
		if !ok {
			return nil, "the Gemfile is not in the build context"
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "#") {
				continue
			}
			if strings.HasPrefix(line, "gemspec") || strings.Contains(line, "path:") || strings.Contains(line, ":path") ||
				strings.HasPrefix(line, "eval_gemfile") || strings.HasPrefix(line, "path ") {
				return nil, "the Gemfile uses gems from the sources (" + line + ")"
			}
		}
		return nil, ""
	}
	return st, false
}

var dotnetProjectExts = []string{".csproj", ".fsproj", ".vbproj", ".sln", ".slnx"}

func dotnetStep(st *Step, args []string) (*Step, bool) {
	if len(args) == 0 || args[0] != "restore" {
		return nil, false
	}
	_, operands := splitOpts(args[1:], "-s", "--source", "-r", "--runtime", "--packages", "--configfile", "-v", "--verbosity", "-p", "--property")
	if len(operands) > 1 || (len(operands) == 1 && strings.Contains(operands[0], "/")) {
		st.reason = "it restores a project in another directory"
		return st, false
	}
	st.optional = []string{"nuget.config", "NuGet.Config", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json"}
	st.Outputs = []string{"obj"}
	st.noContext = "dfopt needs the build context to find the project files"
	named := ""
	if len(operands) == 1 {
		named = operands[0]
	}
	st.check = func(cr contextReader) ([]string, string) {
		var projects []string
		for _, n := range cr.list(".") {
			for _, ext := range dotnetProjectExts {
				if strings.HasSuffix(n, ext) && (named == "" || n == named) {
					projects = append(projects, n)
				}
			}
		}
		if len(projects) == 0 {
			return nil, "no project file in the build context"
		}
		for _, p := range projects {
			data, _ := cr.read(p)
			if strings.Contains(string(data), "ProjectReference") || strings.HasSuffix(p, ".sln") || strings.HasSuffix(p, ".slnx") {
				return nil, p + " refers to other projects, in the sources"
			}
		}
		return projects, ""
	}
	return st, false
}
