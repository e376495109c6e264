package integration_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// tableState is what the oracle compares: the row count and an order-independent
// checksum of the rows' text forms.
type tableState struct {
	Count    int64
	Checksum string
}

// stateOf reads the count and checksum of a table (a qualified, quoted identifier).
func stateOf(tb testing.TB, pool *pgxpool.Pool, table pgx.Identifier) tableState {
	tb.Helper()
	var s tableState
	q := `select count(*), coalesce(md5(string_agg(t::text, E'\n' order by t::text)), '') from ` + table.Sanitize() + ` t`
	require.NoError(tb, pool.QueryRow(context.Background(), q).Scan(&s.Count, &s.Checksum))
	return s
}

// mustExec runs SQL statements and fails the test on error.
func mustExec(tb testing.TB, pool *pgxpool.Pool, sqls ...string) {
	tb.Helper()
	for _, sql := range sqls {
		_, err := pool.Exec(context.Background(), sql)
		require.NoError(tb, err, sql)
	}
}
