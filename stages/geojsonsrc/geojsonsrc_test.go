package geojsonsrc

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

func TestPgType(t *testing.T) {
	cases := []struct {
		name  string
		kinds []string
		want  string
	}{
		{"no values", nil, "text"},
		{"ints", []string{"int"}, "bigint"},
		{"ints and floats", []string{"int", "float"}, "double precision"},
		{"ints beyond int64", []string{"int", "bignum"}, "numeric"},
		{"big ints and floats", []string{"bignum", "float"}, "numeric"},
		{"big ints and strings", []string{"bignum", "string"}, "text"},
		{"bools", []string{"bool"}, "boolean"},
		{"bools and ints", []string{"bool", "int"}, "text"},
		{"strings", []string{"string", "int"}, "text"},
		{"objects", []string{"json", "string"}, "jsonb"},
	}
	for _, tc := range cases {
		k := map[string]bool{}
		for _, x := range tc.kinds {
			k[x] = true
		}
		if got := pgType(k); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestAppendValue(t *testing.T) {
	cases := []struct {
		v    any
		typ  string
		want string
	}{
		{nil, "text", ""},
		{"", "text", `""`},
		{`say "hi", ok`, "text", `"say ""hi"", ok"`},
		{`\.`, "text", `"\."`},
		{json.Number("12"), "bigint", "12"},
		{true, "boolean", "true"},
		{map[string]any{"a": []any{json.Number("1")}}, "jsonb", `"{""a"":[1]}"`},
		{"plain", "jsonb", `"""plain"""`},
	}
	for _, tc := range cases {
		if got := string(appendValue(nil, tc.v, tc.typ)); got != tc.want {
			t.Errorf("appendValue(%#v, %s) = %s, want %s", tc.v, tc.typ, got, tc.want)
		}
	}
}

// TestSourceTurnsFeaturesIntoRecordsAndRejects reads a small collection through the
// pipeline contract: valid features become CSV records in the bound column order, the
// invalid ones rejects with their index.
func TestSourceTurnsFeaturesIntoRecordsAndRejects(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","id":7,"properties":{"b":"x,y","a":1},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":2,"c":3},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":3},"geometry":{"type":"Point","coordinates":[1,200]}},
{"type":"Feature","properties":{"a":4},"geometry":{"type":"Point","coordinates":"bad"}}]}`
	s, err := NewReader(strings.NewReader(in), "in.geojson", Options{Sample: 1})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range s.Columns() {
		names = append(names, c.Name+" "+c.Type)
	}
	if got := strings.Join(names, "; "); got != "a bigint; b text; id bigint; geom geometry(Point,4326)" {
		t.Fatalf("columns: %s", got)
	}
	if err := s.Bind([]string{"geom", "a", "b", "id"}); err != nil {
		t.Fatal(err)
	}
	var rows []string
	var rejects []pipeline.Reject
	for c, err := range s.Chunks(context.Background(), 2) {
		if err != nil {
			t.Fatal(err)
		}
		var b pipeline.Batch[csvsrc.Record]
		for {
			b.Reset()
			err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 10, Bytes: 1 << 20})
			if err == io.EOF {
				break
			}
			for _, r := range b.Rows {
				rows = append(rows, string(r.Raw))
			}
			rejects = append(rejects, b.Rejects...)
		}
	}
	if len(rows) != 1 || rows[0] != "0101000020E6100000000000000000F03F0000000000000040,1,\"x,y\",7\n" {
		t.Fatalf("rows: %q", rows)
	}
	if len(rejects) != 3 || rejects[0].Pos.Index != 1 || rejects[1].Pos.Index != 2 || rejects[2].Pos.Index != 3 {
		t.Fatalf("rejects: %v", rejects)
	}
	if !strings.Contains(rejects[0].Err.Error(), `property "c" is not a column`) {
		t.Fatalf("reject 0: %v", rejects[0].Err)
	}
}

// TestLateCRS reads collections whose crs member comes after the features (ogr2ogr
// accepts them): within the sample, the features take the crs's SRID, in the geometry
// column's type and in their EWKB; past the sample, where features were already sent
// with the default SRID, the read fails saying how to re-run (issue 14 item 10).
func TestLateCRS(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":2},"geometry":{"type":"Point","coordinates":[3,4]}}],
"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}}}`
	read := func(sample int) ([]string, []Column, error) {
		s, err := NewReader(strings.NewReader(in), "late.geojson", Options{Sample: sample, ChunkFeatures: 1})
		if err != nil {
			return nil, nil, err
		}
		if err := s.Bind([]string{"geom", "a"}); err != nil {
			return nil, nil, err
		}
		var rows []string
		for c, err := range s.Chunks(context.Background(), 1) {
			if err != nil {
				return rows, s.Columns(), err
			}
			var b pipeline.Batch[csvsrc.Record]
			for {
				b.Reset()
				if err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 10, Bytes: 1 << 20}); err == io.EOF {
					break
				}
				for _, r := range b.Rows {
					rows = append(rows, string(r.Raw))
				}
			}
		}
		return rows, s.Columns(), nil
	}
	rows, cols, err := read(10)
	if err != nil {
		t.Fatal(err)
	}
	if cols[1].Type != "geometry(Point,3857)" {
		t.Fatalf("geometry column %q, want geometry(Point,3857)", cols[1].Type)
	}
	for _, r := range rows {
		if !strings.HasPrefix(r, "0101000020110F0000") { // EWKB point, SRID 3857
			t.Fatalf("row %q does not carry SRID 3857", r)
		}
	}
	if len(rows) != 2 {
		t.Fatalf("rows: %q", rows)
	}
	_, _, err = read(1)
	if err == nil || !strings.Contains(err.Error(), "re-run with --srid 3857") {
		t.Fatalf("past the sample: %v, want an error that says re-run with --srid 3857", err)
	}
}

// TestBrokenJSONLoadsTheFeaturesBeforeIt: invalid JSON in the middle of a collection
// ends the read with an error that names the feature's index (not only a byte
// offset), after the valid features before it were handed on to be loaded (issue 14
// item 7).
func TestBrokenJSONLoadsTheFeaturesBeforeIt(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":2},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":3},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":4},"geometry":{"type":"Point","coordinates":[1,2]}} x,
{"type":"Feature","properties":{"a":5},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	s, err := NewReader(strings.NewReader(in), "broken.geojson", Options{Sample: 1, ChunkFeatures: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind([]string{"geom", "a"}); err != nil {
		t.Fatal(err)
	}
	var rows int
	var readErr error
	for c, err := range s.Chunks(context.Background(), 1) {
		if err != nil {
			readErr = err
			break
		}
		var b pipeline.Batch[csvsrc.Record]
		for {
			b.Reset()
			if err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 10, Bytes: 1 << 20}); err == io.EOF {
				break
			}
			rows += len(b.Rows)
		}
	}
	if rows != 4 {
		t.Fatalf("%d features handed on before the broken JSON, want 4", rows)
	}
	if readErr == nil || !strings.Contains(readErr.Error(), "broken.geojson: feature 4") {
		t.Fatalf("error %v: want one naming feature 4", readErr)
	}
}
