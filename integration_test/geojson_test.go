package integration_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/geo"
	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pgio/pgtest"
	"github.com/tmimport/tmimport/testdata/gen"
)

// mixedFeatures is one feature of every geometry type, one with Z coordinates, and
// invalid ones (an open ring, a latitude out of range, a broken geometry).
const mixedFeatures = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"point","n":1},"geometry":{"type":"Point","coordinates":[80.1,7.2]}},
{"type":"Feature","properties":{"name":"line","n":2},"geometry":{"type":"LineString","coordinates":[[80,7],[80.5,7.5],[81,7]]}},
{"type":"Feature","properties":{"name":"holed","n":3},"geometry":{"type":"Polygon","coordinates":[[[80,7],[81,7],[81,8],[80,8],[80,7]],[[80.2,7.2],[80.4,7.2],[80.4,7.4],[80.2,7.2]]]}},
{"type":"Feature","properties":{"name":"mpoint","n":4},"geometry":{"type":"MultiPoint","coordinates":[[80,7],[81,8]]}},
{"type":"Feature","properties":{"name":"mline","n":5},"geometry":{"type":"MultiLineString","coordinates":[[[80,7],[81,8]],[[82,9],[83,9]]]}},
{"type":"Feature","properties":{"name":"mpoly","n":6,"tags":{"a":[1,2]}},"geometry":{"type":"MultiPolygon","coordinates":[[[[80,7],[81,7],[81,8],[80,7]]],[[[82,7],[83,7],[83,8],[82,7]]]]}},
{"type":"Feature","properties":{"name":"collection","n":7},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[80,7]},{"type":"LineString","coordinates":[[80,7],[81,8]]}]}},
{"type":"Feature","properties":{"name":"z","n":8},"geometry":{"type":"Point","coordinates":[80.3,7.3,120.5]}},
{"type":"Feature","properties":{"name":"open ring","n":9},"geometry":{"type":"Polygon","coordinates":[[[80,7],[81,7],[81,8],[80,8]]]}},
{"type":"Feature","properties":{"name":"off the map","n":10},"geometry":{"type":"Point","coordinates":[80,97]}},
{"type":"Feature","properties":{"name":"broken","n":11},"geometry":{"type":"Point","coordinates":"nope"}},
{"type":"Feature","properties":{"name":"null geometry","n":12},"geometry":null}
]}`

// TestGeoJSONRoundTripMatchesPostGIS loads every geometry type: for each valid feature
// ST_AsEWKB in the database equals the EWKB geo encodes from the input (Z dropped), and
// PostGIS finds valid what geo accepted; the invalid features are rejected with their
// index and reason, and the exit code is 3.
func TestGeoJSONRoundTripMatchesPostGIS(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	path := writeFile(t, "mixed.geojson", []byte(mixedFeatures))
	rejects := path + ".rejects"
	r := runCLI(t, "geojson", "--to", db.DSN, "--table", "mixed", "--create", "--max-rejects", "10", "--rejects", rejects, "-q", path)
	require.Equal(t, 3, r.code, r.stderr)

	reader := geo.NewGeoJSONReader(strings.NewReader(mixedFeatures), nil)
	want := map[string]string{}
	for {
		f, err := reader.Next()
		if err != nil {
			if strings.Contains(err.Error(), "EOF") {
				break
			}
			continue
		}
		if f.Geometry == nil || geo.Validate(f.Geometry, geo.ValidateOptions{SRID: 4326}) != nil {
			continue
		}
		b, err := geo.EncodeEWKB(f.Geometry, 4326)
		require.NoError(t, err)
		want[f.Properties["name"].(string)] = hex.EncodeToString(b)
	}
	rows, err := db.Pool.Query(context.Background(), "select name, encode(st_asewkb(geom), 'hex'), st_isvalid(geom) from mixed where geom is not null")
	require.NoError(t, err)
	got := map[string]string{}
	var name, ewkb string
	var valid bool
	_, err = pgx.ForEachRow(rows, []any{&name, &ewkb, &valid}, func() error {
		got[name] = ewkb
		require.True(t, valid, name)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, want, 8)
	require.Equal(t, want, got)
	var nulls int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from mixed where geom is null and name = 'null geometry'").Scan(&nulls))
	require.Equal(t, 1, nulls)

	data, err := os.ReadFile(rejects)
	require.NoError(t, err)
	var features []int64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec pgio.RejectRecord
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		require.NotNil(t, rec.Feature, line)
		require.NotEmpty(t, rec.Message)
		require.NotEmpty(t, rec.Raw)
		features = append(features, *rec.Feature)
	}
	require.ElementsMatch(t, []int64{8, 9, 10}, features)
}

// TestGeoJSONReprojectionMatchesSTTransform loads the task grid with --to-srid 3857:
// every coordinate matches PostGIS' ST_Transform of the 4326 input within 1e-6 m.
func TestGeoJSONReprojectionMatchesSTTransform(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	var buf bytes.Buffer
	require.NoError(t, gen.TaskGridGeoJSON(&buf, 2000, 3))
	path := writeFile(t, "tasks.geojson", buf.Bytes())
	for _, args := range [][]string{{"--table", "wgs"}, {"--table", "merc", "--to-srid", "3857", "--multi", "--spatial-index"}} {
		r := runCLI(t, append(append([]string{"geojson", "--to", db.DSN, "--create", "-q"}, args...), path)...)
		require.Zero(t, r.code, r.stderr)
	}
	var n int
	var maxDiff float64
	require.NoError(t, db.Pool.QueryRow(context.Background(), `select count(*), max(st_hausdorffdistance(m.geom, st_transform(w.geom, 3857)))
		from wgs w join merc m using (id)`).Scan(&n, &maxDiff))
	require.Equal(t, 2000, n)
	require.Less(t, maxDiff, 1e-6)
	var typ string
	var srid, idx int
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select type, srid from geometry_columns where f_table_name = 'merc'").Scan(&typ, &srid))
	require.Equal(t, "MULTIPOLYGON", typ)
	require.Equal(t, 3857, srid)
	require.NoError(t, db.Pool.QueryRow(context.Background(), "select count(*) from pg_indexes where tablename = 'merc' and indexdef like '%gist%'").Scan(&idx))
	require.Equal(t, 1, idx)
}

// TestGeoJSONMatchesOgr2ogr loads the same file with ogr2ogr and with tmimport: same
// row count, and ST_Equals for every feature. Skipped when ogr2ogr (gdal-bin) is missing,
// failed instead under TMIMPORT_REQUIRE_DB=1 (`make test` requires gdal-bin).
func TestGeoJSONMatchesOgr2ogr(t *testing.T) {
	t.Parallel()
	ogr, err := exec.LookPath("ogr2ogr")
	if err != nil && os.Getenv(pgtest.EnvRequire) == "1" {
		t.Fatal("ogr2ogr not installed and TMIMPORT_REQUIRE_DB=1 (apt-get install gdal-bin)")
	}
	if err != nil {
		t.Skip("ogr2ogr not installed (apt-get install gdal-bin)")
	}
	db := pgtest.Start(t)
	var buf bytes.Buffer
	require.NoError(t, gen.TaskGridGeoJSON(&buf, 5000, 4))
	path := writeFile(t, "tasks.geojson", buf.Bytes())
	cfg, err := pgx.ParseConfig(db.DSN)
	require.NoError(t, err)
	pg := "PG:host=" + cfg.Host + " port=" + strconv.Itoa(int(cfg.Port)) + " dbname=" + cfg.Database + " user=" + cfg.User + " password=" + cfg.Password
	out, err := exec.Command(ogr, "-f", "PostgreSQL", pg, path, "-nln", "ogr", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=NONE").CombinedOutput()
	require.NoError(t, err, string(out))
	r := runCLI(t, "geojson", "--to", db.DSN, "--table", "ours", "--create", "-q", path)
	require.Zero(t, r.code, r.stderr)
	var ogrN, ourN, equal int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `select (select count(*) from ogr), (select count(*) from ours),
		(select count(*) from ogr o join ours u on u.id = o.id where st_equals(o.geom, u.geom))`).Scan(&ogrN, &ourN, &equal))
	require.Equal(t, 5000, ogrN)
	require.Equal(t, ogrN, ourN)
	require.Equal(t, ogrN, equal)
}

// TestCSVGeometryColumnsInEveryFormat converts CSV geometry columns in each format into
// PostGIS geometries equal to the same geometry parsed by PostGIS; a bad geometry is a
// reject with exit code 3.
func TestCSVGeometryColumnsInEveryFormat(t *testing.T) {
	t.Parallel()
	db := pgtest.Start(t)
	csv := "id,wkt,wkbhex,ewkbhex,gj\n" +
		"1,POINT(80 7),010100000000000000000054400000000000001C40,0101000020110F0000000000000000F03F0000000000000040,\"{\"\"type\"\":\"\"LineString\"\",\"\"coordinates\"\":[[80,7],[81,8]]}\"\n" +
		"2,\"POLYGON((80 7,81 7,81 8,80 7))\",,,\n" +
		"3,POINT(80),,,\n" +
		// Geometries are 2D: the stage drops Z. PostGIS, given the GeoJSON itself, would
		// keep Z and refuse it for the 2D column, so this row shows the values are
		// converted before COPY.
		"5,,,,\"{\"\"type\"\":\"\"Point\"\",\"\"coordinates\"\":[80,7,5]}\"\n"
	path := writeFile(t, "geoms.csv", []byte(csv))
	r := runCLI(t, "csv", "--to", db.DSN, "--table", "g", "--create", "--max-rejects", "1", "-q",
		"--geometry", "wkt:wkt", "--geometry", "wkbhex:wkb-hex", "--geometry", "ewkbhex:ewkb-hex:3857", "--geometry", "gj:geojson", path)
	require.Equal(t, 3, r.code, r.stderr)
	var n, eq int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `select count(*),
		count(*) filter (where st_equals(wkt, 'SRID=4326;POINT(80 7)') and st_equals(wkbhex, 'SRID=4326;POINT(80 7)')
			and st_srid(ewkbhex) = 3857 and st_equals(gj, 'SRID=4326;LINESTRING(80 7,81 8)'))
		from g`).Scan(&n, &eq))
	require.Equal(t, 3, n)
	require.Equal(t, 1, eq)
	var flat bool
	require.NoError(t, db.Pool.QueryRow(context.Background(), `select st_ndims(gj) = 2 and st_equals(gj, 'SRID=4326;POINT(80 7)') from g where id = 5`).Scan(&flat))
	require.True(t, flat, "the GeoJSON point was converted (Z dropped) before COPY")
}
