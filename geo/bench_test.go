package geo

import (
	"bytes"
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

func BenchmarkAppendEWKB(b *testing.B) {
	sq := taskSquare(0)
	var poly orb.Geometry = orb.Polygon{orb.Ring{sq[0], sq[1], sq[2], sq[3], sq[4]}}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEWKB(buf[:0], poly, 4326); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendEWKBHex(b *testing.B) {
	sq := taskSquare(0)
	var poly orb.Geometry = orb.Polygon{orb.Ring{sq[0], sq[1], sq[2], sq[3], sq[4]}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendEWKBHex(buf[:0], poly, 4326); err != nil {
			b.Fatal(err)
		}
	}
}
