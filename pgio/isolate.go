package pgio

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// move moves the rows the isolator staged into the target (the keyed modes), rejecting
// the rows the move refuses. The staging table has the target's columns and CHECK
// constraints but not its foreign keys or unique indexes, so a foreign key or a unique
// violation on another column than the key shows only here, without a line. The move
// is first tried whole inside a savepoint; when it fails with a data or integrity
// error, the staged rows are moved in halves, each in its own savepoint, down to the
// single rows that fail, which are rejected with the server's SQLSTATE and message.
// Parts are moved in staged order, so what wins among repeated keys is the same as
// for a whole move of the rows kept. pick says the move picks one row per key.
func (iso *isolator[T]) move(ctx context.Context, pick bool) (int64, error) {
	s := iso.sink
	whole, sub := s.move, s.moveSub
	if pick {
		whole, sub = s.upsert, s.upsertSub
	}
	n, err := iso.moveTry(ctx, whole, nil)
	if err == nil {
		return n, nil
	}
	first, ok := s.classify(err, iso.b, nil)
	if !ok {
		return 0, err
	}
	// The staged rows in staged order: the k-th is iso.staged[k] (see ordColumn).
	rows, err := iso.tx.Query(ctx, "select "+ordColumn+" from "+pgx.Identifier{stageName}.Sanitize()+" order by "+ordColumn)
	if err != nil {
		return 0, err
	}
	tids, err := pgx.CollectRows(rows, pgx.RowTo[pgtype.TID])
	if err != nil {
		return 0, err
	}
	if len(tids) != len(iso.staged) {
		return 0, fmt.Errorf("pgio: isolating the rows the move refused: %d rows staged, %d sent", len(tids), len(iso.staged))
	}
	var written int64
	// split isolates the bad rows of staged rows [lo, hi), whose move failed with bad.
	var split func(lo, hi int, bad badRow) error
	split = func(lo, hi int, bad badRow) error {
		if hi-lo == 1 {
			iso.reject(iso.staged[lo], bad)
			return nil
		}
		mid := lo + (hi-lo)/2
		for _, part := range [][2]int{{lo, mid}, {mid, hi}} {
			n, err := iso.moveTry(ctx, sub, tids[part[0]:part[1]])
			if err == nil {
				written += n
				continue
			}
			bad, ok := s.classify(err, iso.b, nil)
			if !ok {
				return err
			}
			if err := split(part[0], part[1], bad); err != nil {
				return err
			}
		}
		return nil
	}
	return written, split(0, len(tids), first)
}

// moveTry runs a move (of the staged rows with ctids tids, for a subset move) inside a
// savepoint, rolling back to it on failure.
func (iso *isolator[T]) moveTry(ctx context.Context, sql string, tids []pgtype.TID) (int64, error) {
	sp, err := iso.tx.Begin(ctx)
	if err != nil {
		return 0, err
	}
	var args []any
	if tids != nil {
		args = []any{tids}
	}
	tag, err := sp.Exec(ctx, sql, args...)
	if err != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return 0, rerr
		}
		return 0, err
	}
	return tag.RowsAffected(), sp.Commit(ctx)
}
