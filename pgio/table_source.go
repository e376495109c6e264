package pgio

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
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
	// SplitBy is an integer column that cuts the source into key ranges (percentiles
	// of its values, so skewed keys give even batches; its NULLs are one more batch).
	// When it is not set, an ordinary Table is cut into ranges of physical blocks
	// (ctid), which needs no pass over the data to plan and reads each range with a TID
	// range scan (PostgreSQL 14 or later). On older servers, and for partitioned tables,
	// a Table without SplitBy is cut by its primary key when that is one integer
	// column, else by blocks as well.
	SplitBy string
	// BatchRows is about the rows of one range (one batch). Defaults to
	// [pipeline.BatchRowsDefault].
	BatchRows int
}

// TableSource reads a PostgreSQL table (or query) as binary COPY tuples, one batch per
// range: ranges of physical blocks for a table, key ranges computed from the data for a
// query or an explicit split column, all within one exported snapshot so every worker
// sees the same data and every row is read exactly once.
// Rows are passed on without decoding: a sink with CopyConfig.RawBinary writes them with
// COPY … FROM STDIN (FORMAT binary). Column types of source and target must match.
//
// Open it with [Client.OpenTableSource] and Close it after the pipeline ran.
type TableSource struct {
	client   *Client
	cfg      TableSourceConfig
	from     string // the FROM item: a table or a parenthesised query
	cols     string // the select list
	keyName  string // the split column, or "" when there is none
	key      string // keyName quoted for SQL
	unique   bool   // keyName is Table's one-column primary key
	blocks   bool   // the ranges are ctid block ranges
	ranges   []keyRange
	snapshot string
	snapTx   pgx.Tx
	snapConn *pgxpool.Conn
	rows     int64  // exact for key ranges, an estimate for block ranges
	layout   string // block ranges: the relation's size and file, for the fingerprint
}

// keyRange is one batch's predicate.
type keyRange struct{ where string }

// OpenTableSource computes the ranges inside a repeatable-read transaction and
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
		s.cols = quoteList(cols)
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
			key, s.unique = pk[0], true
		}
	}
	s.keyName = key
	if key != "" {
		s.key = pgx.Identifier{key}.Sanitize()
	}
	return nil
}

// plan computes the batches' ranges inside the snapshot: block ranges for an ordinary
// table without SplitBy (on PostgreSQL 14 or later, which scans a ctid range directly)
// or without an integer key, else key ranges.
func (s *TableSource) plan(ctx context.Context) error {
	if len(s.cfg.Table) == 0 || s.cfg.Query != "" {
		return s.planKeys(ctx)
	}
	var version int
	var kind string // relkind: block ranges need the blocks of one ordinary table
	if err := s.snapTx.QueryRow(ctx, `select current_setting('server_version_num')::int,
		coalesce((select relkind::text from pg_class where oid = to_regclass($1)), '')`, s.cfg.Table.Sanitize()).Scan(&version, &kind); err != nil {
		return err
	}
	if s.key == "" || s.cfg.SplitBy == "" && version >= 140000 && kind == "r" {
		return s.planBlocks(ctx)
	}
	return s.planKeys(ctx)
}

// planKeys cuts the split key at percentiles of its values, so that every range holds
// about BatchRows rows however skewed the keys are, plus one range for NULL keys.
func (s *TableSource) planKeys(ctx context.Context) error {
	tx := s.snapTx
	if err := tx.QueryRow(ctx, "select count(*) from "+s.from).Scan(&s.rows); err != nil {
		return err
	}
	n := max(1, int((s.rows+int64(s.cfg.BatchRows)-1)/int64(s.cfg.BatchRows)))
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

// sampleBlocks is about how many blocks planBlocks reads to estimate the rows per block.
const sampleBlocks = 128

// planBlocks cuts a table into ranges of physical blocks of about BatchRows rows each.
// In one snapshot every visible row has exactly one ctid, so the ranges cover each row
// exactly once, whatever the keys (NULLs included). Planning reads no more than about
// sampleBlocks blocks: the relation's size, and a repeatable block sample for the rows
// per block, so the same table plans the same ranges on a re-run.
func (s *TableSource) planBlocks(ctx context.Context) error {
	var blocks, node int64
	if err := s.snapTx.QueryRow(ctx, "select pg_relation_size($1) / current_setting('block_size')::bigint, coalesce(pg_relation_filenode($1), 0)::bigint",
		s.cfg.Table.Sanitize()).Scan(&blocks, &node); err != nil {
		return err
	}
	// The sample also takes the table's ACCESS SHARE lock, held until Close, so that
	// nothing rewrites the table (VACUUM FULL, CLUSTER, TRUNCATE) under the ranges.
	sample := "select count(*) from " + s.from
	pct := 100.0
	if blocks > sampleBlocks {
		pct = 100 * float64(sampleBlocks) / float64(blocks)
		sample += fmt.Sprintf(" tablesample system (%g) repeatable (0)", pct)
	}
	var sampled int64
	if err := s.snapTx.QueryRow(ctx, sample).Scan(&sampled); err != nil {
		return err
	}
	s.blocks = true
	s.rows = int64(float64(sampled) * 100 / pct)
	s.layout = fmt.Sprintf("%d blocks in file %d", blocks, node)
	n := max(1, (s.rows+int64(s.cfg.BatchRows)-1)/int64(s.cfg.BatchRows))
	step := max(1, (blocks+n-1)/n)
	lo := int64(0)
	for ; lo+step < blocks; lo += step {
		s.ranges = append(s.ranges, keyRange{fmt.Sprintf("ctid >= '(%d,0)'::tid and ctid < '(%d,0)'::tid", lo, lo+step)})
	}
	// The last range is open: it also holds blocks added after the size was read
	// (whose rows the snapshot does not see).
	s.ranges = append(s.ranges, keyRange{fmt.Sprintf("ctid >= '(%d,0)'::tid", lo)})
	return nil
}

// Columns returns the names and types of the columns read, in order.
func (s *TableSource) Columns(ctx context.Context) ([]Column, error) {
	rows, err := s.snapTx.Query(ctx, fmt.Sprintf("select %s from %s limit 0", s.cols, s.from))
	if err != nil {
		return nil, s.client.scrub(err)
	}
	// The field descriptions belong to the connection and are overwritten by the next
	// query: copy what is needed first.
	fields := slices.Clone(rows.FieldDescriptions())
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

// SplitKey returns a column none of whose values is spread over two batches: the split
// column of key ranges, or, for a table cut into block ranges, its one-column integer
// primary key (each value is one row, so in one batch). It returns "" for a table cut by
// blocks that has no such key.
func (s *TableSource) SplitKey() string {
	if s.blocks && !s.unique {
		return ""
	}
	return s.keyName
}

// Rows returns the number of rows the snapshot holds: exact for key ranges, and for
// block ranges an estimate from a block sample (deterministic for an unchanged table).
func (s *TableSource) Rows() int64 { return s.rows }

// Fingerprint describes the source for the ledger: its rows and ranges in the snapshot
// (and, for block ranges, the relation's size and file), so a resumed copy refuses a
// source that changed or was rewritten. It is the same for the same data and settings.
func (s *TableSource) Fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d", s.from, s.rows)
	if s.layout != "" {
		b.WriteString("|" + s.layout)
	}
	for _, r := range s.ranges {
		b.WriteString("|" + r.where)
	}
	return b.String()
}

// InSnapshot runs f in a read-only transaction that sees the source's snapshot, on a
// pool connection of its own, so a stage that reads more of the source (the child rows
// of a batch's parents, say) sees exactly the data the batch came from. The pool needs
// a connection to spare for it while the workers read.
func (s *TableSource) InSnapshot(ctx context.Context, f func(pgx.Tx) error) error {
	conn, tx, err := s.join(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	defer func() { _ = tx.Rollback(context.Background()) }() // read-only: nothing to commit
	return s.client.scrub(f(tx))
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
	return chunks(s, n, func(rc rangeChunk) pipeline.Chunk[[]byte] { return &tableChunk{rangeChunk: rc} })
}

// chunks cuts s's ranges into n contiguous groups, one per worker, each read by the
// chunk that wrap makes of it.
func chunks[R any](s *TableSource, n int, wrap func(rangeChunk) pipeline.Chunk[R]) iter.Seq2[pipeline.Chunk[R], error] {
	return func(yield func(pipeline.Chunk[R], error) bool) {
		for i, r := range pipeline.Split(int64(len(s.ranges)), n) {
			rc := rangeChunk{src: s, ranges: s.ranges[r[0]:r[1]], info: pipeline.ChunkInfo{Seq: i, Start: r[0], End: r[1], Unit: "key"}}
			if !yield(wrap(rc), nil) {
				return
			}
		}
	}
}

// rangeChunk is what both kinds of chunk share: a group of ranges, read one batch each
// on a connection of the chunk's own inside the exported snapshot.
type rangeChunk struct {
	src    *TableSource
	ranges []keyRange
	next   int   // the next range to read
	index  int64 // the position of the next row read
	info   pipeline.ChunkInfo
	conn   *pgxpool.Conn
	tx     pgx.Tx
}

func (c *rangeChunk) Info() pipeline.ChunkInfo { return c.info }

// Close ends the snapshot transaction and returns the connection (begin sets both, or
// neither).
func (c *rangeChunk) Close() error {
	if c.conn == nil {
		return nil
	}
	_ = c.tx.Rollback(context.Background())
	c.conn.Release()
	return nil
}

// begin joins the exported snapshot on the chunk's own connection, once.
func (c *rangeChunk) begin(ctx context.Context) error {
	if c.tx != nil {
		return nil
	}
	var err error
	c.conn, c.tx, err = c.src.join(ctx)
	return err
}

// tableChunk reads its ranges as binary COPY. It asks for the next range as soon as it
// has read one, so the source server produces it while the sink writes the batch (a
// pipeline worker reads and writes in turn): the range waits in the socket buffers and
// the server blocks only once they are full.
type tableChunk struct {
	rangeChunk
	pending bool // the COPY of ranges[next] was sent and is not read yet
	broken  bool // the connection is in an unknown state: close it
	buf     []byte
}

func (c *tableChunk) Close() error {
	if c.conn != nil && (c.pending || c.broken) {
		// A COPY is still under way: drop the connection (the pool destroys a closed
		// one) rather than read the rest of it; the server ends the transaction.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.conn.Conn().Close(ctx)
		c.conn.Release()
		return nil
	}
	return c.rangeChunk.Close()
}

// Next reads the next non-empty range and cuts it into tuples.
func (c *tableChunk) Next(ctx context.Context, b *pipeline.Batch[[]byte], _ pipeline.Limits) error {
	if err := c.begin(ctx); err != nil {
		return err
	}
	for len(b.Rows) == 0 {
		if c.next >= len(c.ranges) {
			return io.EOF
		}
		if !c.pending {
			if err := c.send(); err != nil {
				return err
			}
		}
		err := c.read(ctx)
		c.pending = false
		c.next++
		if err != nil {
			return c.src.client.scrub(err)
		}
		if c.next < len(c.ranges) {
			if err := c.send(); err != nil {
				return err
			}
		}
		if err := c.cut(b); err != nil {
			return err
		}
	}
	return nil
}

// send asks for ranges[next] without waiting for it.
func (c *tableChunk) send() error {
	sql := fmt.Sprintf("COPY (select %s from %s where %s) TO STDOUT (FORMAT binary)", c.src.cols, c.src.from, c.ranges[c.next].where)
	fe := c.conn.Conn().PgConn().Frontend()
	fe.SendQuery(&pgproto3.Query{String: sql})
	if err := fe.Flush(); err != nil {
		c.broken = true
		return c.src.client.scrub(err)
	}
	c.pending = true
	return nil
}

// read reads the COPY that send asked for into buf, up to the server's ReadyForQuery.
// Cancelling ctx interrupts the reading (and the connection is then dropped).
func (c *tableChunk) read(ctx context.Context) (err error) {
	pc := c.conn.Conn().PgConn()
	stop := context.AfterFunc(ctx, func() { _ = pc.Conn().SetReadDeadline(time.Now()) })
	defer func() {
		if !stop() || err != nil {
			c.broken = true
			err = cmp.Or(ctx.Err(), err)
		}
	}()
	c.buf = c.buf[:0]
	var pgErr error
	for {
		// Background: ctx is watched once per range above, not once per message.
		msg, err := pc.ReceiveMessage(context.Background())
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case *pgproto3.CopyData:
			c.buf = append(c.buf, msg.Data...)
		case *pgproto3.ErrorResponse:
			pgErr = pgconn.ErrorResponseToPgError(msg)
		case *pgproto3.ReadyForQuery:
			return pgErr
		}
	}
}

// join acquires a connection and begins a read-only transaction in the exported
// snapshot on it; on error it releases what it acquired.
func (s *TableSource) join(ctx context.Context) (*pgxpool.Conn, pgx.Tx, error) {
	pool, err := s.client.Pool("table source")
	if err != nil {
		return nil, nil, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, nil, s.client.scrub(err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err == nil {
		if _, err = tx.Exec(ctx, "set transaction snapshot "+literal(s.snapshot)); err != nil {
			_ = tx.Rollback(context.Background())
		}
	}
	if err != nil {
		conn.Release()
		return nil, nil, s.client.scrub(err)
	}
	return conn, tx, nil
}

// cut splits a binary COPY stream into its tuples (without header and trailer).
func (c *tableChunk) cut(b *pipeline.Batch[[]byte]) error {
	data := c.buf
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
