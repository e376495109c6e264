package main

import (
	"context"
	"io"

	"github.com/tmimport/tmimport/pgio"
)

// runGeoJSON implements `tmimport geojson`.
func runGeoJSON(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f common
	var o pgio.GeoJSONOptions
	fs := newFlagSet("geojson", "geojson --to DSN --table [schema.]name [flags] FILE|-",
		"Import a GeoJSON FeatureCollection (- for stdin; .gz is decompressed) into a table, streamed\nfeature by feature: the geometry into --geometry-column, the id into \"id\", properties into their columns.",
		"tmimport geojson --to postgres://localhost/db --table roads --create roads.geojson",
		"tmimport geojson --table aoi --create --multi --to-srid 3857 --spatial-index aoi.geojson.gz")
	f.registerTable(fs, true)
	fs.StringVar(&o.GeometryColumn, "geometry-column", "geom", "geometry column `name`")
	fs.IntVar(&o.SRID, "srid", 0, "SRID of the input when it has no crs member (default 4326)")
	fs.IntVar(&o.ToSRID, "to-srid", 0, "reproject to this SRID (4326 or 3857)")
	fs.BoolVar(&o.Multi, "multi", false, "promote Point, LineString, Polygon to Multi*")
	fs.BoolVar(&o.SpatialIndex, "spatial-index", false, "build a GiST index on the geometry column after the load")
	fs.IntVar(&o.Sample, "sample", pgio.SampleDefault, "features sampled to infer column types")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("geojson needs exactly one input FILE (or - for stdin), got %d", len(pos))
	}
	if err := f.check(true); err != nil {
		return err
	}
	l := &load{command: "geojson", flags: &f, total: progressTotal(pos[0]), args: args, stdout: stdout, stderr: stderr}
	return l.run(ctx, func(*pgio.Client) pgio.Input { return pgio.GeoJSONFile(pos[0], o) })
}
