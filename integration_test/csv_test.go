package integration_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// TestCSVImportEqualsOnePlainCopy is the correctness oracle of the CSV path: for files
// with quoted newlines, CRLF, a BOM, multi-byte UTF-8 and both NULL and empty strings,
// with 1, 2, 7 and 64 workers, the table equals one plain COPY of the same file.
func TestCSVImportEqualsOnePlainCopy(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	variants := []struct {
		name string
		opts gen.CSVOptions
	}{
		{"lf", gen.CSVOptions{Rows: 20_000, Seed: 1, Multiline: true}},
		{"crlf bom", gen.CSVOptions{Rows: 20_000, Seed: 2, Multiline: true, CRLF: true, BOM: true}},
	}
	for _, v := range variants {
		var buf bytes.Buffer
		require.NoError(t, gen.TaskHistoryCSV(&buf, v.opts))
		path := writeFile(t, "th.csv", buf.Bytes())
		ref := "ref_" + strings.ReplaceAll(v.name, " ", "_")
		mustExec(t, db.Pool, "create table "+ref+" "+gen.TaskHistoryDDL)
		plainCopy(t, db.Pool, ref, path)
		want := stateOf(t, db.Pool, pgx.Identifier{ref})
		require.EqualValues(t, v.opts.Rows, want.Count)
		for _, binary := range []bool{false, true} {
			for _, workers := range []int{1, 2, 7, 64} {
				table := fmt.Sprintf("%s_w%d_%v", ref, workers, binary)
				mustExec(t, db.Pool, "create table "+table+" "+gen.TaskHistoryDDL)
				args := []string{"csv", "--to", db.DSN, "--table", table, "--workers", strconv.Itoa(workers),
					"--batch-rows", "997", "--report", "json", "-q", "--binary=" + strconv.FormatBool(binary), path}
				r := runCLI(t, args...)
				require.Zero(t, r.code, r.stderr)
				rep := reportOf(t, r)
				require.EqualValues(t, v.opts.Rows, rep["rows_written"])
				// Every batch of these files converts exactly: the binary path must
				// really be taken (it once silently was not), and never without --binary.
				wantBinary := 0.0
				if binary {
					wantBinary = rep["batches"].(float64)
				}
				require.Equal(t, wantBinary, rep["binary_batches"], "%s, %d workers, binary %v", v.name, workers, binary)
				require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{table}), "%s, %d workers, binary %v", v.name, workers, binary)
			}
		}
	}
}

// badKinds are the ways a generated row is broken.
var badKinds = []func(id int) string{
	func(id int) string { return fmt.Sprintf("%d,1,2,COMMENT,too,many,fields,2020-01-01 00:00:00,3", id) },
	func(id int) string { return fmt.Sprintf("%d,1", id) },
	func(id int) string { return fmt.Sprintf("x%d,1,2,COMMENT,bad int,2020-01-01 00:00:00,3", id) },
	func(id int) string { return fmt.Sprintf("%d,1,2,COMMENT,bad date,2020-13-45 99:00:00,3", id) },
	func(id int) string {
		return fmt.Sprintf("%d,1,2,COMMENT,\"bad \xff\xfe utf8\",2020-01-01 00:00:00,3", id)
	},
}

// TestCSVRejectsExactlyTheBadRows plants 37 bad rows at random places: exactly the
// others load, and each bad row is one reject record with its original line and its raw
// bytes; the exit code is 3.
func TestCSVRejectsExactlyTheBadRows(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	const n, nbad = 6000, 37
	rnd := rand.New(rand.NewPCG(37, 37))
	bad := map[int]string{}
	for len(bad) < nbad {
		i := rnd.IntN(n)
		bad[i] = badKinds[len(bad)%len(badKinds)](i)
	}
	// Build the file row by row, remembering each bad row's line and bytes.
	var file bytes.Buffer
	file.WriteString(gen.TaskHistoryHeader + "\n")
	line := int64(2)
	wantLines := map[int64]string{}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var row []byte
	for i := range n {
		row = gen.TaskHistoryRow(row[:0], rnd, int64(i), true, "\n", base)
		if b, ok := bad[i]; ok {
			row = append(row[:0], b+"\n"...)
			wantLines[line] = string(row)
		}
		file.Write(row)
		line += int64(bytes.Count(row, []byte("\n")))
	}
	path := writeFile(t, "bad.csv", file.Bytes())
	for _, binary := range []bool{false, true} {
		t.Run(fmt.Sprintf("binary=%v", binary), func(t *testing.T) {
			checkBadRows(t, db, path, binary, n-nbad, wantLines)
		})
	}
}

// checkBadRows loads path and checks the loaded count and the reject records.
func checkBadRows(t *testing.T, db *pgtest.DB, path string, binary bool, good int, wantLines map[int64]string) {
	table := fmt.Sprintf("th_%v", binary)
	rejects := path + table + ".rejects.jsonl"
	mustExec(t, db.Pool, "create table "+table+" "+gen.TaskHistoryDDL)
	args := []string{"csv", "--to", db.DSN, "--table", table, "--workers", "3", "--batch-rows", "500",
		"--max-rejects", "100", "--rejects", rejects, "--report", "json", "-q", "--binary=" + strconv.FormatBool(binary), path}
	r := runCLI(t, args...)
	require.Equal(t, 3, r.code, r.stderr)
	require.EqualValues(t, good, stateOf(t, db.Pool, pgx.Identifier{table}).Count)
	// Batches without a bad row go as binary COPY; those with one go as CSV, or are
	// isolated on the CSV path after the server refused their binary stream.
	rep := reportOf(t, r)
	if binary {
		require.Greater(t, rep["binary_batches"], 0.0)
		require.Less(t, rep["binary_batches"], rep["batches"])
	} else {
		require.Zero(t, rep["binary_batches"])
	}

	got, _ := rejectLines(t, rejects, path)
	require.Equal(t, wantLines, got)
}

// rejectLines reads a --rejects file of input source: line → raw record, one reject per
// line, each with a message; and the lines in the file's order.
func rejectLines(t *testing.T, rejects, source string) (lines map[int64]string, order []int64) {
	t.Helper()
	data, err := os.ReadFile(rejects)
	require.NoError(t, err)
	gotLines := map[int64]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var rec pgio.RejectRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		raw := rec.Raw
		if rec.RawBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(rec.RawBase64)
			require.NoError(t, err)
			raw = string(b)
		}
		require.NotContains(t, gotLines, rec.Line, "one reject per line")
		gotLines[rec.Line] = raw
		order = append(order, rec.Line)
		require.Equal(t, source, rec.Source)
		require.NotEmpty(t, rec.Message)
	}
	return gotLines, order
}

// TestCSVInterruptKeepsExactlyTheCommittedBatches sends SIGINT halfway through an import:
// the exit code is 1, and the table holds exactly the batches reported committed (no
// partial batch).
func TestCSVInterruptKeepsExactlyTheCommittedBatches(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	// 400 batches: with 80 of them the (binary, one-worker) import took about 0.4 s,
	// which left a loaded machine little time to deliver the signal before the end.
	const n, batch = 400_000, 1000
	var buf bytes.Buffer
	require.NoError(t, gen.TaskHistoryCSV(&buf, gen.CSVOptions{Rows: n, Seed: 9}))
	path := writeFile(t, "big.csv", buf.Bytes())
	mustExec(t, db.Pool, "create table th "+gen.TaskHistoryDDL)
	cmd := exec.Command(cli, "csv", "--to", db.DSN, "--table", "th", "--workers", "1",
		"--batch-rows", strconv.Itoa(batch), "--progress", "none", "-v", path)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	committed, signalled := int64(0), false
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if written, ok := committedRows(sc.Text()); ok {
			committed += written
			if !signalled && committed >= n/2 {
				require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
				signalled = true
			}
		}
	}
	err = cmd.Wait()
	require.True(t, signalled, "the import ended before half of it was committed")
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, strings.Join(lines, "\n"))
	require.Equal(t, 1, ee.ExitCode())
	require.Contains(t, strings.Join(lines, "\n"), "interrupted")
	got := stateOf(t, db.Pool, pgx.Identifier{"th"}).Count
	require.Equal(t, committed, got, "rows in the table = rows of the batches reported committed")
	require.Less(t, got, int64(n))
	require.Zero(t, got%batch, "no partial batch")
}

// TestCSVUsageErrorsExitTwo checks the CLI's usage errors and that nothing is written.
func TestCSVUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	path := writeFile(t, "x.csv", []byte("a\n1\n"))
	cases := [][]string{
		{"csv", "--to", db.DSN, path},
		{"csv", "--to", db.DSN, "--table", "t"},
		{"csv", "--to", db.DSN, "--table", "t", "--workers", "0", path},
		{"csv", "--to", db.DSN, "--table", "t", "--delimiter", "ab", path},
		{"csv", "--to", db.DSN, "--table", `"unterminated`, path},
		{"csv", "--nope", path},
	}
	for _, args := range cases {
		r := runCLI(t, args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "missing", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "does not exist (use --create")
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_tables where tablename in ('t', 'missing')").Scan(&n))
	require.Zero(t, n)
}

// TestEncodingErrorIsConfinedToItsBatch puts one row of invalid UTF-8 in the third batch:
// without a reject budget the import stops at that batch, the two batches before it
// stay committed and the error names the line; with a budget of one, only that row is
// rejected and every other row loads.
func TestEncodingErrorIsConfinedToItsBatch(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	var b bytes.Buffer
	b.WriteString(gen.TaskHistoryHeader + "\n")
	rnd := rand.New(rand.NewPCG(1, 1))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var row []byte
	for i := range 5000 {
		row = gen.TaskHistoryRow(row[:0], rnd, int64(i), false, "\n", base)
		if i == 2500 {
			row = []byte("2500,1,2,COMMENT,\"caf\xe9 in Latin-1\",2020-01-01 00:00:00,3\n")
		}
		b.Write(row)
	}
	path := writeFile(t, "latin1.csv", b.Bytes())
	mustExec(t, db.Pool, "create table strict "+gen.TaskHistoryDDL, "create table budget "+gen.TaskHistoryDDL)

	r := runCLI(t, "csv", "--to", db.DSN, "--table", "strict", "--workers", "1", "--batch-rows", "1000", "-q", path)
	require.Equal(t, 1, r.code)
	require.Contains(t, r.stderr, "line 2502")
	require.Contains(t, r.stderr, "invalid byte sequence")
	require.EqualValues(t, 2000, stateOf(t, db.Pool, pgx.Identifier{"strict"}).Count, "the batches before it stay, nothing of its batch")

	r = runCLI(t, "csv", "--to", db.DSN, "--table", "budget", "--workers", "2", "--batch-rows", "1000", "--max-rejects", "1", "-q", path)
	require.Equal(t, 3, r.code, r.stderr)
	require.EqualValues(t, 4999, stateOf(t, db.Pool, pgx.Identifier{"budget"}).Count)
}
