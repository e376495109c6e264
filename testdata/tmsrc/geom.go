package tmsrc

import (
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Geometries are written as hex EWKB (little endian, SRID 4326), which
// PostGIS's geometry input accepts in COPY text.

// pt is a lon/lat point.
type pt struct{ x, y float64 }

// ring is a closed linear ring (first point == last point).
type ring []pt

// poly is a polygon: an outer ring, then holes.
type poly []ring

// EWKB geometry type codes and the SRID flag.
const (
	wkbPoint        = 1
	wkbPolygon      = 3
	wkbMultiPolygon = 6
	ewkbSRID        = 0x20000000
	srid            = 4326
)

// rect returns the closed counter-clockwise ring of a lon/lat box.
func rect(x0, y0, x1, y1 float64) ring {
	return ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// area returns the planar area and centroid of a simple ring.
func (r ring) area() (a float64, c pt) {
	o := r[0] // relative to the first vertex, for precision
	for i := 0; i+1 < len(r); i++ {
		p, q := pt{r[i].x - o.x, r[i].y - o.y}, pt{r[i+1].x - o.x, r[i+1].y - o.y}
		cross := p.x*q.y - q.x*p.y
		a += cross
		c.x += (p.x + q.x) * cross
		c.y += (p.y + q.y) * cross
	}
	a /= 2
	c.x = c.x/(6*a) + o.x
	c.y = c.y/(6*a) + o.y
	return math.Abs(a), c
}

// centroid returns the area-weighted planar centroid of polygons, as
// ST_Centroid computes it.
func centroid(ps []poly) pt {
	var sum float64
	var c pt
	for _, p := range ps {
		for i, r := range p {
			a, rc := r.area()
			if i > 0 {
				a = -a // holes subtract
			}
			sum += a
			c.x += a * rc.x
			c.y += a * rc.y
		}
	}
	return pt{c.x / sum, c.y / sum}
}

// appendHeader appends a little-endian EWKB header; withSRID marks the outermost geometry.
func appendHeader(b []byte, typ uint32, withSRID bool) []byte {
	b = append(b, 1)
	if withSRID {
		b = binary.LittleEndian.AppendUint32(b, typ|ewkbSRID)
		return binary.LittleEndian.AppendUint32(b, srid)
	}
	return binary.LittleEndian.AppendUint32(b, typ)
}

// appendPolyBody appends a polygon's rings.
func appendPolyBody(b []byte, p poly) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
	for _, r := range p {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r)))
		for _, q := range r {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(q.x))
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(q.y))
		}
	}
	return b
}

// geomEncoder builds EWKB in a reusable scratch buffer and appends it as hex.
type geomEncoder struct{ scratch []byte }

// multiPolygon appends the hex EWKB of a MultiPolygon to dst.
func (e *geomEncoder) multiPolygon(dst []byte, ps ...poly) []byte {
	b := appendHeader(e.scratch[:0], wkbMultiPolygon, true)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ps)))
	for _, p := range ps {
		b = appendHeader(b, wkbPolygon, false)
		b = appendPolyBody(b, p)
	}
	e.scratch = b
	return hex.AppendEncode(dst, b)
}

// polygon appends the hex EWKB of a Polygon to dst.
func (e *geomEncoder) polygon(dst []byte, p poly) []byte {
	b := appendHeader(e.scratch[:0], wkbPolygon, true)
	e.scratch = appendPolyBody(b, p)
	return hex.AppendEncode(dst, e.scratch)
}

// point appends the hex EWKB of a Point to dst.
func (e *geomEncoder) point(dst []byte, q pt) []byte {
	b := appendHeader(e.scratch[:0], wkbPoint, true)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(q.x))
	e.scratch = binary.LittleEndian.AppendUint64(b, math.Float64bits(q.y))
	return hex.AppendEncode(dst, e.scratch)
}

// tileLon returns the west edge of tile column x at zoom z (Web Mercator tiles).
func tileLon(x, z int) float64 { return float64(x)/float64(int(1)<<z)*360 - 180 }

// tileLat returns the north edge of tile row y at zoom z.
func tileLat(y, z int) float64 {
	n := math.Pi * (1 - 2*float64(y)/float64(int(1)<<z))
	return math.Atan(math.Sinh(n)) * 180 / math.Pi
}

// lonTile returns the tile column holding lon at zoom z.
func lonTile(lon float64, z int) int { return int((lon + 180) / 360 * float64(int(1)<<z)) }

// latTile returns the tile row holding lat at zoom z.
func latTile(lat float64, z int) int {
	r := lat * math.Pi / 180
	return int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * float64(int(1)<<z))
}

// tileRect returns the lon/lat box of tile (x, y, z).
func tileRect(x, y, z int) (x0, y0, x1, y1 float64) {
	return tileLon(x, z), tileLat(y+1, z), tileLon(x+1, z), tileLat(y, z)
}
