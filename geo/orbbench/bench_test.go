// Package orbbench_test benchmarks package geo's codecs against
// github.com/paulmach/orb's (and, for GeoJSON, orb's types under
// encoding/json and github.com/goccy/go-json); the figures are in geo's
// package doc (geo/doc.go). Two data sets:
//
//   - w3: 200,000 task-grid polygons from testdata/gen (BENCHMARKS.md's W3),
//     generated in memory;
//   - countries: npm's @geo-maps/countries-land-10km (about 1 MB, 250 country
//     multipolygons), read from the file named by $GEO_COUNTRIES; skipped
//     when it is unset. Get it with
//     npm install --prefix /tmp/geomaps @geo-maps/countries-land-10km
//     GEO_COUNTRIES=/tmp/geomaps/node_modules/@geo-maps/countries-land-10km/map.geo.json
//
// Per-geometry codecs take one geometry per op, cycling through the set; the
// GeoJSON streaming benchmarks read the whole FeatureCollection per op and
// report ns/feature. TestPeakMemory (peak_test.go) streams a 2 GB
// FeatureCollection generated on the fly.
package orbbench_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	gojson "github.com/goccy/go-json"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"github.com/tmimport/tmimport/geo"
	"github.com/tmimport/tmimport/testdata/gen"
)

// benchSet is one data set in every encoding the benchmarks need.
type benchSet struct {
	name   string
	fc     []byte         // the FeatureCollection
	geoms  []orb.Geometry // its geometries
	wkb    [][]byte       // plain WKB
	ewkb   []string       // hex EWKB with SRID 4326, as a CSV column holds it
	wkt    []string       // WKT as orb writes it
	gjGeom [][]byte       // each geometry as a GeoJSON object
}

var (
	benchSetsOnce sync.Once
	benchSets     []*benchSet
	benchSetsErr  error
)

func loadBenchSets(b *testing.B) []*benchSet {
	benchSetsOnce.Do(func() {
		var w3 bytes.Buffer
		if benchSetsErr = gen.TaskGridGeoJSON(&w3, 200_000, 1); benchSetsErr != nil {
			return
		}
		sets := []*benchSet{{name: "w3", fc: w3.Bytes()}}
		if path := os.Getenv("GEO_COUNTRIES"); path != "" {
			data, err := os.ReadFile(path)
			if err != nil {
				benchSetsErr = err
				return
			}
			sets = append(sets, &benchSet{name: "countries", fc: data})
		}
		for _, s := range sets {
			if benchSetsErr = s.fill(); benchSetsErr != nil {
				return
			}
		}
		benchSets = sets
	})
	if benchSetsErr != nil {
		b.Fatal(benchSetsErr)
	}
	if len(benchSets) == 1 {
		b.Log("GEO_COUNTRIES is unset: the countries data set is skipped")
	}
	return benchSets
}

func (s *benchSet) fill() error {
	r := geo.NewGeoJSONReader(bytes.NewReader(s.fc), nil)
	for {
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if f.Geometry == nil {
			continue
		}
		s.geoms = append(s.geoms, f.Geometry)
		w, err := geo.EncodeEWKB(f.Geometry, 0)
		if err != nil {
			return err
		}
		s.wkb = append(s.wkb, w)
		h, err := geo.AppendEWKBHex(nil, f.Geometry, geo.SRIDWGS84)
		if err != nil {
			return err
		}
		s.ewkb = append(s.ewkb, string(h))
		s.wkt = append(s.wkt, wkt.MarshalString(f.Geometry))
		j, err := json.Marshal(geojson.NewGeometry(f.Geometry))
		if err != nil {
			return err
		}
		s.gjGeom = append(s.gjGeom, j)
	}
	return nil
}

// eachSet runs a sub-benchmark per data set, in which f adds the
// implementations to compare.
func eachSet(b *testing.B, f func(b *testing.B, s *benchSet, r *runner)) {
	for _, s := range loadBenchSets(b) {
		b.Run(s.name, func(b *testing.B) {
			var r runner
			f(b, s, &r)
			r.run(b)
		})
	}
}

// runner runs the implementations of one comparison as sub-benchmarks, in
// reverse order when $GEO_BENCH_REVERSE is set, so alternating rounds can
// cancel out what running first or second does (a fresh heap, a warm cache).
type runner []struct {
	name string
	f    func(*testing.B)
}

func (r *runner) add(name string, f func(*testing.B)) {
	*r = append(*r, struct {
		name string
		f    func(*testing.B)
	}{name, f})
}

func (r runner) run(b *testing.B) {
	if os.Getenv("GEO_BENCH_REVERSE") != "" {
		slices.Reverse(r)
	}
	for _, impl := range r {
		b.Run(impl.name, impl.f)
	}
}

// cycle runs op on one item per iteration, cycling through items.
func cycle[T any](b *testing.B, items []T, op func(T) error) {
	b.ReportAllocs()
	i := 0
	cpu := processCPU()
	for b.Loop() {
		if err := op(items[i]); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(items) {
			i = 0
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU returns the CPU time the process has used, in nanoseconds. On a
// machine shared with other work, CPU time per op is steadier than wall time
// per op: time spent waiting for a core is not counted. It includes the
// garbage collector's work on other threads, which the op's allocations cause.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkCodecWKBDecode(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			cycle(b, s.wkb, func(d []byte) error { _, err := geo.ParseWKB(d); return err })
		})
		r.add("impl=orb", func(b *testing.B) {
			cycle(b, s.wkb, func(d []byte) error { _, err := wkb.Unmarshal(d); return err })
		})
	})
}

func BenchmarkCodecWKBEncode(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			var buf []byte
			cycle(b, s.geoms, func(g orb.Geometry) (err error) { buf, err = geo.AppendEWKB(buf[:0], g, 0); return err })
		})
		r.add("impl=orb", func(b *testing.B) { // orb's encoder into a reused buffer, its cheapest form
			var buf bytes.Buffer
			enc := wkb.NewEncoder(&buf)
			cycle(b, s.geoms, func(g orb.Geometry) error { buf.Reset(); return enc.Encode(g) })
		})
	})
}

// EWKB as this repository uses it: hex text with an SRID, as in a CSV column
// (decode) and in text COPY (encode).
func BenchmarkCodecEWKBHexDecode(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			cycle(b, s.ewkb, func(h string) error { _, _, err := geo.ParseHex(h); return err })
		})
		r.add("impl=orb", func(b *testing.B) {
			var buf []byte
			cycle(b, s.ewkb, func(h string) error {
				var err error
				if buf, err = hex.AppendDecode(buf[:0], []byte(h)); err != nil {
					return err
				}
				_, _, err = ewkb.Unmarshal(buf)
				return err
			})
		})
	})
}

func BenchmarkCodecEWKBHexEncode(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			var buf []byte
			cycle(b, s.geoms, func(g orb.Geometry) (err error) { buf, err = geo.AppendEWKBHex(buf[:0], g, geo.SRIDWGS84); return err })
		})
		r.add("impl=orb", func(b *testing.B) {
			var bin bytes.Buffer
			var buf []byte
			enc := ewkb.NewEncoder(&bin)
			cycle(b, s.geoms, func(g orb.Geometry) error {
				bin.Reset()
				err := enc.Encode(g, geo.SRIDWGS84)
				buf = hex.AppendEncode(buf[:0], bin.Bytes())
				return err
			})
		})
	})
}

func BenchmarkCodecWKTDecode(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			cycle(b, s.wkt, func(t string) error { _, err := geo.ParseWKT(t); return err })
		})
		r.add("impl=orb", func(b *testing.B) {
			cycle(b, s.wkt, func(t string) error { _, err := wkt.Unmarshal(t); return err })
		})
	})
}

func BenchmarkCodecGeoJSONGeometry(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		r.add("impl=ours", func(b *testing.B) {
			cycle(b, s.gjGeom, func(d []byte) error { _, err := geo.ParseGeoJSON(d, nil); return err })
		})
		r.add("impl=orb+encoding_json", func(b *testing.B) {
			cycle(b, s.gjGeom, func(d []byte) error { _, err := geojson.UnmarshalGeometry(d); return err })
		})
		r.add("impl=orb+goccy", func(b *testing.B) {
			withGoccy(b)
			cycle(b, s.gjGeom, func(d []byte) error { _, err := geojson.UnmarshalGeometry(d); return err })
		})
	})
}

// BenchmarkCodecGeoJSONStream reads the whole FeatureCollection per op.
func BenchmarkCodecGeoJSONStream(b *testing.B) {
	eachSet(b, func(b *testing.B, s *benchSet, r *runner) {
		n := len(s.geoms)
		run := func(b *testing.B, read func([]byte) (int, error)) {
			b.SetBytes(int64(len(s.fc)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				got, err := read(s.fc)
				if err != nil {
					b.Fatal(err)
				}
				if got != n {
					b.Fatalf("read %d features, want %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/feature")
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*n), "cpu-ns/feature")
		}
		r.add("impl=ours", func(b *testing.B) {
			run(b, func(d []byte) (int, error) { return countOurs(bytes.NewReader(d)) })
		})
		r.add("impl=orb_whole+encoding_json", func(b *testing.B) {
			run(b, func(d []byte) (int, error) {
				fc, err := geojson.UnmarshalFeatureCollection(d)
				if err != nil {
					return 0, err
				}
				return len(fc.Features), nil
			})
		})
		r.add("impl=orb_whole+goccy", func(b *testing.B) {
			withGoccy(b)
			run(b, func(d []byte) (int, error) {
				fc, err := geojson.UnmarshalFeatureCollection(d)
				if err != nil {
					return 0, err
				}
				return len(fc.Features), nil
			})
		})
		r.add("impl=orb_per_feature+encoding_json_decoder", func(b *testing.B) {
			run(b, func(d []byte) (int, error) { return countOrbStream(bytes.NewReader(d)) })
		})
	})
}

// countOurs streams r with a GeoJSONReader and counts the features.
func countOurs(r io.Reader) (int, error) {
	gr := geo.NewGeoJSONReader(r, nil)
	n := 0
	for {
		_, err := gr.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// countOrbStream streams the "features" of the FeatureCollection in r with an
// encoding/json Decoder, decoding each into orb's geojson.Feature: the way to
// stream with orb's types, since geojson.UnmarshalFeatureCollection needs the
// whole input. It expects "features" to be the first array-valued member.
func countOrbStream(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	for {
		t, err := dec.Token()
		if err != nil {
			return 0, err
		}
		if t == "features" {
			break
		}
	}
	if _, err := dec.Token(); err != nil { // '['
		return 0, err
	}
	n := 0
	for dec.More() {
		var f geojson.Feature
		if err := dec.Decode(&f); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// withGoccy makes orb's geojson package decode with goccy/go-json for the
// rest of the benchmark.
func withGoccy(b *testing.B) {
	geojson.CustomJSONUnmarshaler = goccy{}
	b.Cleanup(func() { geojson.CustomJSONUnmarshaler = nil })
}

type goccy struct{}

func (goccy) Unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }
