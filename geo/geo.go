package geo

import (
	"math"

	"github.com/paulmach/orb"
)

const (
	// MaxPointsDefault is the most points a decoded geometry may hold unless an
	// option says otherwise.
	MaxPointsDefault = 10_000_000
	// MaxNestingDefault is the deepest nesting of geometry collections a decoder accepts.
	MaxNestingDefault = 32
	// SRIDWGS84 is EPSG:4326, longitude/latitude on WGS 84.
	SRIDWGS84 = 4326
	// SRIDWebMercator is EPSG:3857, the spherical Pseudo-Mercator of web maps.
	SRIDWebMercator = 3857
	// MaxSRID is the largest SRID PostGIS accepts (SRID_MAXIMUM).
	MaxSRID = 999_999
)

// canonicalNaN is the NaN PostGIS writes (math.NaN has a different payload).
var canonicalNaN = math.Float64frombits(0x7ff8000000000000)

// emptyPoint is how PostGIS writes POINT EMPTY in WKB: both ordinates NaN.
var emptyPoint = orb.Point{canonicalNaN, canonicalNaN}

// EmptyPoint returns the representation of POINT EMPTY: orb.Point{NaN, NaN}.
func EmptyPoint() orb.Point { return emptyPoint }

// isEmptyPoint reports whether p is POINT EMPTY.
func isEmptyPoint(p orb.Point) bool { return math.IsNaN(p[0]) && math.IsNaN(p[1]) }
