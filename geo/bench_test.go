package geo

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/paulmach/orb"
)

// BenchmarkGeoJSONReader decodes a FeatureCollection of task-grid squares.
func BenchmarkGeoJSONReader(b *testing.B) {
	benchmarkReader(b, taskGridBytes(10_000), 10_000)
}

// BenchmarkGeoJSONReaderNDJSON decodes the same features, one per line.
func BenchmarkGeoJSONReaderNDJSON(b *testing.B) {
	var data []byte
	for i := range 10_000 {
		data = append(append(data, taskFeature(i)...), '\n')
	}
	benchmarkReader(b, data, 10_000)
}

func benchmarkReader(b *testing.B, data []byte, n int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewGeoJSONReader(bytes.NewReader(data), nil)
		count := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("got %d features, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
}

func BenchmarkAppendEWKB(b *testing.B)    { benchmarkAppend(b, AppendEWKB) }
func BenchmarkAppendEWKBHex(b *testing.B) { benchmarkAppend(b, AppendEWKBHex) }

// benchmarkAppend encodes a task-grid square into a reused buffer.
func benchmarkAppend(b *testing.B, appendFunc func([]byte, orb.Geometry, int) ([]byte, error)) {
	var poly orb.Geometry = orb.Polygon{taskRing(0)}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendFunc(buf[:0], poly, 4326); err != nil {
			b.Fatal(err)
		}
	}
}

// taskRing returns taskSquare(i) as an orb.Ring.
func taskRing(i int) orb.Ring {
	sq := taskSquare(i)
	return orb.Ring{sq[0], sq[1], sq[2], sq[3], sq[4]}
}

// BenchmarkParseHex decodes a task-grid multipolygon from hex EWKB, as a CSV
// geometry column holds it.
func BenchmarkParseHex(b *testing.B) {
	h, err := AppendEWKBHex(nil, orb.MultiPolygon{{taskRing(0)}, {taskRing(1)}}, 4326)
	if err != nil {
		b.Fatal(err)
	}
	s := string(h)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseHex(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEWKT decodes the same multipolygon from EWKT.
func BenchmarkParseEWKT(b *testing.B) {
	s := "SRID=4326;MULTIPOLYGON(("
	for i := range 2 {
		if i > 0 {
			s += "),("
		}
		s += "("
		for j, p := range taskRing(i) {
			if j > 0 {
				s += ","
			}
			s += fmt.Sprint(p[0], " ", p[1])
		}
		s += ")"
	}
	s += "))"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseEWKT(s); err != nil {
			b.Fatal(err)
		}
	}
}
