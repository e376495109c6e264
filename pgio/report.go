package pgio

import (
	"fmt"
	"io"

	"github.com/tmimport/tmimport/pipeline"
)

// Report is the end-of-load summary the CLI prints (`--report json`: one object on
// stdout, also on failure), built by [NewReport] from what Load returned.
type Report struct {
	Command      string `json:"command"`
	Table        string `json:"table"`
	Mode         string `json:"mode"`
	RowsRead     int64  `json:"rows_read"`
	RowsWritten  int64  `json:"rows_written"`
	RowsRejected int64  `json:"rows_rejected"`
	RowsSkipped  int64  `json:"rows_skipped"`
	Batches      int64  `json:"batches"`
	// BinaryBatches counts the batches sent as binary COPY converted in the client;
	// the rest went as the input's CSV.
	BinaryBatches int64   `json:"binary_batches"`
	Workers       int     `json:"workers"`
	DurationS     float64 `json:"duration_s"`
	RowsPerS      float64 `json:"rows_per_s"`
	ImportID      string  `json:"import_id"`
	Error         string  `json:"error,omitempty"`
}

// NewReport reports a load of table (as the user wrote it) in mode, from Load's
// summary, its LoadInfo and error. The counts agree with the error: the rejects of a
// batch that broke MaxRejects are counted.
func NewReport(command, table, mode, importID string, sum pipeline.Summary, info LoadInfo, err error) Report {
	rejected := max(sum.Rejected, info.Rejected)
	r := Report{
		Command: command, Table: table, Mode: mode, ImportID: importID,
		RowsRead: max(sum.Read, sum.Written+rejected+sum.Skipped), RowsWritten: sum.Written,
		RowsRejected: rejected, RowsSkipped: sum.Skipped, Batches: sum.Batches,
		BinaryBatches: info.BinaryBatches, Workers: max(info.Workers, sum.Workers), DurationS: sum.Duration.Seconds(),
	}
	if s := sum.Duration.Seconds(); s > 0 {
		r.RowsPerS = float64(sum.Written) / s
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// WriteText writes the report as one line, for a person.
func (r Report) WriteText(w io.Writer) {
	outcome := "done"
	if r.Error != "" {
		outcome = "FAILED"
	}
	fmt.Fprintf(w, "tmimport %s: %s: %d rows written to %s in %.2f s (%.0f rows/s); %d read, %d rejected, %d skipped; %d batches, %d workers\n",
		r.Command, outcome, r.RowsWritten, r.Table, r.DurationS, r.RowsPerS, r.RowsRead, r.RowsRejected, r.RowsSkipped, r.Batches, r.Workers)
}
