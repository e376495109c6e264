package integration_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// TestPGCopyEqualsSourceWithSkewedKeyAndWithoutKey copies a table with a skewed integer
// key (split by key percentiles) and one without an integer key (split by block
// ranges) between two databases with 1, 2 and 8 workers: the target equals the source
// by count and checksum, NULL keys included.
func TestPGCopyEqualsSourceWithSkewedKeyAndWithoutKey(t *testing.T) {
	t.Parallel()
	src, dst := pgtest.Start(t), pgtest.Start(t)
	mustExec(t, src.Pool,
		// 90% of the keys in the first 1% of the range, a few NULLs, geometry and jsonb.
		`create table skewed (k bigint primary key, v text, g geometry(Point,4326), j jsonb)`,
		`insert into skewed select case when i <= 45000 then i else i * 1000 end, 'v' || i,
			st_setsrid(st_makepoint(i % 180, i % 90), 4326), jsonb_build_object('i', i) from generate_series(1, 50000) i`,
		`create table nokey (name text, n numeric, at timestamptz)`,
		`insert into nokey select md5(i::text), i / 7.0, '2020-01-01'::timestamptz + i * interval '1 minute' from generate_series(1, 30000) i`,
		`insert into nokey values (null, null, null)`,
		`create table nullkeys (k int, v text)`,
		`insert into nullkeys select case when i % 10 = 0 then null else i end, 'r' || i from generate_series(1, 5000) i`,
	)
	for _, table := range []string{"skewed", "nokey", "nullkeys"} {
		want := stateOf(t, src.Pool, pgx.Identifier{table})
		for _, workers := range []int{1, 2, 8} {
			target := fmt.Sprintf("%s_w%d", table, workers)
			args := []string{"pg", "--from", src.DSN, "--to", dst.DSN, "--table", table, "--target-table", target,
				"--create", "--workers", strconv.Itoa(workers), "--batch-rows", "3000", "-q", "--report", "json"}
			if table == "nullkeys" {
				args = append(args, "--split-by", "k")
			}
			r := runCLI(t, args...)
			require.Zero(t, r.code, r.stderr)
			require.EqualValues(t, want.Count, reportOf(t, r)["rows_written"])
			require.Equal(t, want, stateOf(t, dst.Pool, pgx.Identifier{target}), "%s with %d workers", table, workers)
		}
	}
}
