package geo

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"
)

// result is what a reader produced: features, per-feature errors, and the
// error that ended the stream (nil for io.EOF).
type result struct {
	features []Feature
	errs     []*FeatureError
	fatal    error
}

func readAll(t testing.TB, r io.Reader, opts *GeoJSONOptions) result {
	t.Helper()
	return readAllWith(t, NewGeoJSONReader(r, opts))
}

func readAllWith(t testing.TB, gr *GeoJSONReader) result {
	t.Helper()
	var res result
	for range 1_000_000 {
		f, err := gr.Next()
		var fe *FeatureError
		switch {
		case err == nil:
			res.features = append(res.features, f)
		case errors.As(err, &fe):
			res.errs = append(res.errs, fe)
		case err == io.EOF:
			if _, again := gr.Next(); again != io.EOF {
				t.Fatalf("Next after io.EOF returned %v", again)
			}
			return res
		default:
			if _, again := gr.Next(); again != err {
				t.Fatalf("fatal error %v is not sticky: %v", err, again)
			}
			res.fatal = err
			return res
		}
	}
	t.Fatal("reader never ended")
	return res
}

const (
	pointFeature   = `{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"a"}}`
	polygonFeature = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]},"properties":null}`
)

func TestGeoJSONReaderInputs(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		geoms []orb.Geometry
		srids []int
	}{
		{"feature collection", `{"type":"FeatureCollection","features":[` + pointFeature + `,` + polygonFeature + `]}`,
			[]orb.Geometry{orb.Point{1, 2}, orb.Polygon{square}}, []int{4326, 4326}},
		{"empty feature collection", `{"type":"FeatureCollection","features":[]}`, nil, nil},
		{"members in any order", `{"features":[` + pointFeature + `],"bbox":[0,0,1,1],"type":"FeatureCollection","name":"x"}`,
			[]orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"no type member", `{"features":[` + pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"crs before features", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},"features":[` +
			pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}}, []int{3857}},
		{"crs84", `{"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"type":"FeatureCollection","features":[` +
			pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"null crs", `{"type":"FeatureCollection","crs":null,"features":[` + pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"agreeing crs after features", `{"type":"FeatureCollection","features":[` + pointFeature +
			`],"crs":{"type":"name","properties":{"name":"EPSG:4326"}}}`, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"feature crs wins", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[` +
			`{"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:2154"}},"geometry":{"type":"Point","coordinates":[1,2]},"properties":{}},` +
			pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}, orb.Point{1, 2}}, []int{2154, 3857}},
		{"ndjson", pointFeature + "\n\n" + polygonFeature + "\n   \n", []orb.Geometry{orb.Point{1, 2}, orb.Polygon{square}}, []int{4326, 4326}},
		{"ndjson crlf", pointFeature + "\r\n" + polygonFeature + "\r\n", []orb.Geometry{orb.Point{1, 2}, orb.Polygon{square}}, []int{4326, 4326}},
		{"concatenated", pointFeature + polygonFeature, []orb.Geometry{orb.Point{1, 2}, orb.Polygon{square}}, []int{4326, 4326}},
		{"text sequence", "\x1e" + pointFeature + "\n\x1e" + polygonFeature + "\n", []orb.Geometry{orb.Point{1, 2}, orb.Polygon{square}}, []int{4326, 4326}},
		{"byte order mark", "\xef\xbb\xbf" + pointFeature, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"single feature", pointFeature, []orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"bare geometry", `{"type":"LineString","coordinates":[[0,0],[1,1]]}`, []orb.Geometry{orb.LineString{{0, 0}, {1, 1}}}, []int{4326}},
		{"bare geometry with crs", `{"crs":{"type":"name","properties":{"name":"EPSG:3857"}},"coordinates":[1,2],"type":"Point"}`,
			[]orb.Geometry{orb.Point{1, 2}}, []int{3857}},
		{"geometry in features", `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[1,2]}]}`,
			[]orb.Geometry{orb.Point{1, 2}}, []int{4326}},
		{"ndjson of collections", `{"type":"FeatureCollection","features":[` + pointFeature + `]}` + "\n" +
			`{"type":"FeatureCollection","features":[` + pointFeature + `]}`, []orb.Geometry{orb.Point{1, 2}, orb.Point{1, 2}}, []int{4326, 4326}},
		{"empty input", "", nil, nil},
		{"white space", " \n\t ", nil, nil},
		{"null geometry", `{"type":"Feature","geometry":null,"properties":{}}`, []orb.Geometry{nil}, []int{4326}},
		{"members before type", `{"geometry":{"coordinates":[[0,0],[1,1]],"type":"MultiPoint"},"properties":{},"type":"Feature"}`,
			[]orb.Geometry{orb.MultiPoint{{0, 0}, {1, 1}}}, []int{4326}},
		{"all types", `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},
				{"type":"GeometryCollection","geometries":[]}]}},
			{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[]}}]}`,
			[]orb.Geometry{
				orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}},
				orb.MultiPolygon{{square}, {}},
				orb.Collection{orb.Point{1, 2}, orb.Collection{}},
				EmptyPoint(),
			}, []int{4326, 4326, 4326, 4326}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, strings.NewReader(tc.in), nil)
			if res.fatal != nil || len(res.errs) > 0 {
				t.Fatalf("fatal %v, feature errors %v", res.fatal, res.errs)
			}
			if len(res.features) != len(tc.geoms) {
				t.Fatalf("got %d features, want %d", len(res.features), len(tc.geoms))
			}
			for i, f := range res.features {
				if f.Index != int64(i) {
					t.Errorf("feature %d has index %d", i, f.Index)
				}
				if !geomEqual(f.Geometry, tc.geoms[i]) || f.SRID != tc.srids[i] {
					t.Errorf("feature %d: got %v srid %d, want %v srid %d", i, f.Geometry, f.SRID, tc.geoms[i], tc.srids[i])
				}
			}
		})
	}
}

// geomEqual is orb.Equal, with empty points equal to each other.
func geomEqual(a, b orb.Geometry) bool {
	ea, _ := EncodeEWKB(a, 0)
	eb, _ := EncodeEWKB(b, 0)
	return a == nil && b == nil || a != nil && b != nil && TypeName(a) == TypeName(b) && string(ea) == string(eb)
}

func TestGeoJSONReaderFeature(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"abc","geometry":{"type":"Point","coordinates":[1.5,-2.5,30]},
 "properties":{"big":12345678901234567890123,"f":1.5e300,"s":"caf\u00e9 \"q\"","b":true,"n":null,"o":{"a":[1,"x",{}]},"e":""}}]}`
	res := readAll(t, strings.NewReader(in), &GeoJSONOptions{KeepRaw: true})
	if len(res.features) != 1 {
		t.Fatalf("got %+v", res)
	}
	f := res.features[0]
	want := map[string]any{
		"big": json.Number("12345678901234567890123"), "f": json.Number("1.5e300"), "s": `café "q"`, "b": true, "n": nil,
		"o": map[string]any{"a": []any{json.Number("1"), "x", map[string]any{}}}, "e": "",
	}
	if !reflect.DeepEqual(f.Properties, want) {
		t.Errorf("properties: got %#v\nwant %#v", f.Properties, want)
	}
	if f.ID != "abc" || !f.HasZ || !orb.Equal(f.Geometry, orb.Point{1.5, -2.5}) {
		t.Errorf("got %+v", f)
	}
	if f.Offset != int64(strings.Index(in, `{"type":"Feature"`)) || !strings.HasPrefix(string(f.Raw), `{"type":"Feature"`) ||
		!strings.HasSuffix(string(f.Raw), `"e":""}}`) {
		t.Errorf("offset %d raw %q", f.Offset, f.Raw)
	}
	if !json.Valid(f.Raw) {
		t.Errorf("raw is not JSON: %q", f.Raw)
	}
}

func TestGeoJSONReaderFeatureErrors(t *testing.T) {
	cases := []struct {
		name    string
		feature string
		want    error
		reason  string
	}{
		{"unknown geometry type", `{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]},"properties":{}}`,
			ErrUnsupported, `GeoJSON type "Circle"`},
		{"unknown object type", `{"type":"Thing"}`, ErrUnsupported, `GeoJSON type "Thing"`},
		{"no type", `{"geometry":null,"properties":{}}`, ErrInvalid, `object has no "type" member`},
		{"short position", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}}`,
			ErrInvalid, "coordinates: position has 1 numbers, fewer than 2"},
		{"string ordinate", `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,"1"]]},"properties":{}}`,
			ErrInvalid, "coordinates: position holds a non-number"},
		{"too shallow", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[0,0],[1,1]]},"properties":{}}`,
			ErrInvalid, "coordinates: expected a position at byte offset"},
		{"too deep", `{"type":"Feature","geometry":{"type":"Point","coordinates":[[0,0]]},"properties":{}}`,
			ErrInvalid, "coordinates: position holds a non-number"},
		{"null coordinates", `{"type":"Feature","geometry":{"type":"Point","coordinates":null},"properties":{}}`,
			ErrInvalid, "Point has null coordinates"},
		{"no coordinates", `{"type":"Feature","geometry":{"type":"Point"},"properties":{}}`,
			ErrInvalid, `Point has no "coordinates" member`},
		{"geometry without type", `{"type":"Feature","geometry":{"coordinates":[1,2]},"properties":{}}`,
			ErrInvalid, `geometry has no "type" member`},
		{"null in collection", `{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[null]},"properties":{}}`,
			ErrInvalid, "member 0 of a GeometryCollection is null"},
		{"properties not object", `{"type":"Feature","geometry":null,"properties":[1]}`, ErrInvalid, `"properties" is not an object`},
		{"bad id", `{"type":"Feature","id":{"a":1},"geometry":null,"properties":{}}`, ErrInvalid, `"id" is neither a string nor a number`},
		{"huge number", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1e400,0]},"properties":{}}`,
			ErrInvalid, "number 1e400 is out of range"},
		{"bad crs", `{"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:bogus"}},"geometry":null,"properties":{}}`,
			ErrSRID, `unsupported SRID: crs "EPSG:bogus"`},
		{"not an object", `[1,2]`, ErrInvalid, "feature is not a JSON object"},
		{"nested collection", `{"type":"FeatureCollection","features":[]}`, ErrUnsupported, "FeatureCollection where a Feature was expected"},
		{"confined syntax error", `{"type":"Feature","geometry":null,"properties":{"a" 1}}`, nil, "invalid JSON at byte offset"},
		{"bad literal", `{"type":"Feature","geometry":null,"properties":{"a":tru}}`, nil, "invalid JSON at byte offset"},
		{"collections too deep", `{"type":"Feature","properties":{},"geometry":` +
			strings.Repeat(`{"type":"GeometryCollection","geometries":[`, MaxNestingDefault+1) +
			strings.Repeat(`]}`, MaxNestingDefault+1) + `}`, ErrTooLarge, "geometry collections nested deeper than 32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"type":"FeatureCollection","features":[` + pointFeature + ",\n" + tc.feature + ",\n" + pointFeature + "]}"
			res := readAll(t, strings.NewReader(in), nil)
			if res.fatal != nil || len(res.features) != 2 || len(res.errs) != 1 {
				t.Fatalf("got %d features, errors %v, fatal %v", len(res.features), res.errs, res.fatal)
			}
			fe := res.errs[0]
			if fe.Index != 1 || res.features[1].Index != 2 {
				t.Errorf("indexes: error %d, next feature %d", fe.Index, res.features[1].Index)
			}
			if fe.Offset != int64(strings.Index(in, ",\n"+tc.feature)+2) || string(fe.Raw) != tc.feature {
				t.Errorf("offset %d raw %q", fe.Offset, fe.Raw)
			}
			if tc.want != nil && !errors.Is(fe, tc.want) {
				t.Errorf("got %v, want %v", fe, tc.want)
			}
			var se *SyntaxError
			if tc.want == nil && !errors.As(fe, &se) {
				t.Errorf("got %v, want a *SyntaxError inside", fe)
			}
			if !strings.HasPrefix(fe.Reason, tc.reason) {
				t.Errorf("reason %q, want prefix %q", fe.Reason, tc.reason)
			}
		})
	}
}

func TestGeoJSONReaderFatal(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		before int   // features returned first
		offset int64 // of the *SyntaxError, or -1 for another error
		want   error
	}{
		{"missing comma", `{"type":"FeatureCollection","features":[` + pointFeature + pointFeature + `]}`, 1, 40 + int64(len(pointFeature)), nil},
		{"trailing comma", `{"type":"FeatureCollection","features":[` + pointFeature + `,]}`, 1, 41 + int64(len(pointFeature)), nil},
		{"unterminated collection", `{"type":"FeatureCollection","features":[` + pointFeature, 1, 40 + int64(len(pointFeature)), nil},
		{"unterminated feature", `{"type":"FeatureCollection","features":[{"type":"Feature"`, 0, 57, nil},
		{"unterminated string", `{"type":"FeatureCollection","features":[{"type":"Feat`, 0, 53, nil},
		{"mismatched brackets", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null]]}`, 0, 73, nil},
		{"top-level array", `[` + pointFeature + `]`, 0, 0, nil},
		{"top-level junk", pointFeature + "\nhello", 1, int64(len(pointFeature)) + 1, nil},
		{"junk between members", `{"type":"FeatureCollection" "features":[]}`, 0, 28, nil},
		{"unreadable crs after features", `{"type":"FeatureCollection","features":[` + pointFeature +
			`],"crs":{"type":"name","properties":{"name":"EPSG:999999"}}}`, 1, -1, ErrSRID},
		{"unsupported crs", `{"type":"FeatureCollection","crs":{"type":"link","properties":{}},"features":[` + pointFeature + `]}`, 0, -1, ErrSRID},
		{"type after features", `{"features":[` + pointFeature + `],"type":"Feature"}`, 1, -1, nil},
		{"second features member", `{"type":"FeatureCollection","features":[],"features":[]}`, 0, 53, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, strings.NewReader(tc.in), nil)
			if res.fatal == nil || len(res.features) != tc.before {
				t.Fatalf("got %d features, fatal %v", len(res.features), res.fatal)
			}
			var se *SyntaxError
			if tc.offset >= 0 && (!errors.As(res.fatal, &se) || se.Offset != tc.offset) {
				t.Errorf("got %v, want a *SyntaxError at offset %d", res.fatal, tc.offset)
			}
			if tc.want != nil && !errors.Is(res.fatal, tc.want) {
				t.Errorf("got %v, want %v", res.fatal, tc.want)
			}
		})
	}
}

func TestGeoJSONReaderCaps(t *testing.T) {
	big := `{"type":"Feature","geometry":{"type":"LineString","coordinates":[` +
		strings.Repeat("[1,2],", 999) + `[1,2]]},"properties":{"pad":"` + strings.Repeat("x", 5000) + `"}}`
	cases := []struct {
		name   string
		opts   GeoJSONOptions
		reason string
		raw    int // expected length of FeatureError.Raw
	}{
		{"points", GeoJSONOptions{MaxPoints: 500}, "more than 500 points", len(big)},
		{"points raw cut", GeoJSONOptions{MaxPoints: 500, MaxRawBytes: 100}, "more than 500 points", 100},
		{"bytes", GeoJSONOptions{MaxFeatureBytes: 4096}, "feature is larger than 4096 bytes", 4096},
		{"bytes raw cut", GeoJSONOptions{MaxFeatureBytes: 4096, MaxRawBytes: 10}, "feature is larger than 4096 bytes", 10},
	}
	for _, tc := range cases {
		for _, layout := range []string{"collection", "ndjson"} {
			t.Run(tc.name+" "+layout, func(t *testing.T) {
				in := `{"type":"FeatureCollection","features":[` + pointFeature + "," + big + "," + pointFeature + "]}"
				if layout == "ndjson" {
					in = pointFeature + "\n" + big + "\n" + pointFeature + "\n"
				}
				res := readAll(t, strings.NewReader(in), &tc.opts)
				if res.fatal != nil || len(res.features) != 2 || len(res.errs) != 1 {
					t.Fatalf("got %d features, errors %v, fatal %v", len(res.features), res.errs, res.fatal)
				}
				fe := res.errs[0]
				if !errors.Is(fe, ErrTooLarge) || fe.Reason != tc.reason || len(fe.Raw) != tc.raw ||
					!strings.HasPrefix(big, string(fe.Raw)) || fe.Index != 1 {
					t.Errorf("got %v (index %d), raw of %d bytes", fe, fe.Index, len(fe.Raw))
				}
				if fe.Offset != int64(strings.Index(in, big)) {
					t.Errorf("offset %d", fe.Offset)
				}
			})
		}
	}
}

// TestGeoJSONReaderLargeTopLevel checks a feature over the cap whose type
// comes last: it is a FeatureError, not the end of the stream.
func TestGeoJSONReaderLargeTopLevel(t *testing.T) {
	big := `{"properties":{"pad":"` + strings.Repeat("x", 5000) + `"},"geometry":null,` +
		`"crs":{"type":"name","properties":{"name":"EPSG:3857"}},"type":"Feature"}`
	for _, in := range []string{big + "\n" + pointFeature, big[:len(big)-1] + `,"features":[` + pointFeature + `]}`} {
		res := readAll(t, iotest.HalfReader(strings.NewReader(in)), &GeoJSONOptions{MaxFeatureBytes: 4990})
		if res.fatal != nil || len(res.errs)+len(res.features) == 0 {
			t.Fatalf("got %+v", res)
		}
	}
	// A member name over the cap, at the top level: found by FuzzGeoJSON.
	longName := `{"type":"Feature","` + strings.Repeat("k", 6000) + `":1,"geometry":null}`
	for _, in := range []string{longName + "\n" + pointFeature, `{"features":[],"` + strings.Repeat("k", 6000) + `":1}` + pointFeature} {
		res := readAll(t, iotest.HalfReader(strings.NewReader(in)), &GeoJSONOptions{MaxFeatureBytes: 4990})
		if res.fatal != nil || len(res.features) != 1 {
			t.Errorf("got %+v", res)
		}
	}
	// White space that takes a feature over the cap.
	pad := strings.Repeat(" ", 6000)
	for _, in := range []string{
		`{"type":"Feature",` + pad + `"geometry":null}` + pointFeature,
		`{"type":"Feature","geometry":null` + pad + `}` + pointFeature,
		`{"type":"Feature","geometry":null,"properties":{` + pad + `}}` + pointFeature,
	} {
		for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
			res := readAll(t, r, &GeoJSONOptions{MaxFeatureBytes: 4990})
			if res.fatal != nil || len(res.features) != 1 || len(res.errs) != 1 || !errors.Is(res.errs[0], ErrTooLarge) {
				t.Errorf("got %+v", res)
			}
		}
	}
	res := readAll(t, strings.NewReader(big+"\n"+pointFeature), &GeoJSONOptions{MaxFeatureBytes: 4990})
	if len(res.errs) != 1 || !errors.Is(res.errs[0], ErrTooLarge) || len(res.features) != 1 {
		t.Errorf("got %+v", res)
	}
}

// TestGeoJSONReaderChunking checks that how the input arrives does not change
// what is decoded: the fast path and the fallback must agree.
func TestGeoJSONReaderChunking(t *testing.T) {
	in := `{"type":"FeatureCollection","name":"t","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[` +
		pointFeature + ",\n" + polygonFeature + ",\n" +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{}},` +
		`{"type":"Feature","geometry":null,"properties":{"a":"x\"y","b":[1,{"c":null}]}},` +
		`{"properties":{"k":"v"},"geometry":{"coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"type":"Polygon"},"type":"Feature"}` +
		"]}\n" + pointFeature + "\n" + `{"type":"Point","coordinates":[3,4]}`
	want := readAll(t, strings.NewReader(in), &GeoJSONOptions{KeepRaw: true})
	if want.fatal != nil || len(want.features) != 6 || len(want.errs) != 1 {
		t.Fatalf("got %d features, errors %v, fatal %v", len(want.features), want.errs, want.fatal)
	}
	readers := map[string]func(io.Reader) io.Reader{
		"one byte":  iotest.OneByteReader,
		"half":      iotest.HalfReader,
		"data err":  iotest.DataErrReader,
		"odd sizes": func(r io.Reader) io.Reader { return &oddReader{r: r} },
	}
	for name, wrap := range readers {
		for _, mode := range []string{"fast", "short read-ahead", "no fast path"} {
			t.Run(name+" "+mode, func(t *testing.T) {
				r := NewGeoJSONReader(wrap(strings.NewReader(in)), &GeoJSONOptions{KeepRaw: true})
				r.readAhead = map[string]int{"fast": fastReadAhead, "short read-ahead": 1}[mode]
				r.noFast = mode == "no fast path"
				if got := readAllWith(t, r); !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v\nwant %+v", got, want)
				}
			})
		}
	}
}

// oddReader returns reads of 1, 2, 3… bytes.
type oddReader struct {
	r io.Reader
	n int
}

func (o *oddReader) Read(p []byte) (int, error) {
	o.n = o.n%7 + 1
	return o.r.Read(p[:min(len(p), o.n)])
}

func TestGeoJSONReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(`{"type":"FeatureCollection","features":[`+pointFeature+`,`), iotest.ErrReader(boom))
	res := readAll(t, r, nil)
	if !errors.Is(res.fatal, boom) || len(res.features) != 1 {
		t.Errorf("got %d features, fatal %v", len(res.features), res.fatal)
	}
}

// TestGeoJSONReaderStream decodes 200,000 task-grid features generated on the
// fly, and checks the reader does not hold on to them.
func TestGeoJSONReaderStream(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	r := NewGeoJSONReader(newTaskGrid(n), nil)
	count := 0
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Index != int64(count) || NumPoints(f.Geometry) != 5 || f.Properties["id"] != json.Number(strconv.Itoa(count+1)) {
			t.Fatalf("feature %d: %+v", count, f)
		}
		if err := Validate(f.Geometry, ValidateOptions{SRID: f.SRID}); err != nil {
			t.Fatalf("feature %d: %v", count, err)
		}
		count++
	}
	if count != n {
		t.Errorf("got %d features, want %d", count, n)
	}
	if got, want := r.InputOffset(), int64(len(taskGridBytes(n))); got != want {
		t.Errorf("InputOffset = %d, want %d", got, want)
	}
	if c := cap(r.in.buf); c > 1<<20 {
		t.Errorf("buffer grew to %d bytes", c)
	}
}

func TestParseGeoJSON(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want orb.Geometry
		srid int
		err  error
	}{
		{"feature", pointFeature, orb.Point{1, 2}, 4326, nil},
		{"geometry", `{"type":"MultiPoint","coordinates":[[1,2]]}`, orb.MultiPoint{{1, 2}}, 4326, nil},
		{"crs", `{"type":"Point","coordinates":[1,2],"crs":{"type":"EPSG","properties":{"code":3857}}}`, orb.Point{1, 2}, 3857, nil},
		{"trailing data", pointFeature + "x", nil, 0, nil},
		{"collection", `{"type":"FeatureCollection","features":[]}`, nil, 0, ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseGeoJSON([]byte(tc.in), nil)
			if tc.want == nil {
				var se *SyntaxError
				if err == nil || tc.err != nil && !errors.Is(err, tc.err) || tc.err == nil && !errors.As(err, &se) {
					t.Errorf("got %v, %v", f, err)
				}
				return
			}
			if err != nil || !orb.Equal(f.Geometry, tc.want) || f.SRID != tc.srid {
				t.Errorf("got %+v, %v", f, err)
			}
		})
	}
}

func TestParseSRID(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{"EPSG:4326", 4326},
		{"epsg:3857", 3857},
		{"3857", 3857},
		{"urn:ogc:def:crs:EPSG::3857", 3857},
		{"urn:ogc:def:crs:EPSG:6.6:2154", 2154},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 4326},
		{"urn:ogc:def:crs:OGC::CRS84", 4326},
		{"OGC:CRS84", 4326},
		{"CRS84", 4326},
		{"urn:ogc:def:crs:OGC:1.3:CRS83", 4269},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", 3857},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326},
		{"", 0},
		{"EPSG:", 0},
		{"EPSG:-1", 0},
		{"EPSG:1000000", 0},
		{"EPSG:999999", 0},
		{"urn:ogc:def:crs:EPSG::999999", 0},
		{"EPSG:100", 0},
		{"EPSG:32767", 32767},
		{"EPSG:900913", 3857},
		{"WGS84", 0},
	}
	for _, tc := range cases {
		got, err := ParseSRID(tc.in)
		if got != tc.want || (tc.want == 0) != errors.Is(err, ErrSRID) {
			t.Errorf("ParseSRID(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
