package verify

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// SmokeLines is how many lines of each output stream the text report
// shows for a smoke command whose results differ.
const SmokeLines = 20

// writePurpose writes what was changed on purpose, the summaries of the
// files, the program's files and the smoke commands.
func (r *Report) writePurpose(b *strings.Builder) {
	var purpose []string
	if r.BaseBefore != "" || r.BaseAfter != "" {
		by := ""
		for _, c := range r.Changes {
			if c.Change == "base" {
				by = c.By
				break
			}
		}
		purpose = append(purpose, fmt.Sprintf("base: %s (declared by %s)", describeBase(r.BaseBefore, r.BaseAfter), by))
	}
	for _, d := range r.ConfigDifferences {
		if d.AllowedBy != "" {
			purpose = append(purpose, d.String())
		}
	}
	pathBy := sortDeclared(r.Changes).pathDeclarer()
	for _, d := range r.ChangedPaths {
		purpose = append(purpose, d.String()+" (declared by "+pathBy(d.Path)+")")
	}
	if r.BaseChangedPaths > 0 {
		purpose = append(purpose, fmt.Sprintf("%d %s that differ with the base (summed up below)",
			r.BaseChangedPaths, plural(r.BaseChangedPaths, "path", "paths")))
	}
	if len(purpose) > 0 {
		b.WriteString("changed on purpose:\n")
		list(b, purpose, "  ")
	}
	writeSummary(b, "went away (only in the original's image)", r.Gone)
	writeSummary(b, "new (only in the rewrite's image)", r.New)

	if len(r.ProgramFiles) > 0 {
		b.WriteString("the program's own files:\n")
		for _, p := range r.ProgramFiles {
			fmt.Fprintf(b, "  %s\n", p)
		}
	}
	if r.SmokeSkipped != "" {
		fmt.Fprintf(b, "smoke: %s\n", r.SmokeSkipped)
	}
	if len(r.Smoke) > 0 {
		b.WriteString("smoke commands, run in both images (the exit status, standard output and standard error must be the same):\n")
		for _, s := range r.Smoke {
			name := s.Command
			if s.Default {
				name = "(default) " + strings.Join(s.Before.Argv, " ")
				if a := strings.Join(s.After.Argv, " "); a != strings.Join(s.Before.Argv, " ") {
					name += " / " + a
				}
			}
			if s.Same {
				fmt.Fprintf(b, "  %s: same: %s\n", name, s.Before.brief())
				continue
			}
			fmt.Fprintf(b, "  %s: DIFFERENT\n", name)
			for _, side := range []struct {
				what string
				run  *SmokeRun
			}{{"original", s.Before}, {"rewrite", s.After}} {
				side.run.writeText(b, side.what)
			}
		}
	}
}

// brief describes a run in a few words.
func (r *SmokeRun) brief() string {
	return fmt.Sprintf("exit %d, %s on stdout, %s on stderr", r.Status, lines(r.Stdout, r.StdoutBytes), lines(r.Stderr, r.StderrBytes))
}

func lines(s string, size int64) string {
	if size == 0 {
		return "nothing"
	}
	n := strings.Count(s, "\n")
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	out := fmt.Sprintf("%d %s", n, plural(n, "line", "lines"))
	if size > int64(len(s)) {
		out += fmt.Sprintf(" (%s, the first %s compared)", Bytes(size), Bytes(int64(len(s))))
	}
	return out
}

// writeText shows a run whose result differs.
func (r *SmokeRun) writeText(b *strings.Builder, what string) {
	if r.Error != "" {
		fmt.Fprintf(b, "    %s: could not run %q: %s\n", what, strings.Join(r.Argv, " "), r.Error)
		for _, l := range splitLines(r.LogTail) {
			fmt.Fprintf(b, "      log | %s\n", l)
		}
		return
	}
	shell := ""
	if r.Shell != "" {
		shell = ", run with " + r.Shell
	}
	fmt.Fprintf(b, "    %s: %q: exit %d%s\n", what, strings.Join(r.Argv, " "), r.Status, shell)
	for _, st := range []struct{ name, text string }{{"stdout", r.Stdout}, {"stderr", r.Stderr}} {
		ls := splitLines(st.text)
		for i, l := range ls {
			if i == SmokeLines {
				fmt.Fprintf(b, "      %s ... %d more lines\n", st.name, len(ls)-SmokeLines)
				break
			}
			fmt.Fprintf(b, "      %s | %s\n", st.name, l)
		}
	}
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// writeSummary writes a FileSummary as a small table.
func writeSummary(b *strings.Builder, title string, s *FileSummary) {
	if s == nil {
		return
	}
	fmt.Fprintf(b, "%s: %d %s, %s\n", title, s.Files, plural(s.Files, "file", "files"), Bytes(s.Bytes))
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 3, ' ', tabwriter.AlignRight)
	for _, d := range s.Dirs {
		fmt.Fprintf(tw, "%s\t%d %s\t\t%s\n", Bytes(d.Bytes), d.Files, plural(d.Files, "file", "files"), d.Dir)
	}
	tw.Flush()
	for _, l := range splitLines(table.String()) {
		fmt.Fprintf(b, "  %s\n", strings.TrimRight(l, " "))
	}
	if s.OtherDirs > 0 {
		fmt.Fprintf(b, "  and %d more %s, %s\n", s.OtherDirs, plural(s.OtherDirs, "directory", "directories"), Bytes(s.OtherBytes))
	}
}

// equivalentText is the verdict line of an equivalent pair.
func (r *Report) equivalentText() string {
	allowed := 0
	for _, d := range r.ConfigDifferences {
		if d.AllowedBy != "" {
			allowed++
		}
	}
	smoke := ""
	if len(r.Smoke) > 0 {
		smoke = fmt.Sprintf("; %d smoke %s gave the same results", len(r.Smoke), plural(len(r.Smoke), "command", "commands"))
	}
	switch {
	case r.BaseBefore != "" || r.BaseAfter != "":
		return "verdict: equivalent: the base changes on purpose, the other differences are declared, and the program's own files are there" + smoke + "\n"
	case allowed > 0 || len(r.ChangedPaths) > 0:
		return "verdict: equivalent: the rewrite builds the same files and configuration apart from the changes it makes on purpose" + smoke + "\n"
	}
	return "verdict: equivalent: the rewrite builds the same files and configuration" + smoke + "\n"
}

// failuresText adds the missing program files and differing smoke
// commands to the verdict line.
func (r *Report) failuresText() string {
	missing, differ := 0, 0
	for _, p := range r.ProgramFiles {
		if p.Missing {
			missing++
		}
	}
	for _, s := range r.Smoke {
		if !s.Same {
			differ++
		}
	}
	out := ""
	if missing > 0 {
		out += fmt.Sprintf("; %d of the program's own files %s missing", missing, plural(missing, "is", "are"))
	}
	if differ > 0 {
		out += fmt.Sprintf("; %d smoke %s different results", differ, plural(differ, "command gives", "commands give"))
	}
	return out
}
