package tm

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
