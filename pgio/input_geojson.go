package pgio

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
	"github.com/tmimport/tmimport/stages/geojsonsrc"
)

// GeoJSONOptions says how [GeoJSONFile] reads a file. The zero value reads a
// FeatureCollection (or one Feature) in EPSG:4326 unless its crs says otherwise, into a
// geometry column "geom", the feature id into "id" and each property into its column.
type GeoJSONOptions struct {
	// GeometryColumn names the geometry column. Defaults to "geom".
	GeometryColumn string
	// SRID is the input's SRID when it has no crs member. Defaults to 4326.
	SRID int
	// ToSRID reprojects geometries to this SRID (4326 ↔ 3857). Defaults to 0: none.
	ToSRID int
	// Multi promotes Point, LineString and Polygon to their Multi* types.
	Multi bool
	// RejectEmpty rejects features with an empty geometry ("coordinates": [], which
	// RFC 7946 allows). Defaults to false: they are stored as empty geometries, as
	// ogr2ogr stores them.
	RejectEmpty bool
	// Sample is the number of features read to infer columns. Defaults to
	// [SampleDefault].
	Sample int
	// SpatialIndex builds a GiST index on the geometry column after the load.
	SpatialIndex bool
}

// GeoJSONFile is an input of a GeoJSON file ("-" is standard input; a .gz file is
// decompressed), streamed feature by feature in bounded memory. Positions in rejects
// are 0-based feature indices. A keyed load of GeoJSON uses one worker (features
// stream once).
func GeoJSONFile(path string, o GeoJSONOptions) Input { return &geojsonInput{path: path, o: o} }

type geojsonInput struct {
	path string
	o    GeoJSONOptions
}

func (in *geojsonInput) load(ctx context.Context, l *loader) (pipeline.Summary, error) {
	o := in.o
	if o.GeometryColumn != "" {
		if err := CheckIdentifier(o.GeometryColumn); err != nil {
			return pipeline.Summary{}, fmt.Errorf("%w: GeoJSONOptions.GeometryColumn: %w", ErrConfig, err)
		}
	}
	src, err := geojsonsrc.Open(in.path, geojsonsrc.Options{
		GeometryColumn: o.GeometryColumn, SRID: o.SRID, ToSRID: o.ToSRID, Multi: o.Multi,
		AllowEmpty: !o.RejectEmpty, Sample: o.Sample, ChunkFeatures: l.opts.BatchRows,
	})
	if err != nil {
		return pipeline.Summary{}, err
	}
	defer src.Close()
	inCols := src.Columns()
	want := make([]Column, len(inCols))
	names := make([]string, len(inCols))
	for i, col := range inCols {
		want[i], names[i] = Column{Name: col.Name, Type: col.Type}, col.Name
	}
	if err := checkNames(src.Name(), "property", names); err != nil {
		return pipeline.Summary{}, err
	}
	size := fileSize(in.path)
	s := &spec[csvsrc.Record]{
		name: src.Name(), size: size, feature: true, source: src, serial: true, names: names,
		want: func() ([]Column, error) { return want, nil },
		bind: func(cols []Column, key []string, cfg *CopyConfig[csvsrc.Record]) (func(csvsrc.Record) uint64, error) {
			cfg.Raw, cfg.LineRow = recordRaw, csvsrc.Dialect{}.CopyLineRow
			return nil, src.Bind(names)
		},
		reading: fmt.Sprintf("geojson %+v", o),
	}
	if size > 0 {
		s.identity = func() (io.ReadCloser, error) { return os.Open(in.path) }
	}
	if o.SpatialIndex {
		s.after = func(ctx context.Context) error {
			return l.c.SpatialIndex(ctx, l.table, cmp.Or(o.GeometryColumn, geojsonsrc.GeometryColumnDefault))
		}
	}
	return run(ctx, l, s)
}
