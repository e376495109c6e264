package geo

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"
)

// fuzzMaxPoints is the point cap the GeoJSON fuzz target enforces.
const fuzzMaxPoints = 1000

func FuzzGeoJSON(f *testing.F) {
	for _, s := range []string{
		pointFeature,
		polygonFeature,
		`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[` + pointFeature + `,` + polygonFeature + `]}`,
		`{"features":[{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2,3]}]},"properties":{"a":[1,{"b":null}]}}],"type":"FeatureCollection"}`,
		pointFeature + "\n" + `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}` + "\n",
		`{"type":"Feature","geometry":{"coordinates":[[1,2],[3,4]],"type":"MultiPoint"},"properties":{"s":"\ud83d\ude00\u00e9\\"}}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1]}},1,"x",null]}`,
		"\x1e" + pointFeature + "\n\xef\xbb\xbf",
		string(taskGridBytes(3)),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := &GeoJSONOptions{MaxPoints: fuzzMaxPoints, MaxFeatureBytes: 4096, MaxRawBytes: 512, KeepRaw: true}
		want := summarize(t, NewGeoJSONReader(bytes.NewReader(data), opts))
		slow := NewGeoJSONReader(iotest.OneByteReader(bytes.NewReader(data)), opts)
		slow.noFast = true
		if got := summarize(t, slow); got != want {
			t.Fatalf("scanning first disagrees with the fast path:\n%s\nfast path:\n%s", got, want)
		}
	})
}

// summarize reads everything and describes it, checking invariants on the way.
func summarize(t *testing.T, r *GeoJSONReader) string {
	t.Helper()
	res := readAllWith(t, r)
	var b strings.Builder
	for _, f := range res.features {
		if n := NumPoints(f.Geometry); n > fuzzMaxPoints {
			t.Fatalf("feature %d has %d points, over the cap", f.Index, n)
		}
		if len(f.Raw) > 512 {
			t.Fatalf("raw of %d bytes", len(f.Raw))
		}
		ewkbHex := ""
		if f.Geometry != nil {
			ewkbHex = checkEWKBRoundTrip(t, f.Geometry, f.SRID)
		}
		fmt.Fprintf(&b, "feature %d @%d id=%v srid=%d z=%v %s %v raw=%q\n", f.Index, f.Offset, f.ID, f.SRID, f.HasZ, ewkbHex, f.Properties, f.Raw)
	}
	for _, e := range res.errs {
		if len(e.Raw) > 512 {
			t.Fatalf("raw of %d bytes", len(e.Raw))
		}
		fmt.Fprintf(&b, "error %d @%d %s raw=%q\n", e.Index, e.Offset, e.Reason, e.Raw)
	}
	fmt.Fprintf(&b, "fatal %v\n", res.fatal)
	return b.String()
}

// checkEWKBRoundTrip encodes g, decodes it and encodes it again, expecting the
// same bytes, and returns them in hex.
func checkEWKBRoundTrip(t *testing.T, g orb.Geometry, srid int) string {
	t.Helper()
	b, err := EncodeEWKB(g, srid)
	if err != nil {
		t.Fatalf("encode %v: %v", g, err)
	}
	back, backSRID, err := ParseEWKB(b)
	if err != nil || backSRID != srid {
		t.Fatalf("decode of %x: srid %d, %v", b, backSRID, err)
	}
	again, err := EncodeEWKB(back, backSRID)
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("round trip changed %x into %x (%v)", b, again, err)
	}
	return hex.EncodeToString(b)
}

func FuzzWKT(f *testing.F) {
	for _, s := range []string{
		"POINT(1 2)", "SRID=4326;POINT Z (1 2 3)", "POINT EMPTY", "LINESTRING(0 0,1 1)",
		"POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1))", "MULTIPOINT(1 2,(3 4),EMPTY)",
		"MULTILINESTRING M ((0 0 1,1 1 1),EMPTY)", "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))",
		"GEOMETRYCOLLECTION(POINT(1 2),GEOMETRYCOLLECTION EMPTY)", "pointzm(1 2 3 4)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, srid, err := ParseEWKT(s)
		if err != nil {
			return
		}
		if n := NumPoints(g); n > len(s)/2 {
			t.Fatalf("%d points from %d bytes of text", n, len(s))
		}
		checkEWKBRoundTrip(t, g, srid)
	})
}

func FuzzWKB(f *testing.F) {
	for _, s := range []string{
		"0101000020E6100000000000000000F03F0000000000000040",
		"0000000001" + "3FF0000000000000" + "4000000000000000",
		"01EA03000002000000" + strings.Repeat("000000000000F03F", 6),
		"0104000000020000000101000000000000000000F03F000000000000004000000000014008000000000000" + "4010000000000000",
		"0103000020E610000001000000040000000000000000000000000000000000000000000000000000000000F03F000000000000F03F0000000000000000000000000000000000000000",
		"0107000000020000000101000000000000000000F87F000000000000F87F010700000000000000",
		"0102000000FFFFFFFF",
		"0106000000FFFFFFFF",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, srid, err := ParseEWKB(b)
		if err != nil {
			return
		}
		if n := NumPoints(g); n*16 > len(b) {
			t.Fatalf("%d points from %d bytes", n, len(b))
		}
		checkEWKBRoundTrip(t, g, srid)
	})
}

func FuzzEWKBHex(f *testing.F) {
	for _, s := range []string{
		"0101000020E6100000000000000000F03F0000000000000040",
		`\x0101000020e6100000000000000000f03f0000000000000040`,
		"0107000020E610000000000000",
		"01020000000100",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, srid, err := ParseHex(s)
		if err != nil {
			return
		}
		if n := NumPoints(g); n*32 > len(s) {
			t.Fatalf("%d points from %d hex digits", n, len(s))
		}
		h := checkEWKBRoundTrip(t, g, srid)
		if back, _, err := ParseHex(h); err != nil || NumPoints(back) != NumPoints(g) {
			t.Fatalf("hex %s: %v", h, err)
		}
	})
}
