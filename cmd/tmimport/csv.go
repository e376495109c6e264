package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/copybin"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvgeom"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// csvFlags are the flags of `tmimport csv` beyond the common ones.
type csvFlags struct {
	common
	delimiter, quote, escape, null string
	noHeader                       bool
	columns, types                 string
	sample                         int
	geometry                       listFlag
	binary                         bool
	binarySet                      bool // --binary was given explicitly
}

// listFlag collects a repeatable flag's values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runCSV implements `tmimport csv`.
func runCSV(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f csvFlags
	fs := flag.NewFlagSet("csv", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&f.delimiter, "delimiter", ",", "field delimiter (one character; \\t or tab for tab)")
	fs.StringVar(&f.quote, "quote", `"`, "quote character")
	fs.StringVar(&f.escape, "escape", "", "escape character inside quotes (default: the quote character)")
	fs.StringVar(&f.null, "null", "", "text of an unquoted NULL field (default: the empty string)")
	fs.BoolVar(&f.noHeader, "no-header", false, "the input has no header row (then give --columns, or the table's columns are used in order)")
	fs.StringVar(&f.columns, "columns", "", "comma-separated column names of the input's fields (instead of the header)")
	fs.StringVar(&f.types, "types", "", "with --create: explicit column types, col=type,... (others are inferred)")
	fs.IntVar(&f.sample, "sample", 1000, "with --create: rows sampled to infer column types")
	fs.BoolVar(&f.binary, "binary", true, "convert fields to PostgreSQL's binary COPY format in the client when the columns' types allow (exactly, or the batch goes as CSV); --binary=false sends the input's CSV bytes unchanged")
	fs.Var(&f.geometry, "geometry", "convert column `col:format[:srid]` (format wkt, wkb-hex, ewkb-hex or geojson; srid default 4326) into a PostGIS geometry; repeatable")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) { f.binarySet = f.binarySet || fl.Name == "binary" })
	if len(pos) != 1 {
		return usagef("csv needs exactly one input FILE (or - for stdin), got %d", len(pos))
	}
	if err := f.check(); err != nil {
		return err
	}
	dialect, err := f.dialect()
	if err != nil {
		return err
	}
	table, err := pgio.ParseTableName(f.table)
	if err != nil {
		return usagef("--table: %v", err)
	}
	types, err := parseTypes(f.types)
	if err != nil {
		return err
	}
	geoms, err := geometryColumns(f.geometry, types)
	if err != nil {
		return err
	}
	replace := f.mode == "replace"
	mode, err := pgio.ParseMode(strings.Replace(f.mode, "replace", "append", 1))
	if err != nil {
		return usagef("--mode: %v", err)
	}
	keyed := mode != pgio.Append
	src, err := csvsrc.Open(pos[0], csvsrc.Options{Dialect: dialect, NoHeader: f.noHeader, Columns: splitList(f.columns), ParseFields: len(geoms) > 0})
	if err != nil {
		return err
	}
	defer src.Close()
	size := fileSize(pos[0])
	if f.importID != "" && size == 0 {
		return usagef("--import-id needs a regular file as input (a resumed import must be able to check that its input did not change)")
	}
	client, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer client.Close()
	tableCols, err := csvColumns(ctx, client, src, table, &f, types)
	if err != nil {
		return err
	}
	cols := columnNames(tableCols)
	// Records carry no fields unless a geometry stage needs them: routing by key and
	// binary encoding split them, with splitters reused across calls (from several
	// workers at once).
	splitters := &sync.Pool{New: func() any { return src.Splitter() }}
	cfg := pgio.CopyConfig[csvsrc.Record]{
		Table: table, Columns: cols, Raw: recordRaw, Mode: mode,
		CSV:     pgio.CSVFormat{Delimiter: dialect.Delimiter, Quote: dialect.Quote, Escape: dialect.Escape, Null: dialect.Null},
		LineRow: dialect.CopyLineRow,
	}
	var partition func(csvsrc.Record) uint64
	if keyed {
		if cfg.Key, err = resolveKey(ctx, client, table, f.key); err != nil {
			return err
		}
		idx, err := keyIndexes(cols, cfg.Key)
		if err != nil {
			return err
		}
		keys := newKeyReader(splitters, tableCols, idx)
		partition = keys.hash
		cfg.IntKey = keys.intKey()
		if size == 0 && f.workers > 1 { // key affinity reads the input once per worker
			fmt.Fprintf(stderr, "tmimport csv: %s is a stream: --mode %s uses 1 worker (give a file to use more)\n", src.Name(), mode)
			f.workers = 1
		}
	}
	if f.binary && len(geoms) == 0 {
		binaryPath(tableCols, splitters, &cfg, f.binarySet, stderr)
	}
	sink, staging, err := buildSink(ctx, client, table, fileInput(pos[0]), &f.common, replace, &cfg, stderr)
	if err != nil {
		return err
	}
	var stages []pipeline.Stage[csvsrc.Record]
	if len(geoms) > 0 {
		if err := bindGeometry(geoms, src.Header()); err != nil {
			return err
		}
		stages = append(stages, csvgeom.Stage(dialect, geoms))
	}
	return runImport(ctx, importJob[csvsrc.Record]{
		command: "csv", table: table, flags: &f.common, name: src.Name(), size: size,
		source: src, stages: stages, sink: sink, partition: partition, ledger: cfg.Ledger, stdout: stdout, stderr: stderr,
		staging: staging, columns: cols, mode: mode, key: cfg.Key,
	})
}

// stage points the sink at a staging table for --atomic and --mode replace; it returns
// nil otherwise.
func stage[T any](ctx context.Context, c *pgio.Client, cfg *pgio.CopyConfig[T], f *common, replace bool) (*pgio.Staging, error) {
	if !f.atomic && !replace {
		return nil, nil
	}
	st, err := c.NewStaging(ctx, cfg.Table, f.importID, replace)
	if err != nil {
		return nil, err
	}
	if st.Existed && f.importID == "" {
		return nil, fmt.Errorf("staging table %s exists from an earlier failed run; drop it, or resume that run with its --import-id", st.Table.Sanitize())
	}
	cfg.Table = st.Table
	return st, nil
}

func recordRaw(r csvsrc.Record) []byte { return r.Raw }

// keyReader reads the key fields of records. Keyed imports do not parse every field of
// every record in the source: each worker reads every record to route it by key, but
// only needs the fields of its own share. So only the fields up to the last key column
// are split here.
type keyReader struct {
	idx       []int                      // the key columns' fields
	n         int                        // fields up to the last key column
	parse     func([]byte) (int64, bool) // a key of one integer column, or nil
	splitters *sync.Pool                 // of *csvsrc.Splitter
}

// newKeyReader reads the key at fields idx of the target columns cols.
func newKeyReader(splitters *sync.Pool, cols []pgio.Column, idx []int) *keyReader {
	k := &keyReader{idx: idx, n: slices.Max(idx) + 1, splitters: splitters}
	if len(idx) == 1 {
		k.parse, _ = copybin.IntParser(cols[idx[0]].Type)
	}
	return k
}

// fields calls use with r's first fields (all of them when the source parsed them).
// A record that does not split gives what split before the failure: routing stays
// deterministic, and the record is rejected when it is stored.
func (k *keyReader) fields(r csvsrc.Record, use func([][]byte)) {
	if r.Fields != nil {
		use(r.Fields)
		return
	}
	sp := k.splitters.Get().(*csvsrc.Splitter)
	fields, _ := sp.Prefix(r.Raw, k.n)
	use(fields)
	k.splitters.Put(sp)
}

// hash is the record's partition key: a hash of the key's value for an integer key the
// record spells as the server reads it (so 5, +5 and " 5" go to the same worker), else of
// its fields' text (see hashFields).
func (k *keyReader) hash(r csvsrc.Record) (h uint64) {
	k.fields(r, func(f [][]byte) {
		if v, ok := k.intOf(f); ok {
			h = hashInt(v)
			return
		}
		h = hashFields(f, k.idx)
	})
	return h
}

// intOf reads an integer key from fields.
func (k *keyReader) intOf(f [][]byte) (int64, bool) {
	if i := k.idx[0]; k.parse != nil && i < len(f) && f[i] != nil { // else a short record, or NULL
		return k.parse(f[i])
	}
	return 0, false
}

// intKey returns CopyConfig.IntKey for a key of one integer column, so batches are
// staged sorted by key in the client; nil for other keys.
func (k *keyReader) intKey() func(csvsrc.Record) (int64, bool) {
	if k.parse == nil {
		return nil
	}
	return func(r csvsrc.Record) (v int64, ok bool) {
		k.fields(r, func(f [][]byte) { v, ok = k.intOf(f) })
		return v, ok
	}
}

// dialect builds the CSV dialect from the flags.
func (f *csvFlags) dialect() (csvsrc.Dialect, error) {
	var d csvsrc.Dialect
	var err error
	if d.Delimiter, err = byteFlag("delimiter", f.delimiter); err != nil {
		return d, err
	}
	if d.Quote, err = byteFlag("quote", f.quote); err != nil {
		return d, err
	}
	if d.Escape, err = byteFlag("escape", f.escape); err != nil {
		return d, err
	}
	d.Null = f.null
	return d.WithDefaults(), nil
}

// csvColumns returns the target columns in the input's field order, creating the table
// first when asked. Every name is checked before any SQL uses it.
func csvColumns(ctx context.Context, c *pgio.Client, src *csvsrc.Source, table pgx.Identifier, f *csvFlags, types map[string]string) ([]pgio.Column, error) {
	header := src.Header()
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if err := pgio.CheckIdentifier(h); err != nil {
			return nil, fmt.Errorf("%s: header field %d: %w", src.Name(), i+1, err)
		}
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("%s: header fields %d and %d are both named %q", src.Name(), j+1, i+1, h)
		}
		seen[h] = i
	}
	return resolveColumns(ctx, c, table, &f.common, src.Name(), header, func() ([]pgio.Column, error) {
		return inferColumns(src, f.sample, types)
	})
}

// inferColumns types the input's columns from a sample of n rows, with --types winning.
func inferColumns(src *csvsrc.Source, n int, types map[string]string) ([]pgio.Column, error) {
	header := src.Header()
	if len(header) == 0 {
		return nil, usagef("--create and --add-columns need column names: a header row or --columns")
	}
	sample, err := src.Sample(n)
	if err != nil {
		return nil, err
	}
	inferred := csvsrc.InferTypes(sample, len(header))
	cols := make([]pgio.Column, len(header))
	for i, h := range header {
		cols[i] = pgio.Column{Name: h, Type: inferred[i]}
		if t, ok := types[h]; ok {
			cols[i].Type = t
		}
	}
	for name := range types {
		if !slices.Contains(header, name) {
			return nil, usagef("--types names %q, which is not a column of the input", name)
		}
	}
	return cols, nil
}

// parseTypes parses --types col=type,...
func parseTypes(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range splitList(v) {
		k, t, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(t) == "" {
			return nil, usagef("--types: %q is not col=type", kv)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(t)
	}
	return out, nil
}

// fileSize returns the size of a regular file, or 0 (unknown) for stdin and others.
func fileSize(path string) int64 {
	if path == "-" {
		return 0
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// connect builds and connects the target client with a connection per worker plus
// one for DDL and bookkeeping.
func connect(ctx context.Context, dsn string, workers int) (*pgio.Client, error) {
	return connectWith(ctx, pgio.Config{DSN: dsn, MaxConns: int32(workers + 1)})
}

// connectSource builds and connects the client of a source database (pg, tm): a
// connection per worker plus one for the snapshot, and no JIT compilation, which
// costs more than it saves on the one-pass queries of an export (it took 1.3 s of a
// 1.9 s tasks query of the TM migration).
func connectSource(ctx context.Context, dsn string, workers int) (*pgio.Client, error) {
	return connectWith(ctx, pgio.Config{DSN: dsn, MaxConns: int32(workers + 1), RuntimeParams: map[string]string{"jit": "off"}})
}

func connectWith(ctx context.Context, cfg pgio.Config) (*pgio.Client, error) {
	c, err := pgio.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// geometryColumns parses the --geometry flags; with --create such a column's type is
// geometry(Geometry,srid) unless --types says otherwise.
func geometryColumns(specs []string, types map[string]string) ([]csvgeom.Column, error) {
	var cols []csvgeom.Column
	for _, spec := range specs {
		name, format, srid, err := csvgeom.Parse(spec)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if _, ok := types[name]; !ok {
			types[name] = fmt.Sprintf("geometry(Geometry,%d)", srid)
		}
		cols = append(cols, csvgeom.Column{Name: name, Format: format, SRID: srid, Index: -1})
	}
	return cols, nil
}

// bindGeometry finds each geometry column's field in the header.
func bindGeometry(cols []csvgeom.Column, header []string) error {
	for i := range cols {
		cols[i].Index = slices.Index(header, cols[i].Name)
		if cols[i].Index < 0 {
			return usagef("--geometry names %q, which is not a column of the input (%s)", cols[i].Name, strings.Join(header, ", "))
		}
	}
	return nil
}

// binaryPath sets up client-side conversion to binary COPY for the target columns'
// types; when a type is not supported, the import stays on the CSV path (and says so
// when --binary was asked for explicitly).
func binaryPath(cols []pgio.Column, splitters *sync.Pool, cfg *pgio.CopyConfig[csvsrc.Record], explicit bool, stderr io.Writer) {
	types := make([]string, len(cols))
	for i, col := range cols {
		types[i] = col.Type
	}
	enc, err := copybin.NewEncoder(types)
	if err != nil {
		if explicit {
			fmt.Fprintf(stderr, "tmimport csv: --binary: %v; using the CSV path\n", err)
		}
		return
	}
	// The source does not parse fields on this path (geometry stages, which need them,
	// take the CSV path): split them here (Binary runs a few hundred rows at a time).
	cfg.Binary = func(rows []csvsrc.Record, dst []byte) ([]byte, error) {
		sp := splitters.Get().(*csvsrc.Splitter)
		defer splitters.Put(sp)
		for _, r := range rows {
			fields, err := sp.Fields(r.Raw)
			if err != nil {
				return dst, err
			}
			if dst, err = enc.AppendRow(dst, fields); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	cfg.BinaryHeader, cfg.BinaryTrailer = enc.Header(), copybin.Trailer()
}
