package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// reportOf parses a --report json output.
func reportOf(t *testing.T, r result) map[string]any {
	t.Helper()
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "stdout %q stderr %q", r.stdout, r.stderr)
	return rep
}

// startCLI starts the CLI and calls onLine for each stderr line until it exits.
func startCLI(t *testing.T, onLine func(cmd *exec.Cmd, line string), args ...string) (*exec.Cmd, chan error) {
	t.Helper()
	cmd := exec.Command(cli, args...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			onLine(cmd, sc.Text())
		}
		done <- cmd.Wait()
	}()
	return cmd, done
}

// committedRows parses a -v "committed chunk" line: the rows its batch wrote.
func committedRows(line string) (written int64, ok bool) {
	var chunk, batch int
	var from, to, rejected int64
	_, err := fmt.Sscanf(line, "tmimport: committed chunk %d batch %d: lines %d-%d, %d rows written, %d rejected",
		&chunk, &batch, &from, &to, &written, &rejected)
	return written, err == nil
}

// countLines counts the lines of out that match.
func countLines(out string, match func(string) bool) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if match(line) {
			n++
		}
	}
	return n
}

// requireKilled requires that a CLI run started by startCLI ended by SIGKILL, not on
// its own.
func requireKilled(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, msg)
	ws, ok := ee.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "%s: %v", msg, err)
}

// TestSIGKILLThenResumeLoadsEveryRowExactlyOnce kills the CLI at a random batch (20
// seeds) and re-runs it with the same import id: the table equals one plain load, and
// the second run skips exactly the rows committed before the kill.
func TestSIGKILLThenResumeLoadsEveryRowExactlyOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	path, want := reference(t, db.Pool, gen.CSVOptions{Rows: 150_000, Seed: 5, Multiline: true})
	for seed := range 20 {
		table := fmt.Sprintf("th_%d", seed)
		mustExec(t, db.Pool, "create table "+table+" "+gen.TaskHistoryDDL)
		// Small batches: with 1,000-row ones the whole import took a few tenths of a
		// second, and on a loaded machine it could end before the kill landed.
		args := []string{"csv", "--to", db.DSN, "--table", table, "--workers", "2", "--batch-rows", "200", "--import-id", "kill-" + table, "--progress", "none"}
		killAt := int64(1 + seed) // reported batches before the kill (of 750)
		var seen atomic.Int64
		_, done := startCLI(t, func(cmd *exec.Cmd, line string) {
			if strings.Contains(line, "committed chunk") && seen.Add(1) == killAt {
				_ = cmd.Process.Kill() // SIGKILL: no cleanup of any kind
			}
		}, append(args, "-v", path)...)
		requireKilled(t, <-done, "seed %d: the import finished before the kill", seed)
		before := stateOf(t, db.Pool, pgx.Identifier{table}).Count
		require.Positive(t, before, "seed %d: the batches reported committed are in the table", seed)
		require.Less(t, before, want.Count)

		r := runCLI(t, append(args, "--report", "json", "-q", path)...)
		require.Zero(t, r.code, r.stderr)
		rep := reportOf(t, r)
		require.EqualValues(t, before, rep["rows_skipped"], "seed %d", seed)
		require.EqualValues(t, want.Count-before, rep["rows_written"], "seed %d", seed)
		require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{table}), "seed %d", seed)
	}
}

// TestResumeWithChangedInputOrChunkingIsRefused re-runs a finished import id with one
// byte of the input changed, and with another --batch-rows: both are refused before any
// write, saying what differs.
func TestResumeWithChangedInputOrChunkingIsRefused(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	var buf bytes.Buffer
	require.NoError(t, gen.TaskHistoryCSV(&buf, gen.CSVOptions{Rows: 5000, Seed: 6}))
	path := writeFile(t, "th.csv", buf.Bytes())
	mustExec(t, db.Pool, "create table th "+gen.TaskHistoryDDL)
	args := []string{"csv", "--to", db.DSN, "--table", "th", "--import-id", "same-id", "-q"}
	r := runCLI(t, append(args, "--batch-rows", "1000", path)...)
	require.Zero(t, r.code, r.stderr)
	loaded := stateOf(t, db.Pool, pgx.Identifier{"th"})

	r = runCLI(t, append(args, "--batch-rows", "1000", path)...)
	require.Zero(t, r.code, "an unchanged re-run skips everything: %s", r.stderr)
	require.Equal(t, loaded, stateOf(t, db.Pool, pgx.Identifier{"th"}))

	changed := bytes.Clone(buf.Bytes())
	i := bytes.LastIndex(changed, []byte("COMMENT"))
	require.Positive(t, i)
	changed[i] = 'K' // one byte
	require.NoError(t, os.WriteFile(path, changed, 0o644))
	r = runCLI(t, append(args, "--batch-rows", "1000", path)...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "input content hash was")

	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	r = runCLI(t, append(args, "--batch-rows", "999", path)...)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "--batch-rows was 1000, now 999")
	require.Equal(t, loaded, stateOf(t, db.Pool, pgx.Identifier{"th"}), "nothing was written")

	list := runCLI(t, "ledger", "list", "--to", db.DSN)
	require.Zero(t, list.code, list.stderr)
	require.Contains(t, list.stdout, "same-id")
	forget := runCLI(t, "ledger", "forget", "--to", db.DSN, "same-id")
	require.Zero(t, forget.code, forget.stderr)
	r = runCLI(t, append(args, "--batch-rows", "999", "--report", "json", path)...)
	require.Zero(t, r.code, "a forgotten id starts afresh: %s", r.stderr)
	require.EqualValues(t, 2*loaded.Count, stateOf(t, db.Pool, pgx.Identifier{"th"}).Count)
}

// TestTerminatedBackendsAreRetriedExactlyOnce terminates every tmimport backend at about
// a quarter of a 1 M-row import with an import id, three times: each import exits 0 and the
// table equals one plain load.
func TestTerminatedBackendsAreRetriedExactlyOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	const n = 1_000_000
	path, want := reference(t, db.Pool, gen.CSVOptions{Rows: n, Seed: 7})
	for rep := range 3 {
		table := fmt.Sprintf("th_%d", rep)
		mustExec(t, db.Pool, "create table "+table+" "+gen.TaskHistoryDDL)
		var written atomic.Int64
		var terminated atomic.Int64
		var out strings.Builder // written before the run ends, read after
		_, done := startCLI(t, func(_ *exec.Cmd, line string) {
			out.WriteString(line + "\n")
			w, ok := committedRows(line)
			if !ok {
				return
			}
			// Results come in input order: chunk 1's only after chunk 0 ends. Both chunks
			// run at once, so an eighth reported (a quarter of chunk 0) is about a
			// quarter done, which leaves the faster binary path time to be hit.
			if written.Add(w) >= n/8 && terminated.Load() == 0 {
				var k int64
				err := db.Pool.QueryRow(context.Background(), "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'tmimport' and datname = current_database()").Scan(&k)
				if err == nil {
					terminated.Store(k)
				}
			}
		}, "csv", "--to", db.DSN, "--table", table, "--workers", "2", "--batch-rows", "10000", "--import-id", table, "--progress", "none", "-v", path)
		select {
		case err := <-done:
			require.NoError(t, err, "run %d: %s", rep, out.String())
		case <-time.After(5 * time.Minute):
			t.Fatal("import did not finish")
		}
		require.Positive(t, terminated.Load(), "run %d: no backend was terminated", rep)
		require.Contains(t, out.String(), "retrying", "run %d: the terminations were noticed", rep)
		require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{table}), "run %d", rep)
	}
}

// TestHostileHeaderNamesBecomeExactlyThoseColumnsOrAreRefused feeds CSV headers with
// hostile names: each becomes exactly that column (read back from the catalog) or the
// import is refused before any SQL, and nothing else in the database changes.
func TestHostileHeaderNamesBecomeExactlyThoseColumnsOrAreRefused(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	mustExec(t, db.Pool, "create table x (id int)", "insert into x values (42)")
	good := []string{`a";DROP TABLE x;--`, `"`, "select", "MixedCase", "ñandú ✓", strings.Repeat("p", 63)}
	var hdr bytes.Buffer
	for i, h := range good {
		if i > 0 {
			hdr.WriteByte(',')
		}
		hdr.Write(gen.AppendCSVField(nil, []byte(h)))
	}
	path := writeFile(t, "good.csv", append(hdr.Bytes(), "\n1,2,3,4,5,6\n"...))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "hostile", "--create", "-q", path)
	require.Zero(t, r.code, r.stderr)
	rows, err := db.Pool.Query(context.Background(), "select attname from pg_attribute where attrelid = 'hostile'::regclass and attnum > 0 order by attnum")
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, good, got)

	refused := map[string]string{
		"too long":  strings.Repeat("p", 63) + "a," + strings.Repeat("p", 63) + "b",
		"empty":     "a,,c",
		"duplicate": "a,b,a",
		"nul":       "a,\"b\x00\"",
	}
	for name, header := range refused {
		path := writeFile(t, strings.ReplaceAll(name, " ", "_")+".csv", []byte(header+"\n1,2,3\n"))
		r := runCLI(t, "csv", "--to", db.DSN, "--table", "refused_"+strings.ReplaceAll(name, " ", "_"), "--create", "-q", path)
		require.NotZero(t, r.code, name)
		require.Contains(t, r.stderr, "header", name)
	}
	var tables, x int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_tables where tablename like 'refused%'").Scan(&tables))
	require.Zero(t, tables)
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select id from x").Scan(&x))
	require.Equal(t, 42, x)
}
