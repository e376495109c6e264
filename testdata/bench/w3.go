package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/tmimport/tmimport/testdata/gen"
)

// w3 is BENCH.md's W3: a FeatureCollection of task-grid polygons (200,000 at the
// default size) into PostGIS, against ogr2ogr (GDAL's COPY mode, no spatial index).
func w3() *workload {
	ogrTable := "(ogc_fid serial primary key, id integer, project_id integer, x integer, y integer, zoom integer, task_status varchar, geom geometry(Polygon,4326))"
	return &workload{
		key: "w3", title: "W3: GeoJSON → PostGIS",
		data: func(_ context.Context, b *bench) (*dataset, error) {
			return taskGrid(b.cfg.dir, b.cfg.rows/10, b.cfg.seed)
		},
		variants: []variant{{
			key: "tasks", title: "Task grid polygons", table: "tasks", ddl: ogrTable,
			setup: func(v *variant, _ *dataset) []string {
				return []string{"drop table if exists " + v.table, "checkpoint"}
			},
			reference: "ogr2ogr",
			rowText:   "t.id::bigint::text || encode(st_asewkb(t.geom), 'hex')",
			tools: []tool{
				{key: "ogr2ogr", name: "ogr2ogr -f PostgreSQL", settings: "COPY mode (GDAL's default), no spatial index", kind: peer, needs: "ogr2ogr",
					procs: func(b *bench, v *variant, d *dataset) [][]string {
						return [][]string{{"ogr2ogr", "-f", "PostgreSQL", ogrDSN(b.srv.dsn), d.files["geojson"], "-nln", v.table,
							"-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=NONE"}}
					}},
				{key: "tmimport-geojson", name: "tmimport geojson", settings: "2 workers, --create", kind: ours, sub: "geojson",
					procs: func(b *bench, v *variant, d *dataset) [][]string {
						return [][]string{{b.tmimport, "geojson", "--to", b.srv.dsn, "--table", v.table, "--create",
							"--workers", "2", "--report", "json", "-q", d.files["geojson"]}}
					}},
			},
			targets: []target{{label: "tmimport geojson vs ogr2ogr", num: []string{"tmimport-geojson"}, den: "ogr2ogr", min: 3.0}},
		}},
	}
}

// ogrDSN turns a postgres:// URL into GDAL's PG: connection string.
func ogrDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "PG:" + dsn
	}
	pw, _ := u.User.Password()
	return fmt.Sprintf("PG:host=%s port=%s dbname=%s user=%s password=%s", u.Hostname(), u.Port(), u.Path[1:], u.User.Username(), pw)
}

// taskGrid writes tasks.geojson with n features.
func taskGrid(dataDir string, n int, seed uint64) (*dataset, error) {
	d := &dataset{rows: int64(n), main: "geojson", seed: seed, files: map[string]string{},
		dir: filepath.Join(dataDir, fmt.Sprintf("w3-%d-s%d", n, seed))}
	if err := mkdirReadable(d.dir); err != nil {
		return nil, err
	}
	d.files["geojson"] = filepath.Join(d.dir, "tasks.geojson")
	write := func(rows int) func(w io.Writer) error {
		return func(w io.Writer) error { return gen.TaskGridGeoJSON(w, rows, seed) }
	}
	if err := ensureFile(d.files["geojson"], write(n), func(w io.Writer) error { return prefixOf(write(n), w, 4096) }); err != nil {
		return nil, err
	}
	fi, err := os.Stat(d.files["geojson"])
	if err != nil {
		return nil, err
	}
	d.bytes = fi.Size()
	return d, nil
}

// prefixOf writes the first n bytes of what write produces.
func prefixOf(write func(io.Writer) error, w io.Writer, n int64) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	_, err := io.CopyN(w, pr, n)
	pr.CloseWithError(io.ErrClosedPipe)
	return err
}
