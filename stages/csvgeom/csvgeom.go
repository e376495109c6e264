// Package csvgeom converts geometry columns of CSV records (WKT/EWKT, WKB or EWKB in hex,
// or GeoJSON geometries) into hex EWKB with an SRID, which PostGIS reads exactly on COPY's
// CSV path. It is the stage behind `tmimport csv --geometry col:format[:srid]`.
package csvgeom

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/tmimport/tmimport/geo"
	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// Format is how a CSV field spells a geometry.
type Format string

// Formats accepted by [Parse].
const (
	WKT      Format = "wkt"      // WKT or EWKT (SRID=n;…)
	WKBHex   Format = "wkb-hex"  // hex WKB
	EWKBHex  Format = "ewkb-hex" // hex EWKB (PostGIS's text output)
	GeoJSONF Format = "geojson"  // a GeoJSON geometry object
)

// Column is one geometry column to convert.
type Column struct {
	// Index is the field's position in the record.
	Index int
	// Name is the column's name, for errors.
	Name string
	// Format is the field's spelling.
	Format Format
	// SRID is the geometry's SRID when the field does not carry one. Defaults to 4326.
	SRID int
}

// Parse parses a --geometry flag value: col:format[:srid].
func Parse(spec string) (name string, f Format, srid int, err error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return "", "", 0, fmt.Errorf("--geometry %q: want col:format[:srid]", spec)
	}
	f = Format(strings.ToLower(parts[1]))
	switch f {
	case WKT, WKBHex, EWKBHex, GeoJSONF:
	default:
		return "", "", 0, fmt.Errorf("--geometry %q: format must be wkt, wkb-hex, ewkb-hex or geojson", spec)
	}
	srid = geo.SRIDWGS84
	if len(parts) == 3 {
		if srid, err = strconv.Atoi(parts[2]); err != nil || srid < 0 || srid > geo.MaxSRID {
			return "", "", 0, fmt.Errorf("--geometry %q: bad SRID %q", spec, parts[2])
		}
	}
	return parts[0], f, srid, nil
}

// Stage returns a stage that rewrites each record's geometry fields as hex EWKB. The
// records must have Fields (csvsrc.Options.ParseFields). A field that does not parse, or
// fails validation, rejects its record with the column and the reason.
func Stage(d csvsrc.Dialect, cols []Column) pipeline.Stage[csvsrc.Record] {
	d = d.WithDefaults()
	return pipeline.StageFunc[csvsrc.Record](func(_ context.Context, b *pipeline.Batch[csvsrc.Record]) error {
		buf := make([]byte, 0, len(b.Raw)+len(b.Raw)/2)
		var conv [][]byte
		var errs []error // errs[i] is why row i is rejected; allocated at the first
		for i := range b.Rows {
			r := &b.Rows[i]
			var err error
			if conv, err = convertFields(append(conv[:0], r.Fields...), cols); err != nil {
				if errs == nil {
					errs = make([]error, len(b.Rows))
				}
				errs[i] = err
				continue
			}
			start := len(buf)
			buf = d.AppendRecord(buf, conv, r.Raw)
			r.Raw = buf[start:len(buf):len(buf)]
		}
		// Reject only after the rewrite: RejectWhere keeps the copy of each row it
		// passed to check, so a Raw set inside check would be lost.
		if errs != nil {
			b.RejectWhere(func(i int, _ csvsrc.Record) error { return errs[i] },
				func(i int) []byte { return b.Rows[i].Raw })
		}
		b.Touch()
		return nil
	})
}

// convertFields replaces the geometry fields of fields with their hex EWKB. A missing
// field is the server's to report, and NULL stays NULL.
func convertFields(fields [][]byte, cols []Column) ([][]byte, error) {
	for _, c := range cols {
		if c.Index >= len(fields) || fields[c.Index] == nil {
			continue
		}
		hexEWKB, err := convert(fields[c.Index], c)
		if err != nil {
			return fields, fmt.Errorf("column %s: %w", c.Name, err)
		}
		fields[c.Index] = hexEWKB
	}
	return fields, nil
}

// convert parses one geometry field and returns its hex EWKB.
func convert(field []byte, c Column) ([]byte, error) {
	var g orb.Geometry
	srid := c.SRID
	var err error
	switch c.Format {
	case WKT:
		var s int
		g, s, err = geo.ParseEWKT(string(field))
		if s != 0 {
			srid = s
		}
	case WKBHex, EWKBHex:
		var s int
		g, s, err = geo.ParseHex(string(field))
		if s != 0 {
			srid = s
		}
	case GeoJSONF:
		var f geo.Feature
		f, err = geo.ParseGeoJSON(field, &geo.GeoJSONOptions{SRID: c.SRID})
		g, srid = f.Geometry, f.SRID
	}
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("no geometry")
	}
	if err := geo.Validate(g, geo.ValidateOptions{SRID: srid}); err != nil {
		return nil, err
	}
	return geo.AppendEWKBHex(nil, g, srid)
}
