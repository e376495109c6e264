package pgio

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Staging is a table an import writes into before it becomes visible in the target all
// at once: for --atomic (published by INSERT … SELECT in one transaction) and for the
// replace mode (swapped in for the target).
type Staging struct {
	client *Client
	target pgx.Identifier
	// Table is the staging table; point the sink at it.
	Table pgx.Identifier
	// Existed reports that the staging table was already there (a resumed import).
	Existed bool
	replace bool
}

// stagingName derives the staging table's name from the target and the import id (so a
// resumed import finds it again), within PostgreSQL's 63-byte limit.
func stagingName(target pgx.Identifier, importID, kind string) pgx.Identifier {
	h := fnv.New64a()
	h.Write([]byte(target.Sanitize() + "\x00" + importID))
	suffix := fmt.Sprintf("_tmimport_%s_%016x", kind, h.Sum64())
	base := target[len(target)-1]
	for len(base)+len(suffix) > MaxIdentifierLen {
		base = base[:len(base)-1]
	}
	name := append(pgx.Identifier{}, target[:len(target)-1]...)
	return append(name, base+suffix)
}

// NewStaging creates (or, for a resumed import, finds) the staging table of target:
// with replace, a copy of the target's definition (LIKE … INCLUDING ALL) that will
// replace it; otherwise a table with the target's columns, constraints and indexes that
// Publish moves into it. The table is unlogged unless importID is set, since an
// unlogged table does not survive a server crash and a resumable import must.
func (c *Client) NewStaging(ctx context.Context, target pgx.Identifier, importID string, replace bool) (*Staging, error) {
	kind := "atomic"
	like := "including defaults including constraints including indexes"
	if replace {
		kind, like = "new", "including all"
	}
	st := &Staging{client: c, target: target, Table: stagingName(target, importID, kind), replace: replace}
	logged := "unlogged "
	if importID != "" {
		logged = ""
	}
	err := c.InLockedTx(ctx, target, func(tx pgx.Tx) error {
		var err error
		if st.Existed, err = exists(ctx, tx, st.Table.Sanitize()); err != nil || st.Existed {
			return err
		}
		_, err = tx.Exec(ctx, fmt.Sprintf("create %stable %s (like %s %s)", logged, st.Table.Sanitize(), target.Sanitize(), like))
		return err
	})
	if err != nil {
		return nil, c.scrub(fmt.Errorf("pgio: staging table for %s: %w", target.Sanitize(), err))
	}
	return st, nil
}

// Publish makes the staged rows visible in one transaction and drops the staging table.
// For --atomic it moves them with INSERT … SELECT (ON CONFLICT for the keyed modes: the
// staging table already holds one row per key); for replace it swaps the tables. It
// returns the rows that reached the target.
func (st *Staging) Publish(ctx context.Context, cols []string, mode Mode, key []string) (int64, error) {
	var n int64
	err := st.client.InLockedTx(ctx, st.target, func(tx pgx.Tx) error {
		if st.replace {
			return st.swap(ctx, tx, &n)
		}
		sql := insertSelect(st.target, st.Table, cols)
		if mode != Append {
			sql = upsertFrom(st.target, st.Table, cols, key, mode, "", "")
		}
		tag, err := tx.Exec(ctx, sql)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "drop table "+st.Table.Sanitize())
		return err
	})
	if err != nil {
		return 0, st.client.scrub(fmt.Errorf("pgio: publish into %s: %w", st.target.Sanitize(), err))
	}
	return n, nil
}

// swap replaces the target by the staging table.
func (st *Staging) swap(ctx context.Context, tx pgx.Tx, n *int64) error {
	if err := tx.QueryRow(ctx, "select count(*) from "+st.Table.Sanitize()).Scan(n); err != nil {
		return err
	}
	old := stagingName(st.target, "", "old")
	name := pgx.Identifier{st.target[len(st.target)-1]}.Sanitize()
	stmts := []string{
		fmt.Sprintf("alter table %s rename to %s", st.target.Sanitize(), pgx.Identifier{old[len(old)-1]}.Sanitize()),
		fmt.Sprintf("alter table %s rename to %s", st.Table.Sanitize(), name),
		"drop table " + old.Sanitize(),
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "2BP01" {
				return fmt.Errorf("replace cannot drop the old table because other objects depend on it (views, foreign keys): %w", err)
			}
			return err
		}
	}
	return nil
}

// Drop removes the staging table (after a failed import that cannot be resumed).
func (st *Staging) Drop(ctx context.Context) error {
	return st.client.Exec(ctx, "drop table if exists "+st.Table.Sanitize())
}
