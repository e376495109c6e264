package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/stages/csvsrc"
	"github.com/tmimport/tmimport/stages/geojsonsrc"
)

// runGeoJSON implements `tmimport geojson`.
func runGeoJSON(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f common
	var o geojsonsrc.Options
	var spatialIndex bool
	fs := flag.NewFlagSet("geojson", flag.ContinueOnError)
	f.register(fs)
	fs.StringVar(&o.GeometryColumn, "geometry-column", geojsonsrc.GeometryColumnDefault, "geometry column `name`")
	fs.IntVar(&o.SRID, "srid", 0, "SRID of the input when it has no crs member (default 4326)")
	fs.IntVar(&o.ToSRID, "to-srid", 0, "reproject to this SRID (4326 or 3857)")
	fs.BoolVar(&o.Multi, "multi", false, "promote Point, LineString, Polygon to Multi*")
	fs.BoolVar(&spatialIndex, "spatial-index", false, "build a GIST index on the geometry column after the load")
	fs.IntVar(&o.Sample, "sample", geojsonsrc.SampleDefault, "features sampled to infer column types")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("geojson needs exactly one input FILE (or - for stdin), got %d", len(pos))
	}
	if err := f.check(); err != nil {
		return err
	}
	table, err := pgio.ParseTableName(f.table)
	if err != nil {
		return usagef("--table: %v", err)
	}
	replace := f.mode == "replace"
	mode, err := pgio.ParseMode(strings.Replace(f.mode, "replace", "append", 1))
	if err != nil {
		return usagef("--mode: %v", err)
	}
	if err := pgio.CheckIdentifier(o.GeometryColumn); err != nil {
		return usagef("--geometry-column: %v", err)
	}
	src, err := geojsonsrc.Open(pos[0], o)
	if err != nil {
		return err
	}
	defer src.Close()
	size := fileSize(pos[0])
	if f.importID != "" && size == 0 {
		return usagef("--import-id needs a regular file as input")
	}
	if mode != pgio.Append && f.workers > 1 {
		f.workers = 1 // features stream once; key affinity needs to re-read (see README)
		fmt.Fprintf(stderr, "tmimport geojson: --mode %s uses 1 worker\n", mode)
	}
	client, err := connect(ctx, f.to, f.workers)
	if err != nil {
		return err
	}
	defer client.Close()
	cols, err := geoColumns(ctx, client, src, table, &f)
	if err != nil {
		return err
	}
	cfg := pgio.CopyConfig[csvsrc.Record]{Table: table, Columns: cols, Raw: recordRaw, Mode: mode, LineRow: csvsrc.Dialect{}.CopyLineRow}
	if mode != pgio.Append {
		if cfg.Key, err = resolveKey(ctx, client, table, f.key); err != nil {
			return err
		}
	}
	sink, staging, err := buildSink(ctx, client, table, fileInput(pos[0]), &f, replace, &cfg, stderr)
	if err != nil {
		return err
	}
	err = runImport(ctx, importJob[csvsrc.Record]{
		command: "geojson", table: table, flags: &f, name: src.Name(), size: size, feature: true,
		source: src, sink: sink, ledger: cfg.Ledger, staging: staging, columns: cols, mode: mode, key: cfg.Key,
		stdout: stdout, stderr: stderr,
	})
	if (err == nil || err == errRejected) && spatialIndex {
		if ierr := client.SpatialIndex(ctx, table, o.GeometryColumn); ierr != nil {
			return ierr
		}
	}
	return err
}

// geoColumns creates or evolves the table as asked and binds the input's columns to
// the table's, returning the table's column names in COPY order.
func geoColumns(ctx context.Context, c *pgio.Client, src *geojsonsrc.Source, table pgx.Identifier, f *common) ([]string, error) {
	inCols := src.Columns()
	want := make([]pgio.Column, len(inCols))
	names := make([]string, len(inCols))
	for i, col := range inCols {
		if err := pgio.CheckIdentifier(col.Name); err != nil {
			return nil, fmt.Errorf("%s: property: %w", src.Name(), err)
		}
		want[i], names[i] = pgio.Column{Name: col.Name, Type: col.Type}, col.Name
	}
	cols, err := resolveColumns(ctx, c, table, f, src.Name(), names, func() ([]pgio.Column, error) { return want, nil })
	if err != nil {
		return nil, err
	}
	return columnNames(cols), src.Bind(names)
}
