package tm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// Config configures a [Migration]. A zero field means its default.
type Config struct {
	// SourceSchema is the schema of the TM v4 tables. Defaults to "public".
	SourceSchema string
	// Schema is the target schema for TM-Admin's types and tables. Defaults to "public".
	Schema string
	// Tables limits the migration to these target tables (see [Tables] for the
	// names). Defaults to all, in dependency order.
	Tables []string
}

// Migration migrates a TM v4 database into the TM-Admin schema, one table at a time.
// Build it with [New] and run it with [Migration.Run]; the steps Run takes (CreateSchema,
// Open a [Job] per table, Count, VerifyFolds, ResetSequences) are exported for
// programs that need them one by one.
type Migration struct {
	src, dst *pgio.Client
	cfg      Config
	tables   []*Table
}

// ErrUnknownTable is returned by [New] for a table name that is not migrated.
var ErrUnknownTable = errors.New("tm: unknown table")

// New validates the configuration; it does no I/O. Both clients are connected by the
// caller.
func New(source, target *pgio.Client, cfg Config) (*Migration, error) {
	if cfg.SourceSchema == "" {
		cfg.SourceSchema = "public"
	}
	if cfg.Schema == "" {
		cfg.Schema = "public"
	}
	for _, s := range []string{cfg.SourceSchema, cfg.Schema} {
		if err := pgio.CheckIdentifier(s); err != nil {
			return nil, fmt.Errorf("tm: schema: %w", err)
		}
	}
	for _, c := range Conversions {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	m := &Migration{src: source, dst: target, cfg: cfg}
	all := Tables()
	if len(cfg.Tables) == 0 {
		m.tables = all
		return m, nil
	}
	for _, name := range cfg.Tables {
		if !slices.ContainsFunc(all, func(t *Table) bool { return t.Name == name }) {
			return nil, fmt.Errorf("%w %q (tables: %s)", ErrUnknownTable, name, strings.Join(TableNames(), ", "))
		}
	}
	for _, t := range all { // dependency order, whatever order the names came in
		if slices.Contains(cfg.Tables, t.Name) {
			m.tables = append(m.tables, t)
		}
	}
	return m, nil
}

// Tables returns the tables the migration writes, in dependency order.
func (m *Migration) Tables() []*Table { return m.tables }

func (m *Migration) target(t *Table) pgx.Identifier { return pgx.Identifier{m.cfg.Schema, t.Name} }

// ErrNotV4 is returned by [Migration.CheckSource] for a source that is not a TM v4
// database.
var ErrNotV4 = errors.New("tm: the source is not a Tasking Manager v4 database")

// CheckSource verifies that the source holds the TM v4 tables the migration reads and
// returns its alembic revision ("" when it has no alembic_version table). A TM v5
// database (it has a mapping_levels table, and users.mapping_level refers to it; SPEC
// §1.6) is refused rather than migrated with wrong enum meanings.
func (m *Migration) CheckSource(ctx context.Context) (string, error) {
	need := []string{"alembic_version", "mapping_levels"}
	for _, t := range m.tables {
		need = append(need, t.Source)
	}
	var missing []string
	var v5, alembic bool
	for _, name := range need {
		var exists bool
		if err := m.src.QueryRow(ctx, "select to_regclass($1) is not null", []any{pgx.Identifier{m.cfg.SourceSchema, name}.Sanitize()}, &exists); err != nil {
			return "", err
		}
		switch {
		case name == "mapping_levels":
			v5 = exists
		case name == "alembic_version":
			alembic = exists
		case !exists && !slices.Contains(missing, name):
			missing = append(missing, name)
		}
	}
	if v5 {
		return "", fmt.Errorf("%w: it has a mapping_levels table (TM v5), whose codes this migration does not map", ErrNotV4)
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%w: schema %s has no table %s", ErrNotV4, m.cfg.SourceSchema, strings.Join(missing, ", "))
	}
	if !alembic {
		return "", nil
	}
	var rev string
	err := m.src.QueryRow(ctx, "select coalesce(max(version_num), '') from "+pgx.Identifier{m.cfg.SourceSchema, "alembic_version"}.Sanitize(), nil, &rev)
	return rev, err
}

// Job is one table's migration: a source of binary COPY tuples in key ranges of one
// snapshot, the stage that turns them into target rows, and where they go.
type Job struct {
	// Table is the table migrated.
	Table *Table
	// Source reads the converted rows from the TM database.
	Source *pgio.TableSource
	// Stage moves rows with a problem (unknown code, dangling reference) to the
	// rejects and makes the rest exact target tuples.
	Stage pipeline.Stage[[]byte]
	// Target is the target table and Columns its columns, in the rows' order.
	Target  pgx.Identifier
	Columns []string
}

// Close releases the source's snapshot.
func (j *Job) Close() { j.Source.Close() }

// Query returns the source SELECT of t (for inspection and tests).
func (m *Migration) Query(t *Table) string {
	return t.selectSQL(pgx.Identifier{m.cfg.SourceSchema}.Sanitize())
}

// Open plans t's source in key ranges of batchRows rows (at most t.MaxBatchRows)
// inside one snapshot. The source client's pool needs a connection per worker, one for
// the snapshot, and for tasks one more (per worker, for full speed) for the stage that
// reads each batch's history. The
// target types must exist (CreateSchema): enum arrays are sent with the target's type
// ids.
func (m *Migration) Open(ctx context.Context, t *Table, batchRows int) (*Job, error) {
	st := newStage(t)
	cols := t.queried()
	for i, c := range cols {
		if c.Enum == nil || !c.array() {
			continue
		}
		var oid uint32
		err := m.dst.QueryRow(ctx, "select to_regtype($1)::oid", []any{pgx.Identifier{m.cfg.Schema, c.Enum.Target}.Sanitize()}, &oid)
		if err != nil {
			return nil, err
		}
		if oid == 0 {
			return nil, fmt.Errorf("tm: type %s.%s does not exist in the target (create the schema first)", m.cfg.Schema, c.Enum.Target)
		}
		st.arrays = append(st.arrays, enumArray{field: i, oid: oid})
	}
	if t.MaxBatchRows > 0 {
		batchRows = min(batchRows, t.MaxBatchRows)
	}
	src, err := m.src.OpenTableSource(ctx, pgio.TableSourceConfig{Query: m.Query(t), SplitBy: t.Split, BatchRows: batchRows})
	if err != nil {
		return nil, fmt.Errorf("tm: %s: %w", t.Name, err)
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	job := &Job{Table: t, Source: src, Stage: st, Target: m.target(t), Columns: names}
	if len(cols) < len(t.Columns) { // tasks: the history is folded in Go
		field := func(name string) int { return slices.IndexFunc(cols, func(c Column) bool { return c.Name == name }) }
		job.Stage = pipeline.Chain[[]byte](st, &historyStage{src: src, schema: pgx.Identifier{m.cfg.SourceSchema}.Sanitize(),
			fields: len(cols), id: field("id"), project: field("project_id"), created: field("created")})
	}
	return job, nil
}

// Count returns the number of rows in t's target table.
func (m *Migration) Count(ctx context.Context, t *Table) (int64, error) {
	var n int64
	err := m.dst.QueryRow(ctx, "select count(*) from "+m.target(t).Sanitize(), nil, &n)
	return n, err
}

// Notes returns what the migration of t had to adapt, counted on the source: values
// TM-Admin's schema cannot hold as they are (each note says what was done with them).
func (m *Migration) Notes(ctx context.Context, t *Table) ([]string, error) {
	var out []string
	for _, n := range t.notes {
		var c int64
		q := strings.ReplaceAll(n.sql, "{s}", pgx.Identifier{m.cfg.SourceSchema}.Sanitize())
		if err := m.src.QueryRow(ctx, q, nil, &c); err != nil {
			return nil, err
		}
		if c > 0 {
			out = append(out, fmt.Sprintf("%d %s", c, n.text))
		}
	}
	return out, nil
}

// TargetClient returns the client of the target database.
func (m *Migration) TargetClient() *pgio.Client { return m.dst }

// FoldCheck compares, for one child table folded into a target table, the distinct
// child rows of existing parents in the source with the entries in the target.
type FoldCheck struct {
	// Name is "child table → target column".
	Name string
	// Source and Target are the two counts.
	Source, Target int64
}

// OK reports whether every child row became an entry.
func (c FoldCheck) OK() bool { return c.Source == c.Target }

// VerifyFolds counts t's folded child tables on both sides (none for tables without
// folds). The counts agree when no parent row was rejected; with rejects, the target
// has fewer entries.
func (m *Migration) VerifyFolds(ctx context.Context, t *Table) ([]FoldCheck, error) {
	if t.folds == nil {
		return nil, nil
	}
	n := len(t.folds.names)
	src, dst := make([]int64, n), make([]int64, n)
	if err := m.src.QueryRow(ctx, strings.ReplaceAll(t.folds.src, "{s}", pgx.Identifier{m.cfg.SourceSchema}.Sanitize()), nil, ptrs(src)...); err != nil {
		return nil, fmt.Errorf("tm: %s: count the source's child rows: %w", t.Name, err)
	}
	if err := m.dst.QueryRow(ctx, strings.ReplaceAll(t.folds.dst, "{t}", pgx.Identifier{m.cfg.Schema}.Sanitize()), nil, ptrs(dst)...); err != nil {
		return nil, fmt.Errorf("tm: %s: count the target's entries: %w", t.Name, err)
	}
	out := make([]FoldCheck, n)
	for i, name := range t.folds.names {
		out[i] = FoldCheck{Name: name, Source: src[i], Target: dst[i]}
	}
	return out, nil
}

func ptrs(v []int64) []any {
	p := make([]any, len(v))
	for i := range v {
		p[i] = &v[i]
	}
	return p
}
