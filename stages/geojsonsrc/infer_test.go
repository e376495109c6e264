package geojsonsrc

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tmimport/tmimport/pipeline"
	"github.com/tmimport/tmimport/stages/csvsrc"
)

// columnsOf reads in and returns its columns as "name type; …", or the error.
func columnsOf(in string, o Options) (string, error) {
	s, err := NewReader(strings.NewReader(in), "in.geojson", o)
	if err != nil {
		return "", err
	}
	var names []string
	for _, c := range s.Columns() {
		names = append(names, c.Name+" "+c.Type)
	}
	return strings.Join(names, "; "), nil
}

// TestInferBigIntegers: an integer property beyond int64 is numeric, which keeps it
// exactly, not double precision (issue 14 item 8); the exact text goes to COPY.
func TestInferBigIntegers(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   string
	}{
		{"int64 max", []string{"9223372036854775807", "-9223372036854775808"}, "bigint"},
		{"above 2^63-1", []string{"1", "9223372036854775808"}, "numeric"},
		{"below -2^63", []string{"-9223372036854775809"}, "numeric"},
		{"huge and a float", []string{"1.5", "123456789012345678901234567890"}, "numeric"},
		{"past double's range", []string{"1.5", "1e400"}, "numeric"},
		{"floats", []string{"1", "1.5", "-2e10"}, "double precision"},
		{"a string", []string{"99999999999999999999", `"x"`}, "text"},
	}
	for _, tc := range cases {
		var feats []string
		for _, v := range tc.values {
			feats = append(feats, `{"type":"Feature","properties":{"n":`+v+`},"geometry":null}`)
		}
		in := `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
		got, err := columnsOf(in, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := "n " + tc.want + "; geom geometry(Geometry,4326)"; got != want {
			t.Errorf("%s: columns %s, want %s", tc.name, got, want)
		}
	}
	// The exact value reaches the record.
	in := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"n":18446744073709551617},"geometry":null}]}`
	rows := readRows(t, in, Options{}, []string{"n"})
	if len(rows) != 1 || rows[0] != "18446744073709551617\n" {
		t.Fatalf("rows: %q", rows)
	}
}

// TestGeometryColumnClash: a property named like the geometry column, in any case, is
// refused with an error naming it and --geometry-column; before, the table lost its
// geometry column and every geometry (issue 14 item 9). The geometry column is always
// among the columns.
func TestGeometryColumnClash(t *testing.T) {
	for _, tc := range []struct {
		prop string
		o    Options
	}{
		{"geom", Options{}},
		{"Geom", Options{}},
		{"GEOM", Options{}},
		{"Shape", Options{GeometryColumn: "shape"}},
		{"geom", Options{Sample: 1}},
	} {
		in := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"a":1,"` + tc.prop + `":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
		_, err := columnsOf(in, tc.o)
		if !errors.Is(err, ErrGeometryColumnClash) {
			t.Fatalf("%s: got %v, want ErrGeometryColumnClash", tc.prop, err)
		}
		for _, want := range []string{`property "` + tc.prop + `"`, "--geometry-column", "in.geojson"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", tc.prop, err, want)
			}
		}
	}
	// A feature id when the geometry column is named id.
	in := `{"type":"FeatureCollection","features":[{"type":"Feature","id":3,"properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	if _, err := columnsOf(in, Options{GeometryColumn: "ID"}); !errors.Is(err, ErrGeometryColumnClash) {
		t.Fatalf("id: got %v", err)
	}
	// Renamed, the property and the geometry both load.
	in = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"geom":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	got, err := columnsOf(in, Options{GeometryColumn: "geometry"})
	if err != nil || got != "geom text; geometry geometry(Point,4326)" {
		t.Fatalf("renamed: %s, %v", got, err)
	}
	// Without properties the geometry column is there.
	in = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	if got, err := columnsOf(in, Options{}); err != nil || got != "geom geometry(Point,4326)" {
		t.Fatalf("no properties: %s, %v", got, err)
	}
	// A clashing property past the sample is a reject that says so.
	in = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}},
{"type":"Feature","properties":{"a":2,"Geom":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`
	s, err := NewReader(strings.NewReader(in), "in.geojson", Options{Sample: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, rejects := drain(t, s, []string{"a", "geom"})
	if len(rejects) != 1 || !errors.Is(rejects[0].Err, ErrGeometryColumnClash) {
		t.Fatalf("rejects: %v", rejects)
	}
}

func readRows(t *testing.T, in string, o Options, bind []string) []string {
	t.Helper()
	s, err := NewReader(strings.NewReader(in), "in.geojson", o)
	if err != nil {
		t.Fatal(err)
	}
	rows, rejects := drain(t, s, bind)
	if len(rejects) > 0 {
		t.Fatalf("rejects: %v", rejects)
	}
	return rows
}

func drain(t *testing.T, s *Source, bind []string) (rows []string, rejects []pipeline.Reject) {
	t.Helper()
	if err := s.Bind(bind); err != nil {
		t.Fatal(err)
	}
	for c, err := range s.Chunks(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		var b pipeline.Batch[csvsrc.Record]
		for {
			b.Reset()
			if err := c.Next(context.Background(), &b, pipeline.Limits{Rows: 10, Bytes: 1 << 20}); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			for _, r := range b.Rows {
				rows = append(rows, string(r.Raw))
			}
			rejects = append(rejects, b.Rejects...)
		}
	}
	return rows, rejects
}
