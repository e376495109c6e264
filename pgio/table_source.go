package pgio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tmimport/tmimport/pipeline"
)

// TableSourceConfig configures a [TableSource]. A zero field means its default.
type TableSourceConfig struct {
	// Table is the source table. Required unless Query is set.
	Table pgx.Identifier
	// Query, when set, is read instead of Table (a SELECT; it needs SplitBy).
	Query string
	// Columns are read, in this order. Defaults to all of Table's columns.
	Columns []string
	// SplitBy is an integer column that cuts the source into key ranges. Defaults to
	// Table's primary key when it is one integer column; without one, Table is cut into
	// ranges of physical blocks (ctid; PostgreSQL 14 or later).
	SplitBy string
	// BatchRows is about the rows of one key range (one batch). Defaults to
	// [pipeline.BatchRowsDefault].
	BatchRows int
}

// TableSource reads a PostgreSQL table (or query) as binary COPY tuples, in batches of
// key ranges computed from the data (percentiles of the split key, so skewed keys give
// even batches), all within one exported snapshot so every worker sees the same data.
// Rows are passed on without decoding: a sink with CopyConfig.RawBinary writes them with
// COPY … FROM STDIN (FORMAT binary). Column types of source and target must match.
//
// Open it with [Client.OpenTableSource] and Close it after the pipeline ran.
type TableSource struct {
	client   *Client
	cfg      TableSourceConfig
	from     string // the FROM item: a table or a parenthesised query
	cols     string // the select list
	keyName  string // the split column, or "" for ctid ranges
	key      string // keyName quoted for SQL
	ranges   []keyRange
	snapshot string
	snapTx   pgx.Tx
	snapConn *pgxpool.Conn
	rows     int64
}

// keyRange is one batch's predicate.
type keyRange struct{ where string }

// OpenTableSource computes the key ranges inside a repeatable-read transaction and
// exports its snapshot for the workers; the transaction stays open until Close.
func (c *Client) OpenTableSource(ctx context.Context, cfg TableSourceConfig) (*TableSource, error) {
	if cfg.BatchRows <= 0 {
		cfg.BatchRows = pipeline.BatchRowsDefault
	}
	s := &TableSource{client: c, cfg: cfg}
	if err := s.describe(ctx); err != nil {
		return nil, err
	}
	pool, err := c.Pool("table source")
	if err != nil {
		return nil, err
	}
	if s.snapConn, err = pool.Acquire(ctx); err != nil {
		return nil, c.scrub(err)
	}
	if s.snapTx, err = s.snapConn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		s.Close()
		return nil, c.scrub(err)
	}
	if err := s.snapTx.QueryRow(ctx, "select pg_export_snapshot()").Scan(&s.snapshot); err != nil {
		s.Close()
		return nil, c.scrub(err)
	}
	if err := s.plan(ctx); err != nil {
		s.Close()
		return nil, c.scrub(fmt.Errorf("pgio: split %s: %w", s.from, err))
	}
	return s, nil
}

// describe fills the FROM item, the columns and the split key.
func (s *TableSource) describe(ctx context.Context) error {
	cfg := s.cfg
	switch {
	case cfg.Query != "" && cfg.SplitBy == "":
		return fmt.Errorf("%w: a source query needs SplitBy (an integer column of its result)", ErrConfig)
	case cfg.Query != "":
		s.from = "(" + cfg.Query + ") q"
	case len(cfg.Table) == 0:
		return fmt.Errorf("%w: TableSourceConfig needs Table or Query", ErrConfig)
	default:
		s.from = cfg.Table.Sanitize()
	}
	var all []Column // the source table's columns, read once
	if cfg.Query == "" {
		var err error
		if all, err = s.client.TableColumns(ctx, cfg.Table); err != nil {
			return err
		}
		if all == nil {
			return fmt.Errorf("pgio: source table %s does not exist", cfg.Table.Sanitize())
		}
	}
	cols := cfg.Columns
	if len(cols) == 0 {
		for _, c := range all {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) == 0 {
		s.cols = "*"
	} else {
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = pgx.Identifier{c}.Sanitize()
		}
		s.cols = strings.Join(q, ", ")
	}
	key := cfg.SplitBy
	if key == "" {
		pk, err := s.client.PrimaryKey(ctx, cfg.Table)
		if err != nil {
			return err
		}
		if len(pk) == 1 && slices.ContainsFunc(all, func(c Column) bool {
			return c.Name == pk[0] && (c.Type == "bigint" || c.Type == "integer" || c.Type == "smallint")
		}) {
			key = pk[0]
		}
	}
	s.keyName = key
	if key != "" {
		s.key = pgx.Identifier{key}.Sanitize()
	}
	return nil
}

// plan computes the batches' key ranges from the data, inside the snapshot.
func (s *TableSource) plan(ctx context.Context) error {
	tx := s.snapTx
	if err := tx.QueryRow(ctx, "select count(*) from "+s.from).Scan(&s.rows); err != nil {
		return err
	}
	n := max(1, int((s.rows+int64(s.cfg.BatchRows)-1)/int64(s.cfg.BatchRows)))
	if s.key == "" {
		return s.planBlocks(ctx, n)
	}
	var bounds []int64
	q := fmt.Sprintf(`select coalesce(array_agg(distinct b order by b), '{}') from unnest((select percentile_disc(
		array(select g::float8 / $1 from generate_series(1, $1 - 1) g)) within group (order by %s) from %s)) b`, s.key, s.from)
	if err := tx.QueryRow(ctx, q, n).Scan(&bounds); err != nil {
		return err
	}
	lo := "true"
	for _, b := range bounds {
		s.ranges = append(s.ranges, keyRange{fmt.Sprintf("%s and %s < %d", lo, s.key, b)})
		lo = fmt.Sprintf("%s >= %d", s.key, b)
	}
	s.ranges = append(s.ranges, keyRange{fmt.Sprintf("%s and %s is not null", lo, s.key)}, keyRange{s.key + " is null"})
	return nil
}

// planBlocks cuts a table without an integer key into ranges of physical blocks.
func (s *TableSource) planBlocks(ctx context.Context, n int) error {
	if len(s.cfg.Table) == 0 {
		return errors.New("a query source needs an integer split key")
	}
	var blocks int64
	if err := s.snapTx.QueryRow(ctx, "select pg_relation_size($1) / current_setting('block_size')::bigint", s.cfg.Table.Sanitize()).Scan(&blocks); err != nil {
		return err
	}
	step := max(1, (blocks+int64(n)-1)/int64(n))
	for lo := int64(0); lo < blocks; lo += step {
		s.ranges = append(s.ranges, keyRange{fmt.Sprintf("ctid >= '(%d,0)'::tid and ctid < '(%d,0)'::tid", lo, lo+step)})
	}
	if len(s.ranges) == 0 {
		s.ranges = []keyRange{{"true"}}
	}
	return nil
}

// Columns returns the names and types of the columns read, in order.
func (s *TableSource) Columns(ctx context.Context) ([]Column, error) {
	rows, err := s.snapTx.Query(ctx, fmt.Sprintf("select %s from %s limit 0", s.cols, s.from))
	if err != nil {
		return nil, s.client.scrub(err)
	}
	fields := rows.FieldDescriptions()
	rows.Close()
	oids, mods := make([]uint32, len(fields)), make([]int32, len(fields))
	for i, f := range fields {
		oids[i], mods[i] = f.DataTypeOID, f.TypeModifier
	}
	var types []string
	if err := s.snapTx.QueryRow(ctx, `select array_agg(format_type(t, m) order by n)
		from unnest($1::oid[], $2::int[]) with ordinality u(t, m, n)`, oids, mods).Scan(&types); err != nil {
		return nil, s.client.scrub(err)
	}
	cols := make([]Column, len(fields))
	for i, f := range fields {
		cols[i] = Column{Name: f.Name, Type: types[i]}
	}
	return cols, nil
}

// SplitKey returns the split column, or "" when the source is cut by blocks.
func (s *TableSource) SplitKey() string { return s.keyName }

// Rows returns the number of rows the snapshot holds.
func (s *TableSource) Rows() int64 { return s.rows }

// Fingerprint describes the source for the ledger: its rows and key ranges in the
// snapshot, so a resumed copy refuses a source that changed.
func (s *TableSource) Fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d", s.from, s.rows)
	for _, r := range s.ranges {
		b.WriteString("|" + r.where)
	}
	return b.String()
}

// Close ends the snapshot transaction.
func (s *TableSource) Close() {
	if s.snapTx != nil {
		_ = s.snapTx.Rollback(context.Background())
		s.snapTx = nil
	}
	if s.snapConn != nil {
		s.snapConn.Release()
		s.snapConn = nil
	}
}

// Chunks cuts the key ranges into n contiguous groups, one per worker.
func (s *TableSource) Chunks(_ context.Context, n int) iter.Seq2[pipeline.Chunk[[]byte], error] {
	return func(yield func(pipeline.Chunk[[]byte], error) bool) {
		for i, r := range pipeline.Split(int64(len(s.ranges)), n) {
			c := &tableChunk{src: s, ranges: s.ranges[r[0]:r[1]], info: pipeline.ChunkInfo{Seq: i, Start: r[0], End: r[1], Unit: "key"}}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// tableChunk reads its key ranges, one batch each, on its own connection inside the
// exported snapshot.
type tableChunk struct {
	src    *TableSource
	ranges []keyRange
	next   int
	index  int64
	info   pipeline.ChunkInfo
	conn   *pgxpool.Conn
	tx     pgx.Tx
	buf    sliceWriter
}

func (c *tableChunk) Info() pipeline.ChunkInfo { return c.info }

func (c *tableChunk) Close() error {
	if c.tx != nil {
		_ = c.tx.Rollback(context.Background())
	}
	if c.conn != nil {
		c.conn.Release()
	}
	return nil
}

// Next copies the next non-empty key range out in binary and cuts it into tuples.
func (c *tableChunk) Next(ctx context.Context, b *pipeline.Batch[[]byte], _ pipeline.Limits) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	for len(b.Rows) == 0 {
		if c.next >= len(c.ranges) {
			return io.EOF
		}
		r := c.ranges[c.next]
		c.next++
		sql := fmt.Sprintf("COPY (select %s from %s where %s) TO STDOUT (FORMAT binary)", c.src.cols, c.src.from, r.where)
		c.buf.b = c.buf.b[:0]
		if _, err := c.tx.Conn().PgConn().CopyTo(ctx, &c.buf, sql); err != nil {
			return c.src.client.scrub(err)
		}
		if err := c.cut(b); err != nil {
			return err
		}
	}
	return nil
}

// begin joins the exported snapshot on the chunk's own connection.
func (c *tableChunk) begin(ctx context.Context) error {
	if c.tx != nil {
		return nil
	}
	pool, err := c.src.client.Pool("table source")
	if err != nil {
		return err
	}
	if c.conn, err = pool.Acquire(ctx); err != nil {
		return c.src.client.scrub(err)
	}
	if c.tx, err = c.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		return c.src.client.scrub(err)
	}
	_, err = c.tx.Exec(ctx, "set transaction snapshot "+literal(c.src.snapshot))
	return c.src.client.scrub(err)
}

// cut splits a binary COPY stream into its tuples (without header and trailer).
func (c *tableChunk) cut(b *pipeline.Batch[[]byte]) error {
	data := c.buf.b
	if len(data) < len(BinaryHeader)+2 {
		return errors.New("pgio: short binary COPY stream")
	}
	ext := int(binary.BigEndian.Uint32(data[15:19]))
	p := 19 + ext
	start := p
	for p+2 <= len(data) {
		nf := int(int16(binary.BigEndian.Uint16(data[p:])))
		if nf == -1 {
			break
		}
		q := p + 2
		for range nf {
			if q+4 > len(data) {
				return errors.New("pgio: truncated binary COPY tuple")
			}
			n := int(int32(binary.BigEndian.Uint32(data[q:])))
			q += 4
			if n > 0 {
				q += n
			}
		}
		if q > len(data) {
			return errors.New("pgio: truncated binary COPY tuple")
		}
		b.Rows = append(b.Rows, data[p:q:q])
		b.Pos = append(b.Pos, pipeline.Pos{Index: c.index})
		c.index++
		p = q
	}
	b.Raw = data[start:p]
	b.Bytes = int64(len(data))
	b.Read = int64(len(b.Rows))
	return nil
}

// sliceWriter collects what CopyTo writes.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
