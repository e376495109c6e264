package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tmimport/tmimport/pipeline"
)

// report is the end-of-run summary (DESIGN.md §5).
type report struct {
	Command      string `json:"command"`
	Table        string `json:"table"`
	Mode         string `json:"mode"`
	RowsRead     int64  `json:"rows_read"`
	RowsWritten  int64  `json:"rows_written"`
	RowsRejected int64  `json:"rows_rejected"`
	RowsSkipped  int64  `json:"rows_skipped"`
	Batches      int64  `json:"batches"`
	// BinaryBatches counts the batches sent as binary COPY (csv --binary); the rest
	// went as CSV.
	BinaryBatches int64   `json:"binary_batches"`
	Workers       int     `json:"workers"`
	DurationS     float64 `json:"duration_s"`
	RowsPerS      float64 `json:"rows_per_s"`
	ImportID      string  `json:"import_id"`
	Error         string  `json:"error,omitempty"`
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

// printReport writes an end-of-run report as the flags ask: rep as JSON on stdout with
// --report json, else text on stderr unless -q.
func printReport(f *common, stdout, stderr io.Writer, rep any, text func(io.Writer)) {
	switch {
	case f.report == "json":
		_ = json.NewEncoder(stdout).Encode(rep)
	case !f.quiet:
		text(stderr)
	}
}

// status is a report's one-word outcome; the error itself follows.
func status(errText string) string {
	if errText != "" {
		return "FAILED"
	}
	return "done"
}

// text writes the report as one line.
func (r report) text(w io.Writer) {
	fmt.Fprintf(w, "tmimport %s: %s: %d rows written to %s in %.2f s (%.0f rows/s); %d read, %d rejected, %d skipped; %d batches, %d workers\n",
		r.Command, status(r.Error), r.RowsWritten, r.Table, r.DurationS, r.RowsPerS, r.RowsRead, r.RowsRejected, r.RowsSkipped, r.Batches, r.Workers)
}
