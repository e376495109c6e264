package geo

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"
)

// Issue 14 item 10: a crs member after "features" is read, not refused, and
// reported through LateCRS with the features it applies to.
func TestGeoJSONReaderLateCRS(t *testing.T) {
	const ownCRS = `{"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:2154"}},"geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`
	in := pointFeature + "\n" + // a feature before the collection: index 0
		`{"type":"FeatureCollection","features":[` + pointFeature + `,` + ownCRS + `,` + `{"type":"Feature","geometry":{"type":"Point","coordinates":[1]}}` +
		`],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}}}`
	offset := int64(len(pointFeature) + 1)
	for _, slow := range []bool{false, true} {
		r := NewGeoJSONReader(iotest.OneByteReader(strings.NewReader(in)), nil)
		r.noFast = slow
		var features []Feature
		var errs []*FeatureError
		for {
			f, err := r.Next()
			var fe *FeatureError
			if errors.As(err, &fe) {
				errs = append(errs, fe)
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("slow=%v: fatal %v after %d features", slow, err, len(features))
			}
			features = append(features, f)
		}
		if len(features) != 3 || len(errs) != 1 {
			t.Fatalf("slow=%v: %d features, %d errors; want 3 and 1", slow, len(features), len(errs))
		}
		want := []LateCRS{{Offset: offset, SRID: 3857, Decoded: 4326, First: 1, Count: 3}}
		got := r.LateCRS()
		if len(got) != 1 || got[0] != want[0] {
			t.Fatalf("slow=%v: LateCRS() = %+v, want %+v", slow, got, want)
		}
		for i, wantApplies := range []bool{false, true, false} { // outside, in, own crs
			if features[i].SRID != []int{4326, 4326, 2154}[i] || got[0].Applies(&features[i]) != wantApplies {
				t.Errorf("slow=%v: feature %d: SRID %d, Applies %v", slow, i, features[i].SRID, !wantApplies)
			}
		}
	}
}

// A late crs that agrees with the features, or a collection without
// features, needs nothing from the caller.
func TestGeoJSONReaderLateCRSAgreeing(t *testing.T) {
	for _, in := range []string{
		`{"type":"FeatureCollection","features":[` + pointFeature + `],"crs":{"type":"name","properties":{"name":"EPSG:4326"}}}`,
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[` + pointFeature + `],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}`,
		`{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}`,
	} {
		r := NewGeoJSONReader(strings.NewReader(in), nil)
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", in, err)
			}
		}
		if late := r.LateCRS(); len(late) != 0 {
			t.Errorf("%s: LateCRS() = %+v", in, late)
		}
	}
}

// Issue 14 item 8: a crs naming a code that is not an EPSG code is an error
// that names it, for a collection and for one feature, rather than an SRID
// PostGIS would take as a user's.
func TestGeoJSONUnknownEPSG(t *testing.T) {
	crs := `"crs":{"type":"name","properties":{"name":"EPSG:999999"}}`
	r := NewGeoJSONReader(strings.NewReader(`{"type":"FeatureCollection",`+crs+`,"features":[`+pointFeature+`]}`), nil)
	if _, err := r.Next(); !errors.Is(err, ErrSRID) || !strings.Contains(err.Error(), "999999") {
		t.Errorf("collection: got %v, want an ErrSRID naming 999999", err)
	}
	_, err := ParseGeoJSON([]byte(`{"type":"Feature",`+crs+`,"geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`), nil)
	if !errors.Is(err, ErrSRID) || !strings.Contains(err.Error(), "999999") {
		t.Errorf("feature: got %v, want an ErrSRID naming 999999", err)
	}
}

// Issue 14 item 10: "coordinates": [] (RFC 7946 allows an empty array) is an
// empty geometry of the type, encoded as PostGIS encodes ST_GeomFromText of
// 'POINT EMPTY', 'POLYGON EMPTY' and so on, on the fast path and the slow one.
func TestGeoJSONEmptyCoordinates(t *testing.T) {
	cases := []struct {
		typ  string
		want orb.Geometry
		ewkb string
	}{
		{"Point", EmptyPoint(), "0101000020E6100000000000000000F87F000000000000F87F"},
		{"LineString", orb.LineString{}, "0102000020E610000000000000"},
		{"Polygon", orb.Polygon{}, "0103000020E610000000000000"},
		{"MultiPoint", orb.MultiPoint{}, "0104000020E610000000000000"},
		{"MultiLineString", orb.MultiLineString{}, "0105000020E610000000000000"},
		{"MultiPolygon", orb.MultiPolygon{}, "0106000020E610000000000000"},
	}
	in := `{"type":"FeatureCollection","features":[`
	for i, tc := range cases {
		if i > 0 {
			in += ","
		}
		in += `{"type":"Feature","properties":{},"geometry":{"type":"` + tc.typ + `","coordinates":[]}}`
	}
	in += "]}"
	for _, slow := range []bool{false, true} {
		r := NewGeoJSONReader(iotest.OneByteReader(strings.NewReader(in)), nil)
		r.noFast = slow
		for _, tc := range cases {
			f, err := r.Next()
			if err != nil {
				t.Fatalf("slow=%v %s: %v", slow, tc.typ, err)
			}
			h, err := AppendEWKBHex(nil, f.Geometry, f.SRID)
			if !geomEqual(f.Geometry, tc.want) || string(h) != tc.ewkb || err != nil {
				t.Errorf("slow=%v %s: got %#v, %s, %v", slow, tc.typ, f.Geometry, h, err)
			}
			if err := Validate(f.Geometry, ValidateOptions{SRID: f.SRID, AllowEmpty: true}); err != nil {
				t.Errorf("slow=%v %s: Validate with AllowEmpty: %v", slow, tc.typ, err)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("slow=%v: got %v after the features, want io.EOF", slow, err)
		}
	}
}
