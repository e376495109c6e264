package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tmimport/tmimport/pipeline"
)

// report is the end-of-run summary (DESIGN.md §5).
type report struct {
	Command      string  `json:"command"`
	Table        string  `json:"table"`
	Mode         string  `json:"mode"`
	RowsRead     int64   `json:"rows_read"`
	RowsWritten  int64   `json:"rows_written"`
	RowsRejected int64   `json:"rows_rejected"`
	RowsSkipped  int64   `json:"rows_skipped"`
	Batches      int64   `json:"batches"`
	Workers      int     `json:"workers"`
	DurationS    float64 `json:"duration_s"`
	RowsPerS     float64 `json:"rows_per_s"`
	ImportID     string  `json:"import_id"`
	Error        string  `json:"error,omitempty"`
}

// newReport fills a report from a pipeline summary and its error.
func newReport(cmd, table, mode string, sum pipeline.Summary, err error) report {
	r := report{
		Command: cmd, Table: table, Mode: mode,
		RowsRead: sum.Read, RowsWritten: sum.Written, RowsRejected: sum.Rejected, RowsSkipped: sum.Skipped,
		Batches: sum.Batches, Workers: sum.Workers, DurationS: sum.Duration.Seconds(),
	}
	if s := sum.Duration.Seconds(); s > 0 {
		r.RowsPerS = float64(sum.Written) / s
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// print writes the report as JSON (one object on w) or as text.
func (r report) print(w io.Writer, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		_ = enc.Encode(r)
		return
	}
	status := "done"
	if r.Error != "" {
		status = "FAILED"
	}
	fmt.Fprintf(w, "tmimport %s: %s: %d rows written to %s in %.2f s (%.0f rows/s); %d read, %d rejected, %d skipped; %d batches, %d workers\n",
		r.Command, status, r.RowsWritten, r.Table, r.DurationS, r.RowsPerS, r.RowsRead, r.RowsRejected, r.RowsSkipped, r.Batches, r.Workers)
}
