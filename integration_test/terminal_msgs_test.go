package integration_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// TestOverBudgetSaysWhyAndCountsAgree runs a CSV import whose rejects pass
// --max-rejects: the error names the count, the budget and the first reject's line and
// reason (not the pipeline's internal words), and the JSON report's rows_rejected is the
// count the error gives, not the committed batches' alone (issue 14 items 6 and 7).
func TestOverBudgetSaysWhyAndCountsAgree(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table budget (id int, v text)")
	path := writeFile(t, "budget.csv", []byte("id,v\n1,a\n2,b\nx,c\n4,d\ny,e\nz,f\n"))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "budget", "--workers", "1", "--batch-rows", "2", "--max-rejects", "1", "--report", "json", "-q", path)
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "too many rejected records: 3, more than --max-rejects (LoadOptions.MaxRejects) 1 allows; the first: "+path+" line 4 column id:")
	require.Contains(t, r.stderr, "invalid input syntax for type integer")
	require.NotContains(t, r.stderr, "pipeline:")
	rep := reportOf(t, r)
	require.EqualValues(t, 3, rep["rows_rejected"])
	require.Contains(t, rep["error"], "too many rejected records: 3")
	require.EqualValues(t, stateOf(t, db.Pool, pgx.Identifier{"budget"}).Count, rep["rows_written"])
}

// TestPTYCtrlCOfAnAtomicImportSaysNothingWasPublishedAndHowToResume types Ctrl-C on
// the terminal of an --atomic import with an import id, part-way through: the message
// says nothing was published (it said "N rows … committed and stay" while the table
// had none) and prints the command that resumes; the target stays empty, and that
// command then loads every row exactly once (issue 14 item 3).
func TestPTYCtrlCOfAnAtomicImportSaysNothingWasPublishedAndHowToResume(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	const rows = 60_000
	var buf bytes.Buffer
	require.NoError(t, gen.TaskHistoryCSV(&buf, gen.CSVOptions{Rows: rows, Seed: 16}))
	path := writeFile(t, "atomic.csv", buf.Bytes())
	mustExec(t, db.Pool, "create table th "+gen.TaskHistoryDDL)
	args := []string{"csv", "--to", db.DSN, "--table", "th", "--atomic", "--import-id", "atomic-1", "--workers", "2", "--batch-rows", "500", path}
	c := startPTY(t, args...)
	var staged int64
	for staged < 5000 { // rows committed to the staging table
		select {
		case <-c.exit:
			t.Fatalf("the import ended before the Ctrl-C:\n%s", lastOf(c.output()))
		case <-time.After(20 * time.Millisecond):
		}
		_ = db.Pool.QueryRow(context.Background(), "select coalesce(sum(rows_written), 0) from tmimport.ledger where import_id = 'atomic-1'").Scan(&staged)
	}
	_, err := c.ptmx.Write([]byte{3}) // Ctrl-C
	require.NoError(t, err)
	code, out := c.wait(t, ptyHang)
	require.Equal(t, 1, code, lastOf(out))
	require.Contains(t, out, "interrupted: nothing was published")
	require.Contains(t, out, "resume with: tmimport csv --to")
	require.Contains(t, out, "--import-id atomic-1")
	require.Zero(t, countOf(context.Background(), db.Pool, "th"), "nothing published")

	r := runCLI(t, append(args, "-q", "--report", "json")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.EqualValues(t, rows, countOf(context.Background(), db.Pool, "th"))
	rep := reportOf(t, r)
	require.Positive(t, rep["rows_skipped"])
	var finished bool
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select finished_at is not null from tmimport.imports where import_id = 'atomic-1'").Scan(&finished))
	require.True(t, finished, "the ledger records the import's end (it never did when the display hung)")
}
