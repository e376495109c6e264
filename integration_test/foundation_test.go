package integration_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

func TestDatabaseHasPostGIS(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	var version, postgis string
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select current_setting('server_version'), postgis_lib_version()").Scan(&version, &postgis))
	require.True(t, strings.HasPrefix(version, "15") || strings.HasPrefix(version, "16") || strings.HasPrefix(version, "17"), version)
	require.True(t, strings.HasPrefix(postgis, "3."), postgis)
}

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	a, b := pgtest.Start(t), pgtest.Start(t)
	require.NotEqual(t, a.Name, b.Name)
	mustExec(t, a.Pool, "create table only_in_a (id int)")
	var n int
	require.NoError(t, b.Pool.QueryRow(context.Background(), "select count(*) from pg_tables where tablename = 'only_in_a'").Scan(&n))
	require.Zero(t, n)
}

func TestCopyFrom100kRowsMatchesChecksum(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	ctx := context.Background()
	mustExec(t, db.Pool,
		"create table copied (id bigint, name text, geom geometry(Point, 4326))",
		"create table expected (id bigint, name text, geom geometry(Point, 4326))",
	)
	const n = 100_000
	i := 0
	got, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"copied"}, []string{"id", "name", "geom"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		return []any{int64(i), fmt.Sprintf("row %d, \"quoted\" ✓", i), pointEWKB(float64(i%360-180), float64(i%180-90))}, nil
	}))
	require.NoError(t, err)
	require.EqualValues(t, n, got)
	// The reference is computed by the server alone.
	mustExec(t, db.Pool, fmt.Sprintf(`insert into expected
		select g, format('row %%s, "quoted" ✓', g), st_setsrid(st_makepoint(g %% 360 - 180, g %% 180 - 90), 4326)
		from generate_series(1, %d) g`, n))
	want := stateOf(t, db.Pool, pgx.Identifier{"expected"})
	require.EqualValues(t, n, want.Count)
	require.Equal(t, want, stateOf(t, db.Pool, pgx.Identifier{"copied"}))
}

// pointEWKB encodes a 2D point with SRID 4326 as little-endian EWKB.
func pointEWKB(x, y float64) []byte {
	b := []byte{1, 1, 0, 0, 0x20, 0xe6, 0x10, 0, 0}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(y))
}
