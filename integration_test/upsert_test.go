package integration_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// keyedInput builds a CSV "id,val" of n rows over keys drawn so about dupFrac of the
// rows repeat an earlier key, and returns it with the expected final value per key for
// upsert (last occurrence wins) and ignore (first occurrence wins).
func keyedInput(seed uint64, n int, dupFrac float64) (csv []byte, last, first map[int64]string) {
	rnd := rand.New(rand.NewPCG(seed, 4))
	w := newWinners()
	var keys []int64
	var b bytes.Buffer
	b.WriteString("id,val\n")
	for i := range n {
		var k int64
		if len(keys) > 0 && rnd.Float64() < dupFrac {
			k = keys[rnd.IntN(len(keys))]
		} else {
			k = rnd.Int64N(int64(n) * 3)
			keys = append(keys, k)
		}
		v := fmt.Sprintf("row %d, \"%d\"", i, k)
		fmt.Fprintf(&b, "%d,\"%s\"\n", k, bytes.ReplaceAll([]byte(v), []byte(`"`), []byte(`""`)))
		w.add(k, v)
	}
	return b.Bytes(), w.last, w.first
}

// winners is the value each key of an input must end with: its last occurrence for
// upsert, its first for ignore.
type winners struct{ last, first map[int64]string }

func newWinners() winners { return winners{last: map[int64]string{}, first: map[int64]string{}} }

// add records an occurrence of key k with value v.
func (w winners) add(k int64, v string) {
	w.last[k] = v
	if _, ok := w.first[k]; !ok {
		w.first[k] = v
	}
}

// of returns the values mode keeps.
func (w winners) of(mode string) map[int64]string {
	if mode == "ignore" {
		return w.first
	}
	return w.last
}

// loadKeyed creates table (id bigint primary key, then cols) and imports path into it
// with `tmimport csv --mode mode` and args.
func loadKeyed(t *testing.T, db *pgtest.DB, table, cols, mode, path string, args ...string) result {
	t.Helper()
	mustExec(t, db.Pool, "create table "+table+" (id bigint primary key, "+cols+")")
	return runCLI(t, append([]string{"csv", "--to", db.DSN, "--table", table, "--mode", mode}, append(args, path)...)...)
}

// tableMap reads id → val.
func tableMap(t *testing.T, pool *pgxpool.Pool, table string) map[int64]string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "select id, val from "+table)
	require.NoError(t, err)
	out := map[int64]string{}
	var id int64
	var val string
	_, err = pgx.ForEachRow(rows, []any{&id, &val}, func() error {
		_, dup := out[id]
		require.False(t, dup, "duplicate key %d", id)
		out[id] = val
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestUpsertAndIgnoreMatchTheDocumentedSemantics loads an input with 10% duplicate keys
// into a table where about 30% of the input's keys already exist.
func TestUpsertAndIgnoreMatchTheDocumentedSemantics(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	csv, last, first := keyedInput(11, 30_000, 0.10)
	path := writeFile(t, "keyed.csv", csv)
	// Preload: every third distinct input key, with a value the input never has.
	preload := map[int64]string{}
	i := 0
	for k := range last {
		if i%3 == 0 {
			preload[k] = "old " + strconv.FormatInt(k, 10)
		}
		i++
	}
	for _, mode := range []string{"upsert", "ignore"} {
		for _, workers := range []int{1, 2, 8} {
			table := fmt.Sprintf("%s_%d", mode, workers)
			mustExec(t, db.Pool, "create table "+table+" (id bigint primary key, val text)")
			_, err := db.Pool.CopyFrom(context.Background(), pgx.Identifier{table}, []string{"id", "val"},
				pgx.CopyFromFunc(iterMap(preload)))
			require.NoError(t, err)
			r := runCLI(t, "csv", "--to", db.DSN, "--table", table, "--mode", mode, "--workers", strconv.Itoa(workers),
				"--batch-rows", "1000", "-q", "--report", "json", path)
			require.Zero(t, r.code, r.stderr)
			want := map[int64]string{}
			for k, v := range preload {
				want[k] = v
			}
			for k := range last {
				switch _, existed := preload[k]; {
				case mode == "upsert":
					want[k] = last[k]
				case !existed:
					want[k] = first[k]
				}
			}
			require.Equal(t, want, tableMap(t, db.Pool, table), "%s with %d workers", mode, workers)
		}
	}
}

func iterMap(m map[int64]string) func() ([]any, error) {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return func() ([]any, error) {
		if len(keys) == 0 {
			return nil, nil
		}
		k := keys[0]
		keys = keys[1:]
		return []any{k, m[k]}, nil
	}
}

// TestConcurrentOverlappingUpsertsNeverDeadlock runs two 8-worker upserts of overlapping
// keys at once, 20 times: both succeed, and every key ends with the value of one of the
// two inputs (its last occurrence there).
func TestConcurrentOverlappingUpsertsNeverDeadlock(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	csvA, lastA, _ := keyedInput(21, 8000, 0.2)
	csvB, lastB, _ := keyedInput(22, 8000, 0.2) // same key space: many keys overlap
	pa, pb := writeFile(t, "a.csv", csvA), writeFile(t, "b.csv", csvB)
	for rep := range 20 {
		table := fmt.Sprintf("both_%d", rep)
		mustExec(t, db.Pool, "create table "+table+" (id bigint primary key, val text)")
		var wg sync.WaitGroup
		res := make([]result, 2)
		for i, p := range []string{pa, pb} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = runCLI(t, "csv", "--to", db.DSN, "--table", table, "--mode", "upsert", "--workers", "8", "--batch-rows", "500", "-q", p)
			}()
		}
		wg.Wait()
		for _, r := range res {
			require.Zero(t, r.code, r.stderr)
			require.NotContains(t, r.stderr, "deadlock")
		}
		got := tableMap(t, db.Pool, table)
		for k, v := range got {
			a, inA := lastA[k]
			b, inB := lastB[k]
			require.True(t, (inA && v == a) || (inB && v == b), "key %d = %q is neither input's last value", k, v)
		}
		require.Len(t, got, len(union(lastA, lastB)))
	}
}

func union(a, b map[int64]string) map[int64]bool {
	out := map[int64]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// TestConcurrentCreateBootstrapsOnce starts 16 importers with --create on an empty
// database at once: all succeed, the table exists once with every row of every input,
// and no advisory lock is left behind.
func TestConcurrentCreateBootstrapsOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	var wg sync.WaitGroup
	res := make([]result, 16)
	for i := range res {
		path := writeFile(t, fmt.Sprintf("in%d.csv", i), fmt.Appendf(nil, "id,name,at\n%d,importer %d,2024-01-0%d\n", i, i, 1+i%9))
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = runCLI(t, "csv", "--to", db.DSN, "--table", "fresh.boot", "--create", "--key", "id", "--mode", "upsert", "-q", "--report", "json", path)
		}()
	}
	wg.Wait()
	for _, r := range res {
		require.Zero(t, r.code, r.stderr)
		require.NotContains(t, r.stderr, "42P07")
		require.NotContains(t, r.stderr, "23505")
		require.EqualValues(t, 1, reportOf(t, r)["rows_written"])
	}
	var n, locks int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from fresh.boot").Scan(&n))
	require.Equal(t, 16, n)
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())").Scan(&locks))
	require.Zero(t, locks)
	var pk string
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'fresh.boot'::regclass and contype = 'p'").Scan(&pk))
	require.Equal(t, "PRIMARY KEY (id)", pk)
}

// TestKeyedModesKeepInputOrderWithRaggedRowsAndRejects checks the input order of the
// staged rows where it is hardest to keep: rows of very different sizes (pages left
// partly empty, which a free space map would offer to later rows), many occurrences of
// few keys in one batch, and bad rows that make the batch be reloaded row range by row
// range under savepoints. Upsert must keep each key's last good row, ignore its first.
func TestKeyedModesKeepInputOrderWithRaggedRowsAndRejects(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	rnd := rand.New(rand.NewPCG(7, 7))
	var b bytes.Buffer
	b.WriteString("id,val,n\n")
	w := newWinners()
	bad := 0
	for i := range 6000 {
		k := rnd.Int64N(40)
		if i%997 == 500 { // a bad n: rejected, and its batch reloaded under savepoints
			fmt.Fprintf(&b, "%d,bad,x%d\n", k, i)
			bad++
			continue
		}
		v := fmt.Sprintf("%d:%s", i, strings.Repeat("x", []int{1, 30, 700, 1900}[rnd.IntN(4)]))
		fmt.Fprintf(&b, "%d,%s,%d\n", k, v, i)
		w.add(k, v)
	}
	path := writeFile(t, "ragged.csv", b.Bytes())
	for _, mode := range []string{"upsert", "ignore"} {
		table := "ragged_" + mode
		r := loadKeyed(t, db, table, "val text, n int", mode, path, "--workers", "2",
			"--batch-rows", "3000", "--max-rejects", "100", "-q", "--report", "json")
		require.Equal(t, 3, r.code, r.stderr)
		rep := reportOf(t, r)
		require.EqualValues(t, bad, rep["rows_rejected"])
		require.Equal(t, w.of(mode), tableMap(t, db.Pool, table), mode)
	}
}

// TestKeyedModesStagedInKeyOrderReportRejectsByLine loads rows whose integer keys come
// in random order, so the client stages each batch sorted by key. Quoted newlines make
// a record's line differ from its index, and some rows are bad: a non-integer n (the
// batch goes as CSV, and the server's line numbers count the rows as sent, in key
// order), too few or too many fields (the source no longer splits every field of a
// keyed import: the server refuses them), and a NULL key (that batch cannot be sorted in
// the client and is left to the server). Every bad row must be reported with its own
// input line and bytes, in input order with one worker, and the table must hold what
// the mode's documented semantics say.
func TestKeyedModesStagedInKeyOrderReportRejectsByLine(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 9))
	b := bytes.NewBufferString("id,val,n\n")
	line, wantLines := int64(2), map[int64]string{}
	w := newWinners()
	for i := range 5000 {
		k := rnd.Int64N(4000) // about a fifth of the keys repeat
		v := fmt.Sprintf("%d", i)
		if i%7 == 0 {
			v += "\nsecond line"
		}
		row := fmt.Sprintf("%d,\"%s\",%d\n", k, v, i)
		bad := true
		switch {
		case i%613 == 100:
			row = fmt.Sprintf("%d,\"%s\",x%d\n", k, v, i)
		case i%911 == 300:
			row = fmt.Sprintf("%d,\"%s\"\n", k, v)
		case i%1201 == 600:
			row = fmt.Sprintf("%d,\"%s\",%d,extra\n", k, v, i)
		case i == 2222:
			row = fmt.Sprintf(",\"%s\",%d\n", v, i)
		default:
			bad = false
			w.add(k, v)
		}
		if bad {
			wantLines[line] = row
		}
		b.WriteString(row)
		line += int64(strings.Count(row, "\n"))
	}
	path := writeFile(t, "shuffled.csv", b.Bytes())
	db := pgtest.Start(t)
	for _, mode := range []string{"upsert", "ignore"} {
		for _, c := range []struct {
			binary  bool
			workers int
		}{{true, 2}, {false, 2}, {true, 1}} {
			table := fmt.Sprintf("shuffled_%s_%v_%d", mode, c.binary, c.workers)
			rejects := path + table + ".rejects.jsonl"
			r := loadKeyed(t, db, table, "val text, n int", mode, path, "--workers", strconv.Itoa(c.workers),
				"--batch-rows", "700", "--max-rejects", "100", "--rejects", rejects, "--binary="+strconv.FormatBool(c.binary),
				"-q", "--report", "json")
			require.Equal(t, 3, r.code, r.stderr)
			require.EqualValues(t, len(wantLines), reportOf(t, r)["rows_rejected"])
			got, order := rejectLines(t, rejects, path)
			require.Equal(t, wantLines, got, table)
			if c.workers == 1 {
				require.True(t, slices.IsSorted(order), "%s: rejects in input order, got lines %v", table, order)
			}
			require.Equal(t, w.of(mode), tableMap(t, db.Pool, table), table)
		}
	}
}

// TestKeyedModesKeepTheInputsLineEndings loads shuffled integer keys from files with
// CRLF and CR line endings and no line ending after the last record, on the CSV and
// binary paths: a batch sent in key order must not mix line endings (the server
// refuses a stream that does), so every row is stored.
func TestKeyedModesKeepTheInputsLineEndings(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	for _, eol := range []string{"\r\n", "\r"} {
		rnd := rand.New(rand.NewPCG(5, uint64(len(eol))))
		w := newWinners()
		rows := []string{"id,val"}
		for i := range 2000 {
			k := rnd.Int64N(1500)
			v := fmt.Sprintf("v%d", i)
			rows = append(rows, fmt.Sprintf("%d,%s", k, v))
			w.add(k, v)
		}
		path := writeFile(t, fmt.Sprintf("eol%d.csv", len(eol)), []byte(strings.Join(rows, eol)))
		for _, mode := range []string{"upsert", "ignore"} {
			for _, binary := range []bool{false, true} {
				table := fmt.Sprintf("eol%d_%s_%v", len(eol), mode, binary)
				r := loadKeyed(t, db, table, "val text", mode, path, "--workers", "2",
					"--batch-rows", "300", "--binary="+strconv.FormatBool(binary), "-q")
				require.Zero(t, r.code, "%s: %s", table, r.stderr)
				require.Equal(t, w.of(mode), tableMap(t, db.Pool, table), table)
			}
		}
	}
}
