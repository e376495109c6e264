package integration_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
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
