package verify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// MaxListed is how many differing or unstable paths WriteText lists.
const MaxListed = 40

// WriteText writes the report for people: a table of the two images
// (before, after, delta), then what was left out of the comparison, what
// differs and the verdict.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "dfopt verify %s\n", r.Dockerfile)
	if r.Verdict == VerdictUnchanged {
		if r.Against != "" {
			fmt.Fprintf(&b, "%s is the same as %s: nothing to verify, nothing was built.\n", r.Against, r.Dockerfile)
		} else {
			fmt.Fprintf(&b, "dfopt changes nothing in %s: nothing to verify, nothing was built.\n", r.Dockerfile)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if r.Builder != "" {
		fmt.Fprintf(&b, "builder: %s\n", r.Builder)
	}
	if r.Against != "" {
		fmt.Fprintf(&b, "rewrite: %s (another Dockerfile, built with the same context)\n", r.Against)
	} else {
		fmt.Fprintf(&b, "rewrite: %d %s by %s\n", r.Fixes, plural(r.Fixes, "fix", "fixes"), strings.Join(r.Passes, ", "))
	}
	if len(r.ContextFiles) > 0 {
		fmt.Fprintf(&b, "context files changed by the rewrite (built with the rewrite): %s\n", strings.Join(r.ContextFiles, ", "))
	}

	if r.Before != nil && r.After != nil {
		b.WriteString("\n")
		var table strings.Builder
		tw := tabwriter.NewWriter(&table, 0, 0, 3, ' ', 0)
		fmt.Fprintf(tw, "\tbefore\tafter\tdelta\n")
		bf, af := r.Before, r.After
		fmt.Fprintf(tw, "layers\t%d\t%d\t%+d\n", bf.Layers, af.Layers, af.Layers-bf.Layers)
		fmt.Fprintf(tw, "bytes added\t%s\t%s\t%s\n", Bytes(bf.AddedBytes), Bytes(af.AddedBytes), deltaBytes(bf.AddedBytes, af.AddedBytes))
		fmt.Fprintf(tw, "  compressed\t%s\t%s\t%s\n", Bytes(bf.AddedCompressedBytes), Bytes(af.AddedCompressedBytes),
			deltaBytes(bf.AddedCompressedBytes, af.AddedCompressedBytes))
		fmt.Fprintf(tw, "build time (no cache)\t%s\t%s\t%s\n", Millis(bf.BuildMs), Millis(af.BuildMs), deltaMillis(bf.BuildMs, af.BuildMs))
		if r.Touched != "" && r.RebuildSkipped == "" {
			fmt.Fprintf(tw, "rebuild time\t%s\t%s\t%s\n", Millis(bf.RebuildMs), Millis(af.RebuildMs), deltaMillis(bf.RebuildMs, af.RebuildMs))
			fmt.Fprintf(tw, "cached steps on rebuild\t%d/%d\t%d/%d\t\n", bf.RebuildCachedSteps, bf.RebuildSteps, af.RebuildCachedSteps, af.RebuildSteps)
			fmt.Fprintf(tw, "downloads on rebuild\t%d\t%d\t%+d\n", bf.RebuildDownloads, af.RebuildDownloads, af.RebuildDownloads-bf.RebuildDownloads)
		}
		fmt.Fprintf(tw, "files differing\t\t%d\t\n", len(r.Differences))
		fmt.Fprintf(tw, "verdict\t\t%s\t\n", r.Verdict)
		tw.Flush()
		for _, line := range strings.SplitAfter(table.String(), "\n") {
			b.WriteString(strings.TrimRight(line, " \n"))
			if strings.HasSuffix(line, "\n") {
				b.WriteString("\n")
			}
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "bytes added: above the %d %s both images share\n", r.SharedLayers, plural(r.SharedLayers, "layer", "layers"))
		switch {
		case r.Touched != "" && r.RebuildSkipped == "":
			fmt.Fprintf(&b, "rebuild: with the cache warm, after appending a line of whitespace to %s\n", r.Touched)
			for _, side := range []struct {
				name string
				ir   *ImageReport
			}{{"the original", bf}, {"the rewrite", af}} {
				if len(side.ir.RebuildDownloaded) > 0 {
					fmt.Fprintf(&b, "downloaded on the rebuild of %s (as the build tools print it): %s\n", side.name, strings.Join(side.ir.RebuildDownloaded, ", "))
				}
			}
		case r.RebuildSkipped != "":
			fmt.Fprintf(&b, "rebuild: not measured: %s\n", r.RebuildSkipped)
		}
		if len(r.Removes) > 0 {
			fmt.Fprintf(&b, "not compared, removed by the passes: %d %s, %s (%s)\n", r.RemovedPaths, plural(r.RemovedPaths, "path", "paths"),
				Bytes(r.RemovedBytes), strings.Join(r.Removes, ", "))
		}
		if len(r.Unstable) > 0 {
			fmt.Fprintf(&b, "not compared, unstable (they differ between two builds of the original, or are package indexes a mirror decides): %d %s\n",
				len(r.Unstable), plural(len(r.Unstable), "path", "paths"))
			list(&b, r.Unstable, "  ")
		}
	}
	if len(r.Differences) > 0 {
		fmt.Fprintf(&b, "files that differ (+ only in the rewrite's image, - only in the original's, ~ changed):\n")
		var lines []string
		for _, d := range r.Differences {
			lines = append(lines, d.String())
		}
		list(&b, lines, "  ")
	}
	var cfg []string
	for _, d := range r.ConfigDifferences {
		if d.AllowedBy == "" {
			cfg = append(cfg, d.String())
		}
	}
	if len(cfg) > 0 {
		fmt.Fprintf(&b, "configuration that differs:\n")
		list(&b, cfg, "  ")
	}
	r.writePurpose(&b)
	if r.Error != "" {
		fmt.Fprintf(&b, "\n%s\n", r.Error)
		if r.LogTail != "" {
			fmt.Fprintf(&b, "--- last lines of the build log ---\n%s\n", r.LogTail)
		}
	}
	b.WriteString("\n")
	switch r.Verdict {
	case VerdictEquivalent:
		b.WriteString(r.equivalentText())
	case VerdictNotEquivalent:
		blocking := 0
		for _, d := range r.ConfigDifferences {
			if d.AllowedBy == "" {
				blocking++
			}
		}
		fmt.Fprintf(&b, "verdict: NOT equivalent: %d %s and %d configuration %s differ%s\n",
			len(r.Differences), plural(len(r.Differences), "path", "paths"), blocking, plural(blocking, "field", "fields"), r.failuresText())
	case VerdictSmokeFailed:
		b.WriteString("verdict: could not run the smoke commands in either image\n")
	case VerdictOriginalFailed:
		b.WriteString("verdict: could not build the original Dockerfile\n")
	case VerdictRewriteFailed:
		b.WriteString("verdict: could not build the rewrite\n")
	case VerdictRebuildFailed:
		b.WriteString("verdict: equivalent, but the rebuild measurement failed\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func list(b *strings.Builder, items []string, indent string) {
	for i, s := range items {
		if i == MaxListed {
			fmt.Fprintf(b, "%s... %d more\n", indent, len(items)-MaxListed)
			return
		}
		fmt.Fprintf(b, "%s%s\n", indent, s)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Bytes formats a size with binary units: "512 B", "1.5 KiB", "20.3 MiB".
func Bytes(n int64) string {
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%s%d B", neg, n)
	case n < 1<<20:
		return fmt.Sprintf("%s%.1f KiB", neg, float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%s%.1f MiB", neg, float64(n)/(1<<20))
	}
	return fmt.Sprintf("%s%.2f GiB", neg, float64(n)/(1<<30))
}

func deltaBytes(before, after int64) string {
	d := after - before
	s := Bytes(d)
	if d > 0 {
		s = "+" + s
	}
	if before > 0 {
		s += fmt.Sprintf(" (%+.1f%%)", 100*float64(d)/float64(before))
	}
	return s
}

// Millis formats a duration given in milliseconds: "1.2s".
func Millis(ms int64) string {
	return fmt.Sprintf("%.1fs", (time.Duration(ms) * time.Millisecond).Seconds())
}

func deltaMillis(before, after int64) string {
	d := after - before
	s := Millis(d)
	if d >= 0 {
		s = "+" + s
	}
	return s
}
