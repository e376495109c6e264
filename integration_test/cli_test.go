package integration_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/testdata/gen"
)

// result is one CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the tmimport binary and returns its output and exit code.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(cli, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{out.String(), errb.String(), code}
}

// writeFile writes data into the test's temp dir and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// plainCopy loads a CSV file with header into table with one plain COPY, the reference
// every import is compared against.
func plainCopy(t *testing.T, pool *pgxpool.Pool, table string, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	conn, err := pool.Acquire(context.Background())
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Conn().PgConn().CopyFrom(context.Background(), f, "COPY "+table+" FROM STDIN WITH (FORMAT csv, HEADER)")
	require.NoError(t, err)
}

// reference writes a generated task-history CSV into the test's temp dir, loads it
// into a new table ref with one plain COPY, and returns the file's path and ref's state.
func reference(t *testing.T, pool *pgxpool.Pool, opts gen.CSVOptions) (path string, want tableState) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gen.TaskHistoryCSV(&buf, opts))
	path = writeFile(t, "th.csv", buf.Bytes())
	mustExec(t, pool, "create table ref "+gen.TaskHistoryDDL)
	plainCopy(t, pool, "ref", path)
	return path, stateOf(t, pool, pgx.Identifier{"ref"})
}
