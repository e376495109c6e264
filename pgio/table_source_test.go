package pgio_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
)

// drain reads every chunk of src with n workers' worth of chunks and hands each
// non-empty batch, checked for positions and count, to each.
func drain[R any](t *testing.T, src pipeline.Source[R], n int, each func(b *pipeline.Batch[R])) {
	t.Helper()
	ctx := context.Background()
	for chunk, err := range src.Chunks(ctx, n) {
		require.NoError(t, err)
		var b pipeline.Batch[R]
		for {
			b.Reset()
			err := chunk.Next(ctx, &b, pipeline.Limits{})
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			require.NotEmpty(t, b.Rows)
			require.Len(t, b.Pos, len(b.Rows))
			require.EqualValues(t, len(b.Rows), b.Read)
			for i := 1; i < len(b.Pos); i++ {
				require.Greater(t, b.Pos[i].Index, b.Pos[i-1].Index)
			}
			each(&b)
		}
		require.NoError(t, chunk.Close())
	}
}

// readAll reads src's binary path and returns, per batch, the first column of each row
// (an int8, or -1 for NULL).
func readAll(t *testing.T, src *pgio.TableSource, n int) [][]int64 {
	t.Helper()
	var batches [][]int64
	drain(t, src, n, func(b *pipeline.Batch[[]byte]) {
		var keys []int64
		for _, row := range b.Rows {
			require.GreaterOrEqual(t, len(row), 6)
			if int32(binary.BigEndian.Uint32(row[2:])) < 0 {
				keys = append(keys, -1)
				continue
			}
			keys = append(keys, int64(binary.BigEndian.Uint64(row[6:])))
		}
		batches = append(batches, keys)
	})
	return batches
}

// open opens a table source closed at cleanup.
func open(t *testing.T, c *pgio.Client, cfg pgio.TableSourceConfig) *pgio.TableSource {
	t.Helper()
	src, err := c.OpenTableSource(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(src.Close)
	return src
}

func TestTableSourceBlockRangesReadEachRowOnceInTheSnapshot(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	for _, sql := range []string{
		`create table pk (k bigint primary key, v text)`,
		`insert into pk select i, repeat('x', i % 50) from generate_series(1, 20000) i`,
		`delete from pk where k % 7 = 0`,         // holes
		`update pk set v = 'u' where k % 11 = 0`, // moved row versions
		`create table nokey (k bigint, v text)`,
		`insert into nokey select case when i % 10 = 0 then null else i end, 'r' from generate_series(1, 9000) i`,
	} {
		require.NoError(t, c.Exec(ctx, sql))
	}
	cases := []struct {
		table    string
		splitKey string
		want     int
		nulls    int
	}{
		{"pk", "k", 20000 - 20000/7, 0},
		{"nokey", "", 9000 - 900, 900},
	}
	for _, tc := range cases {
		cfg := pgio.TableSourceConfig{Table: pgx.Identifier{tc.table}, Columns: []string{"k", "v"}, BatchRows: 1000}
		src := open(t, c, cfg)
		require.Equal(t, tc.splitKey, src.SplitKey(), tc.table)
		total := tc.want + tc.nulls
		require.InDelta(t, total, src.Rows(), float64(total)/2, "%s: the estimate", tc.table)
		// Rows added after the snapshot (also in new blocks) are not read.
		require.NoError(t, c.Exec(ctx, "insert into "+tc.table+" select -i, 'late' from generate_series(1, 5000) i"))
		batches := readAll(t, src, 3)
		require.Greater(t, len(batches), 3, "%s: several ranges", tc.table)
		seen, nulls := map[int64]bool{}, 0
		for _, keys := range batches {
			for _, k := range keys {
				if k == -1 {
					nulls++
					continue
				}
				require.False(t, seen[k], "%s: key %d read twice", tc.table, k)
				require.Positive(t, k, "%s: a row inserted after the snapshot", tc.table)
				seen[k] = true
			}
		}
		require.Len(t, seen, tc.want, tc.table)
		require.Equal(t, tc.nulls, nulls, tc.table)
		require.NoError(t, c.Exec(ctx, "delete from "+tc.table+" where v = 'late'"))
	}
}

func TestTableSourceFingerprintIsStableForTheSameTable(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	require.NoError(t, c.Exec(ctx, `create table t (k int primary key, v text)`))
	require.NoError(t, c.Exec(ctx, `insert into t select i, md5(i::text) from generate_series(1, 30000) i`))
	// fingerprint opens and closes a source (an open one holds the table's lock).
	fingerprint := func(cfg pgio.TableSourceConfig) string {
		src, err := c.OpenTableSource(ctx, cfg)
		require.NoError(t, err)
		defer src.Close()
		return src.Fingerprint()
	}
	blocks := pgio.TableSourceConfig{Table: pgx.Identifier{"t"}, BatchRows: 2000}
	for _, cfg := range []pgio.TableSourceConfig{
		blocks,
		{Table: pgx.Identifier{"t"}, SplitBy: "k", BatchRows: 2000},
		{Query: "select k, v from t", SplitBy: "k", BatchRows: 2000},
	} {
		a := fingerprint(cfg)
		require.NoError(t, c.Exec(ctx, "analyze t")) // statistics do not move the plan
		require.Equal(t, a, fingerprint(cfg))
	}
	before := fingerprint(blocks)
	require.NoError(t, c.Exec(ctx, "vacuum full t")) // same rows, rewritten: the ctid ranges mean other rows
	require.NotEqual(t, before, fingerprint(blocks))
}

func TestTableSourceQuerySplitByARepeatedKeyKeepsEachKeyInOneBatch(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	require.NoError(t, c.Exec(ctx, `create table tasks (id int primary key, project_id bigint)`))
	// Skewed projects: project 1 holds a third of the tasks; every 13th task has none.
	require.NoError(t, c.Exec(ctx, `insert into tasks select i, case when i % 13 = 0 then null when i % 3 = 0 then 1 else i % 400 end
		from generate_series(1, 12000) i`))
	src := open(t, c, pgio.TableSourceConfig{Query: "select project_id, id from tasks", SplitBy: "project_id", BatchRows: 500})
	require.Equal(t, "project_id", src.SplitKey())
	require.EqualValues(t, 12000, src.Rows())
	batchOf := map[int64]int{}
	rows := 0
	for i, keys := range readAll(t, src, 4) {
		for _, k := range keys {
			rows++
			if b, ok := batchOf[k]; ok {
				require.Equal(t, b, i, "project %d in two batches", k)
			}
			batchOf[k] = i
		}
	}
	require.Equal(t, 12000, rows)
	require.Contains(t, batchOf, int64(-1), "the NULL keys")
}

func TestTableSourceColumnsNamesEveryColumn(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	require.NoError(t, c.Exec(ctx, `create table t (id bigint primary key, name text, at timestamptz, n numeric(10,2))`))
	cols, err := open(t, c, pgio.TableSourceConfig{Table: pgx.Identifier{"t"}}).Columns(ctx)
	require.NoError(t, err)
	require.Equal(t, []pgio.Column{
		{Name: "id", Type: "bigint"}, {Name: "name", Type: "text"},
		{Name: "at", Type: "timestamp with time zone"}, {Name: "n", Type: "numeric(10,2)"},
	}, cols)
}

func TestTableSourceChunkEndedEarlyLeavesThePoolUsable(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	require.NoError(t, c.Exec(ctx, `create table t (k bigint primary key, v text)`))
	require.NoError(t, c.Exec(ctx, `insert into t select i, md5(i::text) from generate_series(1, 20000) i`))
	cfg := pgio.TableSourceConfig{Table: pgx.Identifier{"t"}, Columns: []string{"k", "v"}, BatchRows: 1000}
	firstChunk := func(src *pgio.TableSource) pipeline.Chunk[[]byte] {
		for chunk, err := range src.Chunks(ctx, 1) {
			require.NoError(t, err)
			return chunk
		}
		t.Fatal("no chunk")
		return nil
	}
	var b pipeline.Batch[[]byte]

	// Closed after one batch, while the next range is on its way.
	src := open(t, c, cfg)
	chunk := firstChunk(src)
	require.NoError(t, chunk.Next(ctx, &b, pipeline.Limits{}))
	require.NotEmpty(t, b.Rows)
	require.NoError(t, chunk.Close())

	// Cancelled between batches.
	cctx, cancel := context.WithCancel(ctx)
	chunk = firstChunk(src)
	b.Reset()
	require.NoError(t, chunk.Next(cctx, &b, pipeline.Limits{}))
	cancel()
	b.Reset()
	require.ErrorIs(t, chunk.Next(cctx, &b, pipeline.Limits{}), context.Canceled)
	require.NoError(t, chunk.Close())

	// A range the server fails: the error is the server's.
	bad := open(t, c, pgio.TableSourceConfig{Query: "select k, 10 / (k - 5000) as x from t", SplitBy: "k", BatchRows: 1000})
	chunk = firstChunk(bad)
	var err error
	for err == nil {
		b.Reset()
		err = chunk.Next(ctx, &b, pipeline.Limits{})
	}
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, "22012", pgErr.Code)
	require.NoError(t, chunk.Close())

	// Every connection came back usable: whole reads on all of them still work. (The
	// client's pool is small: close each source, as the two above are.)
	src.Close()
	bad.Close()
	for range 3 {
		whole, err := c.OpenTableSource(ctx, cfg)
		require.NoError(t, err)
		rows := 0
		for _, keys := range readAll(t, whole, 3) {
			rows += len(keys)
		}
		whole.Close()
		require.Equal(t, 20000, rows)
	}
}

func TestTableSourcePartitionedTableIsCutByItsKey(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	for _, sql := range []string{
		`create table p (k bigint primary key, v text) partition by range (k)`,
		`create table p1 partition of p for values from (minvalue) to (3000)`,
		`create table p2 partition of p for values from (3000) to (maxvalue)`,
		`insert into p select i, 'v' from generate_series(1, 6000) i`,
	} {
		require.NoError(t, c.Exec(ctx, sql))
	}
	src := open(t, c, pgio.TableSourceConfig{Table: pgx.Identifier{"p"}, Columns: []string{"k", "v"}, BatchRows: 1000})
	require.Equal(t, "k", src.SplitKey())
	require.EqualValues(t, 6000, src.Rows())
	batches := readAll(t, src, 2)
	require.Greater(t, len(batches), 4, "key ranges, not one batch of the whole table")
	seen := map[int64]bool{}
	for _, keys := range batches {
		require.LessOrEqual(t, len(keys), 2000)
		for _, k := range keys {
			require.False(t, seen[k])
			seen[k] = true
		}
	}
	require.Len(t, seen, 6000)
}

// TestTableSourceValuesReadsTheSameRowsDecoded: the typed path reads the same ranges in
// the same snapshot as the binary path, each row decoded, every row once.
func TestTableSourceValuesReadsTheSameRowsDecoded(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	c := connect(t, db)
	ctx := context.Background()
	require.NoError(t, c.Exec(ctx, `create table tv (k bigint, v text, g geometry(Point,4326))`))
	require.NoError(t, c.Exec(ctx, `insert into tv select case when i % 10 = 0 then null else i end, 'r' || i,
		st_setsrid(st_makepoint(i, 1), 4326) from generate_series(1, 7000) i`))
	for _, cfg := range []pgio.TableSourceConfig{
		{Table: pgx.Identifier{"tv"}, BatchRows: 500},               // block ranges
		{Table: pgx.Identifier{"tv"}, SplitBy: "k", BatchRows: 500}, // key ranges and a NULL range
	} {
		src := open(t, c, cfg)
		require.NoError(t, c.Exec(ctx, "insert into tv values (-1, 'late', null)")) // after the snapshot
		binaryBatches := readAll(t, src, 3)
		var typed [][]any
		drain(t, src.Values(), 3, func(b *pipeline.Batch[[]any]) { typed = append(typed, b.Rows...) })
		var n int
		for _, keys := range binaryBatches {
			n += len(keys)
		}
		require.Len(t, typed, n, "the same rows as the binary path")
		require.Len(t, typed, 7000, "every row of the snapshot, none added later")
		seen := map[string]bool{}
		for _, row := range typed {
			require.Len(t, row, 3)
			v := row[1].(string)
			require.False(t, seen[v], "row %s read twice", v)
			seen[v] = true
			require.IsType(t, []byte{}, row[2], "geometry as EWKB bytes")
		}
		require.NoError(t, c.Exec(ctx, "delete from tv where v = 'late'"))
	}
}
