package orbbench_test

import (
	"encoding/hex"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/tmimport/tmimport/geo"
)

// TestWhereOrbDiffers pins the inputs geo's exported decoders accept (and
// stages/csvgeom relies on) that orb v0.14's decoders get wrong or refuse:
// the reasons, besides speed, that geo keeps its WKB and WKT decoders (see
// geo's package doc). If orb learns them, this test fails and the decision
// can be revisited.
func TestWhereOrbDiffers(t *testing.T) {
	// SRID=4326;LINESTRING Z (1 2 3, 4 5 6) as PostGIS writes it: EWKB with the Z flag.
	const lineZ = "01020000A0E610000002000000" +
		"000000000000F03F" + "0000000000000040" + "0000000000000840" +
		"0000000000001040" + "0000000000001440" + "0000000000001840"
	want := orb.LineString{{1, 2}, {4, 5}}
	if g, srid, err := geo.ParseHex(lineZ); err != nil || srid != 4326 || !orb.Equal(g, want) {
		t.Errorf("geo.ParseHex: %v %d %v", g, srid, err)
	}
	b, _ := hex.DecodeString(lineZ)
	if g, _, err := ewkb.Unmarshal(b); err == nil && orb.Equal(g, want) {
		t.Errorf("orb's ewkb now reads EWKB Z: %v", g)
	} else {
		t.Logf("orb ewkb reads LINESTRING Z (1 2 3,4 5 6) as %v, %v", g, err)
	}
	// The same line as ISO WKB (type 1002).
	b, _ = hex.DecodeString("01EA03000002000000" + lineZ[26:])
	if g, err := wkb.Unmarshal(b); err == nil && orb.Equal(g, want) {
		t.Errorf("orb's wkb now reads ISO WKB Z: %v", g)
	} else {
		t.Logf("orb wkb reads ISO LINESTRING Z as %v, %v", g, err)
	}
	for _, s := range []string{"POINT Z (1 2 3)", "LINESTRING(1 2 3,4 5 6)", "MULTIPOINT(1 2,3 4)", "POINT EMPTY"} {
		if _, err := geo.ParseWKT(s); err != nil {
			t.Errorf("geo.ParseWKT(%q): %v", s, err)
		}
		if g, err := wkt.Unmarshal(s); err == nil {
			t.Errorf("orb's wkt now reads %q: %v", s, g)
		} else {
			t.Logf("orb wkt refuses %q: %v", s, err)
		}
	}
}
