package csvgeom

import (
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		spec string
		name string
		f    Format
		srid int
		err  bool
	}{
		{"geom:wkt", "geom", WKT, 4326, false},
		{"g:EWKB-HEX:3857", "g", EWKBHex, 3857, false},
		{"g:geojson:4326", "g", GeoJSONF, 4326, false},
		{"g", "", "", 0, true},
		{"g:svg", "", "", 0, true},
		{":wkt", "", "", 0, true},
		{"g:wkt:x", "", "", 0, true},
		{"g:wkt:1:2", "", "", 0, true},
	}
	for _, tc := range cases {
		name, f, srid, err := Parse(tc.spec)
		if (err != nil) != tc.err || name != tc.name || f != tc.f || srid != tc.srid {
			t.Errorf("Parse(%q) = %q, %q, %d, %v", tc.spec, name, f, srid, err)
		}
	}
}

func TestConvert(t *testing.T) {
	const point = "0101000020E6100000000000000000F03F0000000000000040"
	cases := []struct {
		name  string
		field string
		c     Column
		want  string
		err   bool
	}{
		{"wkt", "POINT(1 2)", Column{Format: WKT, SRID: 4326}, point, false},
		{"ewkt srid wins", "SRID=4326;POINT(1 2)", Column{Format: WKT, SRID: 3857}, point, false},
		{"wkb hex", "0101000000000000000000F03F0000000000000040", Column{Format: WKBHex, SRID: 4326}, point, false},
		{"ewkb hex", point, Column{Format: EWKBHex, SRID: 3857}, point, false},
		{"geojson", `{"type":"Point","coordinates":[1,2]}`, Column{Format: GeoJSONF, SRID: 4326}, point, false},
		{"bad wkt", "POINT(1)", Column{Format: WKT, SRID: 4326}, "", true},
		{"out of range", "POINT(1 95)", Column{Format: WKT, SRID: 4326}, "", true},
		{"open ring", "POLYGON((0 0,1 0,1 1,0 1))", Column{Format: WKT, SRID: 4326}, "", true},
	}
	for _, tc := range cases {
		got, err := convert([]byte(tc.field), tc.c)
		if (err != nil) != tc.err {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		if !tc.err && string(got) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// FuzzParse checks that --geometry values never panic and that what is accepted is a
// known format with an SRID in range.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"geom:wkt", "g:ewkb-hex:3857", "g:geojson:4326", "::", "g:wkt:-1", "g:WKT:999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, format, srid, err := Parse(s)
		if err != nil {
			return
		}
		if name == "" || srid < 0 || srid > 999_999 {
			t.Fatalf("%q accepted as %q %q %d", s, name, format, srid)
		}
		switch format {
		case WKT, WKBHex, EWKBHex, GeoJSONF:
		default:
			t.Fatalf("%q accepted with format %q", s, format)
		}
	})
}
