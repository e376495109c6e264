package pgio

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/tmimport/tmimport/pgio/copybin"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvgeom"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// CSVOptions says how [CSVFile] reads a file. The zero value is PostgreSQL's CSV format
// (comma, '"' quote and escape, an unquoted empty field is NULL) with a header row whose
// names map onto the table's columns.
type CSVOptions struct {
	// Dialect is the CSV dialect (delimiter, quote, escape, NULL text).
	csvsrc.Dialect
	// NoHeader says the file has no header row: fields go to Columns, else to the
	// table's columns in order.
	NoHeader bool
	// Columns names the file's fields in order. With a header row, the header is
	// skipped whatever it holds (as COPY's HEADER skips it).
	Columns []string
	// Sample is how many records infer column types for CreateTable and AddColumns.
	// Defaults to [SampleDefault].
	Sample int
	// Geometry converts columns into PostGIS geometries, each "col:format[:srid]" with
	// format wkt, wkb-hex, ewkb-hex or geojson (srid defaults to 4326).
	Geometry []string
	// SendCSV sends the file's CSV bytes unchanged (COPY … FORMAT csv) instead of
	// converting fields to binary COPY in the client, which is faster when the
	// columns' types allow (a batch that does not convert exactly goes as CSV).
	SendCSV bool
}

// CSVFile is an input of a CSV file ("-" is standard input; a .gz file is
// decompressed). A file is cut into Workers chunks on record boundaries, and its raw
// bytes go to the server unchanged or as binary COPY.
func CSVFile(path string, o CSVOptions) Input { return &csvInput{path: path, o: o} }

type csvInput struct {
	path string
	o    CSVOptions
}

func (in *csvInput) load(ctx context.Context, l *loader) (pipeline.Summary, error) {
	o := in.o
	geoms, err := geometryColumns(o.Geometry)
	if err != nil {
		return pipeline.Summary{}, err
	}
	src, err := csvsrc.Open(in.path, csvsrc.Options{Dialect: o.Dialect, NoHeader: o.NoHeader, Columns: o.Columns, ParseFields: len(geoms) > 0})
	if err != nil {
		return pipeline.Summary{}, err
	}
	defer src.Close()
	header := src.Header()
	if err := checkNames(src.Name(), "header field", header); err != nil {
		return pipeline.Summary{}, err
	}
	size := fileSize(in.path)
	dialect := o.Dialect.WithDefaults()
	splitters := &sync.Pool{New: func() any { return src.Splitter() }}
	s := &spec[csvsrc.Record]{
		name: src.Name(), size: size, source: src, once: size == 0, names: header,
		want: func() ([]Column, error) { return inferColumns(src, cmp.Or(o.Sample, SampleDefault), geoms) },
		bind: func(cols []Column, key []string, cfg *CopyConfig[csvsrc.Record]) (func(csvsrc.Record) uint64, error) {
			cfg.Raw, cfg.CSV, cfg.LineRow = recordRaw, dialect, dialect.CopyLineRow
			if l.info.Created {
				l.explain = sampleHint(cols, cmp.Or(o.Sample, SampleDefault), l.opts.Types)
			}
			if !o.SendCSV && len(geoms) == 0 {
				binaryPath(cols, splitters, cfg)
			}
			if len(key) == 0 {
				return nil, nil
			}
			idx, err := keyIndexes(columnNames(cols), key)
			if err != nil {
				return nil, err
			}
			keys := newKeyReader(splitters, cols, idx)
			cfg.IntKey = keys.intKey()
			return keys.hash, nil
		},
		reading: fmt.Sprintf("csv %q %q %q %q header=%t columns=%q geometry=%q", dialect.Delimiter, dialect.Quote, dialect.Escape, dialect.Null, !o.NoHeader, o.Columns, o.Geometry),
	}
	if size > 0 {
		s.identity = func() (io.ReadCloser, error) { return os.Open(in.path) }
	}
	if len(geoms) > 0 {
		if err := bindGeometry(geoms, header); err != nil {
			return pipeline.Summary{}, err
		}
		s.stages = append(s.stages, csvgeom.Stage(dialect, geoms))
	}
	return run(ctx, l, s)
}

// checkNames checks an input's column names: valid identifiers, none twice.
func checkNames(input, what string, names []string) error {
	seen := make(map[string]int, len(names))
	for i, h := range names {
		if err := CheckIdentifier(h); err != nil {
			return fmt.Errorf("%s: %s %d: %w", input, what, i+1, err)
		}
		if j, dup := seen[h]; dup {
			return fmt.Errorf("%s: %ss %d and %d are both named %q", input, what, j+1, i+1, h)
		}
		seen[h] = i
	}
	return nil
}

func recordRaw(r csvsrc.Record) []byte { return r.Raw }

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

// inferColumns types the input's columns from a sample of n records; geometry columns
// are geometry(Geometry,srid).
func inferColumns(src *csvsrc.Source, n int, geoms []csvgeom.Column) ([]Column, error) {
	header := src.Header()
	if len(header) == 0 {
		return nil, fmt.Errorf("%w: %s: creating or evolving a table needs column names: a header row or CSVOptions.Columns", ErrConfig, src.Name())
	}
	sample, err := src.Sample(n)
	if err != nil {
		return nil, err
	}
	inferred := csvsrc.InferTypes(sample, len(header))
	cols := make([]Column, len(header))
	for i, h := range header {
		cols[i] = Column{Name: strings.Trim(h, " \t"), Type: inferred[i]} // a padded header name maps onto its trimmed column
		if g := slices.IndexFunc(geoms, func(c csvgeom.Column) bool { return c.Name == h }); g >= 0 {
			cols[i].Type = fmt.Sprintf("geometry(Geometry,%d)", geoms[g].SRID)
		}
	}
	return cols, nil
}

// geometryColumns parses CSVOptions.Geometry.
func geometryColumns(specs []string) ([]csvgeom.Column, error) {
	var cols []csvgeom.Column
	for _, spec := range specs {
		name, format, srid, err := csvgeom.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("%w: CSVOptions.Geometry: %w", ErrConfig, err)
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
			return fmt.Errorf("%w: CSVOptions.Geometry names %q, which is not a column of the input (%s)", ErrConfig, cols[i].Name, strings.Join(header, ", "))
		}
	}
	return nil
}

// binaryPath sets up client-side conversion to binary COPY for the target columns'
// types; when a type is not supported, the load stays on the CSV path.
func binaryPath(cols []Column, splitters *sync.Pool, cfg *CopyConfig[csvsrc.Record]) {
	types := make([]string, len(cols))
	for i, col := range cols {
		types[i] = col.Type
	}
	enc, err := copybin.NewEncoder(types)
	if err != nil {
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
func newKeyReader(splitters *sync.Pool, cols []Column, idx []int) *keyReader {
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

// sampleHint explains a reject whose value does not fit a type inferred from the
// first sample records: a later value needs a wider type (--sample, --types).
func sampleHint(cols []Column, sample int, types map[string]string) func(pipeline.Reject) pipeline.Reject {
	inferred := map[string]string{}
	for _, c := range cols {
		if _, set := types[c.Name]; !set && !strings.HasPrefix(c.Type, "geometry") {
			inferred[c.Name] = c.Type
		}
	}
	return func(r pipeline.Reject) pipeline.Reject {
		if h := csvsrc.SampleHint(r.SQLState, r.Column, inferred[r.Column], r.Pos.Index, sample); h != "" {
			r.Err = fmt.Errorf("%w; hint: %s", r.Err, h)
		}
		return r
	}
}
