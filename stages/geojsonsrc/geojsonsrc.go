// Package geojsonsrc reads GeoJSON for tmimport: it streams features with package geo,
// infers a table's columns from a sample of their properties, and turns each feature
// into a CSV record (properties as text, the geometry as hex EWKB with its SRID) that
// PostgreSQL parses with its own input functions on COPY's CSV fast path.
//
// Decoding runs in the source, one feature after another; validation, reprojection and
// encoding run in the pipeline's workers. Invalid features become rejects that carry
// their feature index and the reason; valid ones load.
package geojsonsrc

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/tmimport/tmimport/geo"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// Defaults of [Options].
const (
	// GeometryColumnDefault names the geometry column.
	GeometryColumnDefault = "geom"
	// ChunkFeaturesDefault is the number of features per chunk.
	ChunkFeaturesDefault = 5_000
	// SampleDefault is the number of features sampled to infer column types.
	SampleDefault = 1000
)

// Options configures a [Source]. A zero field means its default.
type Options struct {
	// Name names the input in rejects. Defaults to the path, "stdin" or "input".
	Name string
	// GeometryColumn names the geometry column. Defaults to "geom".
	GeometryColumn string
	// SRID is the input's SRID when it has no crs member. Defaults to 4326.
	SRID int
	// ToSRID reprojects geometries to this SRID (4326 ↔ 3857). Defaults to 0: none.
	ToSRID int
	// Multi promotes Point, LineString and Polygon to their Multi* types.
	Multi bool
	// AllowEmpty accepts empty geometries. Defaults to false: they are rejected.
	AllowEmpty bool
	// Sample is the number of features read to infer columns. Defaults to 1000.
	Sample int
	// ChunkFeatures is the number of features a chunk holds. Defaults to 5,000 (memory is about workers + 2 chunks of decoded features).
	ChunkFeatures int
}

// Column is a column the input provides: a property, the feature id or the geometry.
type Column struct {
	// Name is the column name: the property's name, "id", or Options.GeometryColumn.
	Name string
	// Type is the inferred PostgreSQL type.
	Type string
	kind colKind
}

type colKind int

const (
	propCol colKind = iota
	idCol
	geomCol
)

// Source is a [pipeline.Source] of CSV records, one per feature.
type Source struct {
	opts    Options
	name    string
	reader  *geo.GeoJSONReader
	closer  io.Closer
	sample  []any // geo.Feature or *geo.FeatureError, in input order, replayed first
	cols    []Column
	bound   []Column // the target's columns in COPY order, after Bind
	sampled int64    // features in the sample (their indices are below it)
	count   int64    // features read so far
	readErr error
}

// Open opens a GeoJSON file ("-" for stdin; gzip is detected) and reads the sample.
func Open(path string, o Options) (*Source, error) {
	if path == "-" {
		return NewReader(os.Stdin, cmp.Or(o.Name, "stdin"), o)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geojsonsrc: %w", err)
	}
	s, err := NewReader(f, cmp.Or(o.Name, path), o)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// NewReader reads GeoJSON from r (gzip is detected) and reads the sample.
func NewReader(r io.Reader, name string, o Options) (*Source, error) {
	o.GeometryColumn = cmp.Or(o.GeometryColumn, GeometryColumnDefault)
	o.Sample = cmp.Or(o.Sample, SampleDefault)
	o.ChunkFeatures = cmp.Or(o.ChunkFeatures, ChunkFeaturesDefault)
	if o.ToSRID != 0 && o.ToSRID != geo.SRIDWGS84 && o.ToSRID != geo.SRIDWebMercator {
		return nil, fmt.Errorf("geojsonsrc: --to-srid %d: only 4326 and 3857 are supported", o.ToSRID)
	}
	br := newPeekReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("geojsonsrc: %s: %w", name, err)
		}
		r = zr
	} else {
		r = br
	}
	s := &Source{opts: o, name: cmp.Or(name, "input"),
		reader: geo.NewGeoJSONReader(r, &geo.GeoJSONOptions{SRID: o.SRID, KeepRaw: true})}
	if err := s.readSample(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the input's name.
func (s *Source) Name() string { return s.name }

// Close closes the file opened by Open.
func (s *Source) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// readSample reads up to Options.Sample features and infers the columns. A crs member
// that came after the features it applies to (geo.GeoJSONReader.LateCRS) re-tags the
// sampled features before anything is inferred or sent.
func (s *Source) readSample() error {
	for len(s.sample) < s.opts.Sample && s.readErr == nil {
		item, err := s.next()
		if err != nil {
			return err
		}
		if item == nil {
			break
		}
		s.sample = append(s.sample, item)
	}
	if n := len(s.sample); n > 0 {
		s.sampled = index(s.sample[n-1]) + 1
	}
	inf := newInference()
	for i, item := range s.sample {
		if f, ok := item.(geo.Feature); ok {
			for _, lc := range s.reader.LateCRS() {
				if lc.Applies(&f) {
					f.SRID = lc.SRID
				}
			}
			s.sample[i] = f
			inf.add(&f, s.opts)
		}
	}
	cols, err := inf.columns(s.opts)
	if err != nil {
		return fmt.Errorf("geojsonsrc: %s: %w", s.name, err)
	}
	s.cols = cols
	return nil
}

// lateCRS fails a read whose crs member came after features that were already sent on
// with another SRID (beyond the sample, which was re-tagged): memory stays bounded, so
// they cannot be held back; the message says how to read the file right.
func (s *Source) lateCRS() error {
	for _, lc := range s.reader.LateCRS() {
		if lc.First+lc.Count > s.sampled {
			return fmt.Errorf("geojsonsrc: %s: its crs member (EPSG:%d) comes after the features, which were read as EPSG:%d: re-run with --srid %d (GeoJSONOptions.SRID)", s.name, lc.SRID, lc.Decoded, lc.SRID)
		}
	}
	return nil
}

// next reads the next item: a geo.Feature, or a *geo.FeatureError for a feature that
// could not be decoded. At the end of the input it sets s.readErr to io.EOF and returns
// nil; an error that breaks the stream is returned.
func (s *Source) next() (any, error) {
	f, err := s.reader.Next()
	var fe *geo.FeatureError
	switch {
	case errors.Is(err, io.EOF):
		s.readErr = io.EOF
		if s.sample == nil { // streaming past the sample
			return nil, s.lateCRS()
		}
		return nil, nil
	case errors.As(err, &fe):
		s.count = fe.Index + 1
		return fe, nil
	case err != nil:
		return nil, fmt.Errorf("geojsonsrc: %s: feature %d (0-based; the features before it are read): %w", s.name, s.count, err)
	}
	s.count = f.Index + 1
	return f, nil
}

// Columns returns the columns the input provides, inferred from the sample: properties
// sorted by name, then "id" when features have an id member but no "id" property, then
// the geometry column, typed geometry(<Type>,<SRID>) (Geometry when the sample mixes
// types). The geometry column is always there: a property that has its name (in any
// case) makes Open and NewReader fail with [ErrGeometryColumnClash].
func (s *Source) Columns() []Column { return s.cols }

// Bind sets the target columns, in COPY order, that records carry: each must be one of
// Columns (by name). Call it before Chunks.
func (s *Source) Bind(names []string) error {
	s.bound = s.bound[:0]
	for _, n := range names {
		i := -1
		for j, c := range s.cols {
			if c.Name == n {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("geojsonsrc: %s: column %q is not provided by the input", s.name, n)
		}
		s.bound = append(s.bound, s.cols[i])
	}
	return nil
}

// Chunks reads the features, the sample first, in chunks of Options.ChunkFeatures.
// The input is read once.
func (s *Source) Chunks(ctx context.Context, _ int) iter.Seq2[pipeline.Chunk[csvsrc.Record], error] {
	return func(yield func(pipeline.Chunk[csvsrc.Record], error) bool) {
		if len(s.bound) == 0 {
			yield(nil, errors.New("geojsonsrc: Bind was not called"))
			return
		}
		items := s.sample
		s.sample = nil
		for seq := 0; ; seq++ {
			for len(items) < s.opts.ChunkFeatures && s.readErr == nil {
				item, err := s.next()
				if err != nil {
					// The features read before a broken one load; then the run fails.
					s.readErr = err
					if len(items) > 0 {
						c := &chunk{src: s, items: items, info: pipeline.ChunkInfo{Seq: seq, Unit: "row"}}
						c.info.Start, c.info.End = index(items[0]), index(items[len(items)-1])+1
						if !yield(c, nil) {
							return
						}
					}
					yield(nil, err)
					return
				}
				if item != nil {
					items = append(items, item)
				}
			}
			if len(items) == 0 || ctx.Err() != nil {
				return
			}
			c := &chunk{src: s, items: items, info: pipeline.ChunkInfo{Seq: seq, Unit: "row"}}
			c.info.Start, c.info.End = index(items[0]), index(items[len(items)-1])+1
			items = nil
			if !yield(c, nil) {
				return
			}
		}
	}
}

func index(item any) int64 {
	if f, ok := item.(geo.Feature); ok {
		return f.Index
	}
	return item.(*geo.FeatureError).Index
}

// chunk converts its features to CSV records batch by batch.
type chunk struct {
	src   *Source
	items []any
	next  int
	info  pipeline.ChunkInfo
	buf   []byte
	ends  []int
}

func (c *chunk) Info() pipeline.ChunkInfo { return c.info }
func (c *chunk) Close() error             { c.items = nil; return nil }

// Next encodes up to lim.Rows features into one CSV buffer.
func (c *chunk) Next(ctx context.Context, b *pipeline.Batch[csvsrc.Record], lim pipeline.Limits) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.next >= len(c.items) {
		return io.EOF
	}
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	for c.next < len(c.items) && len(c.ends) < lim.Rows && int64(len(c.buf)) < lim.Bytes {
		item := c.items[c.next]
		c.next++
		b.Read++
		if fe, ok := item.(*geo.FeatureError); ok {
			b.Rejects = append(b.Rejects, pipeline.Reject{Pos: pipeline.Pos{Index: fe.Index, Offset: fe.Offset}, Raw: fe.Raw, Err: errors.New(fe.Reason)})
			continue
		}
		f := item.(geo.Feature)
		p := pipeline.Pos{Index: f.Index, Offset: f.Offset}
		start := len(c.buf)
		var err error
		if c.buf, err = c.src.appendRecord(c.buf, &f); err != nil {
			c.buf = c.buf[:start]
			b.Rejects = append(b.Rejects, pipeline.Reject{Pos: p, Raw: f.Raw, Err: err})
			continue
		}
		c.ends = append(c.ends, len(c.buf))
		b.Pos = append(b.Pos, p)
	}
	start := 0
	for _, end := range c.ends {
		b.Rows = append(b.Rows, csvsrc.Record{Raw: c.buf[start:end]})
		start = end
	}
	b.Raw = c.buf
	b.Bytes = int64(len(c.buf))
	return nil
}

// appendRecord appends a feature's CSV record (with its newline) to dst.
func (s *Source) appendRecord(dst []byte, f *geo.Feature) ([]byte, error) {
	g, srid, err := s.geometry(f)
	if err != nil {
		return dst, err
	}
	found := 0 // properties that have a column
	for i, col := range s.bound {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch col.kind {
		case geomCol:
			if g != nil {
				if dst, err = geo.AppendEWKBHex(dst, g, srid); err != nil {
					return dst, err
				}
			}
		case idCol:
			dst = appendValue(dst, f.ID, col.Type)
		default:
			v, ok := f.Properties[col.Name]
			if ok {
				found++
			}
			dst = appendValue(dst, v, col.Type)
		}
	}
	if found < len(f.Properties) {
		return dst, s.unknownProperty(f)
	}
	return append(dst, '\n'), nil
}

// unknownProperty names a property of f that no bound column takes.
func (s *Source) unknownProperty(f *geo.Feature) error {
	for k := range f.Properties {
		if !slices.ContainsFunc(s.bound, func(c Column) bool { return c.kind == propCol && c.Name == k }) {
			if strings.EqualFold(k, s.opts.GeometryColumn) {
				return clashError(k, "property", s.opts.GeometryColumn)
			}
			return fmt.Errorf("property %q is not a column of the table (use --add-columns)", k)
		}
	}
	return nil
}

// geometry validates, reprojects and normalizes a feature's geometry.
func (s *Source) geometry(f *geo.Feature) (orb.Geometry, int, error) {
	g, srid := f.Geometry, f.SRID
	if g == nil {
		return nil, srid, nil
	}
	if err := geo.Validate(g, geo.ValidateOptions{SRID: srid, AllowEmpty: s.opts.AllowEmpty}); err != nil {
		return nil, 0, err
	}
	if s.opts.ToSRID != 0 && s.opts.ToSRID != srid {
		var err error
		if g, err = geo.Reproject(g, srid, s.opts.ToSRID); err != nil {
			return nil, 0, err
		}
		srid = s.opts.ToSRID
	}
	if s.opts.Multi {
		g = geo.ToMulti(g)
	}
	return g, srid, nil
}

// appendValue appends a property value as a CSV field: NULL as an empty unquoted field,
// strings quoted when needed, numbers and booleans as JSON spells them, objects and
// arrays (and anything in a jsonb column) as JSON.
func appendValue(dst []byte, v any, typ string) []byte {
	if v == nil {
		return dst
	}
	if typ == "jsonb" {
		js, err := json.Marshal(v)
		if err != nil {
			return dst
		}
		return appendField(dst, js)
	}
	switch x := v.(type) {
	case string:
		return appendField(dst, []byte(x))
	case json.Number:
		return append(dst, x...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	default:
		js, _ := json.Marshal(x)
		return appendField(dst, js)
	}
}

// appendField appends v as a CSV field, quoted when it holds a comma, quote, CR or LF,
// or is empty (so it reads back as the empty string, not NULL), or is exactly \. .
func appendField(dst, v []byte) []byte {
	if len(v) > 0 && !bytes.ContainsAny(v, ",\"\r\n") && string(v) != `\.` {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	dst = append(dst, bytes.ReplaceAll(v, []byte(`"`), []byte(`""`))...)
	return append(dst, '"')
}
