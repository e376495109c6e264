package pgio_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages"
)

// TestLookupThroughLoaderCountsServerQueries resolves a foreign key (username → user
// id) for 20,000 rows over 3,000 distinct users inside a pipeline: the lookup table sees
// at most ceil(distinct / MaxBatch) + a few queries, counted by the server's own
// statistics (scans of the table), and unknown users are rejected with their row.
func TestLookupThroughLoaderCountsServerQueries(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `create table users (id bigint primary key, username text unique);
		insert into users select g, 'user' || g from generate_series(1, 3000) g;
		create table history (username text, user_id bigint)`)
	require.NoError(t, err)

	type row struct {
		Username string
		UserID   int64
	}
	rows := make([]row, 20_000)
	for i := range rows {
		rows[i].Username = "user" + strconv.Itoa(1+(i*7919)%3000)
	}
	rows[12345].Username = "nobody"

	c := connect(t, db)
	fetch, err := pgio.Lookup[string, int64]{Table: pgx.Identifier{"users"}, Key: "username", Columns: []string{"id"}}.Func(c)
	require.NoError(t, err)
	const maxBatch = 500
	loader := stages.NewLoader(fetch, stages.LoaderConfig[string, int64]{MaxBatch: maxBatch})
	defer loader.Close()
	sink, err := pgio.NewCopySink(c, pgio.CopyConfig[row]{Table: pgx.Identifier{"history"}, Columns: []string{"username", "user_id"},
		Values: func(r row, dst []any) ([]any, error) { return append(dst, r.Username, r.UserID), nil }})
	require.NoError(t, err)
	var rejects []pipeline.Reject
	p, err := pipeline.New(pipeline.Config[row]{
		Source: pipeline.SliceSource(rows), Sink: sink, Workers: 4, BatchRows: 1000, MaxRejects: -1,
		Stages:   []pipeline.Stage[row]{stages.Lookup(loader, func(r row) string { return r.Username }, func(r *row, id int64) { r.UserID = id })},
		OnReject: func(r pipeline.Reject) error { rejects = append(rejects, r); return nil },
	})
	require.NoError(t, err)
	sum, err := p.Run(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 19_999, sum.Written)
	require.Len(t, rejects, 1)
	require.EqualValues(t, 12345, rejects[0].Pos.Index)
	require.ErrorIs(t, rejects[0].Err, pgio.ErrNotFound)

	var wrong int
	require.NoError(t, db.Pool.QueryRow(ctx, "select count(*) from history h join users u on u.username = h.username where u.id <> h.user_id").Scan(&wrong))
	require.Zero(t, wrong)

	// The client's backends flush their statistics when they exit.
	c.Close()
	require.Eventually(t, func() bool {
		var n int
		_ = db.Pool.QueryRow(ctx, "select count(*) from pg_stat_activity where datname = current_database() and application_name = 'tmimport'").Scan(&n)
		return n == 0
	}, 10*time.Second, 50*time.Millisecond)
	var scans int64
	require.NoError(t, db.Pool.QueryRow(ctx, "select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) from pg_stat_user_tables where relname = 'users'").Scan(&scans))
	distinct := 3001
	limit := int64((distinct+maxBatch-1)/maxBatch) + 20 // a batch window may close early: a small constant
	t.Logf("lookup queries counted by the server: %d (limit %d)", scans, limit)
	require.Positive(t, scans)
	require.LessOrEqual(t, scans, limit, fmt.Sprintf("%d lookups for %d distinct keys", scans, distinct))
}
