package tm

import (
	"fmt"
	"io"
)

// Report is the verification report of a migration, as `tmimport tm --report json`
// prints it.
type Report struct {
	Command   string        `json:"command"`
	Revision  string        `json:"source_revision"`
	Mode      string        `json:"mode"`
	ImportID  string        `json:"import_id"`
	Tables    []TableReport `json:"tables"`
	DurationS float64       `json:"duration_s"`
	Error     string        `json:"error,omitempty"`
}

// TableReport is one table's line of a [Report].
type TableReport struct {
	Table      string `json:"table"`
	Source     string `json:"source"`
	SourceRows int64  `json:"source_rows"`
	TargetRows int64  `json:"target_rows"`
	Written    int64  `json:"rows_written"`
	Skipped    int64  `json:"rows_skipped"`
	Rejected   int64  `json:"rows_rejected"`
	// DurationS is the table's pipeline run, in seconds.
	DurationS float64 `json:"duration_s"`
	// OK says the target holds exactly the rows written and skipped, and every folded
	// child table's rows became entries.
	OK      bool         `json:"ok"`
	Folds   []FoldReport `json:"folds,omitempty"`
	Reasons []string     `json:"reject_reasons,omitempty"` // the first few
	Notes   []string     `json:"notes,omitempty"`
}

// FoldReport is the check of one child table folded into a table.
type FoldReport struct {
	Name       string `json:"name"`
	SourceRows int64  `json:"source_rows"`
	Entries    int64  `json:"target_entries"`
	OK         bool   `json:"ok"`
}

// TableNames returns the names of every target table, in migration order.
func TableNames() []string {
	all := Tables()
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.Name
	}
	return names
}

// WriteText writes the report as a table, for a person.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "\ntmimport tm: verification (source revision %q, mode %s)\n", r.Revision, r.Mode)
	fmt.Fprintf(w, "  %-26s %12s %12s %10s %10s %9s  %s\n", "table", "source rows", "target rows", "rejected", "skipped", "seconds", "check")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "  %-26s %12d %12d %10d %10d %9.2f  %s\n", t.Table, t.SourceRows, t.TargetRows, t.Rejected, t.Skipped, t.DurationS, verdict(t.OK))
		for _, c := range t.Folds {
			fmt.Fprintf(w, "  %-26s %12d %12d %10s %10s %9s  %s (%s)\n", "", c.SourceRows, c.Entries, "", "", "", verdict(c.OK), c.Name)
		}
		for _, r := range t.Reasons {
			fmt.Fprintf(w, "  %-26s rejected: %s\n", "", r)
		}
		if n := t.Rejected - int64(len(t.Reasons)); n > 0 && len(t.Reasons) > 0 {
			fmt.Fprintf(w, "  %-26s rejected: … and %d more (see --rejects)\n", "", n)
		}
		for _, n := range t.Notes {
			fmt.Fprintf(w, "  %-26s note: %s\n", "", n)
		}
	}
	outcome := "done"
	if r.Error != "" {
		outcome = "FAILED"
	}
	fmt.Fprintf(w, "tmimport tm: %s in %.2f s\n", outcome, r.DurationS)
}

// verdict is a verification's outcome in the report.
func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISMATCH"
}
