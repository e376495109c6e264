package orbbench_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/tmimport/tmimport/testdata/gen"
)

// TestPeakMemory streams a FeatureCollection of W3 task-grid polygons of
// $GEO_PEAK_BYTES bytes (default 2 GB), generated on the fly through an
// io.Pipe so nothing is written to disk, with the reader $GEO_PEAK_IMPL:
//
//   - ours: geo.GeoJSONReader;
//   - orb_per_feature: encoding/json's Decoder over the "features" array,
//     one orb geojson.Feature at a time;
//   - orb_whole, orb_whole_goccy: io.ReadAll, then
//     geojson.UnmarshalFeatureCollection (encoding/json, goccy/go-json).
//
// It prints the most heap in use (sampled every 10 ms) and the process's peak
// RSS (VmHWM). Run one implementation per process, since VmHWM never goes
// down; skipped unless GEO_PEAK_IMPL is set.
func TestPeakMemory(t *testing.T) {
	impl := os.Getenv("GEO_PEAK_IMPL")
	if impl == "" {
		t.Skip("GEO_PEAK_IMPL is unset")
	}
	size := int64(2_000_000_000)
	if s := os.Getenv("GEO_PEAK_BYTES"); s != "" {
		var err error
		if size, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	// Features of the generator average about the same size at any count.
	var sample bytes.Buffer
	if err := gen.TaskGridGeoJSON(&sample, 10_000, 1); err != nil {
		t.Fatal(err)
	}
	n := int(size * 10_000 / int64(sample.Len()))
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(gen.TaskGridGeoJSON(pw, n, 1)) }()
	counted := &countingReader{r: pr}

	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	var got int
	var err error
	switch impl {
	case "ours":
		got, err = countOurs(counted)
	case "orb_per_feature":
		got, err = countOrbStream(counted)
	case "orb_whole", "orb_whole_goccy":
		if impl == "orb_whole_goccy" {
			geojson.CustomJSONUnmarshaler = goccy{}
		}
		var data []byte
		if data, err = io.ReadAll(counted); err == nil {
			var fc *geojson.FeatureCollection
			if fc, err = geojson.UnmarshalFeatureCollection(data); err == nil {
				got = len(fc.Features)
			}
			runtime.KeepAlive(data)
		}
	default:
		t.Fatalf("unknown GEO_PEAK_IMPL %q", impl)
	}
	elapsed := time.Since(start)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("read %d features, want %d", got, n)
	}
	fmt.Printf("peak impl=%s input_MB=%d features=%d seconds=%.1f heap_inuse_max_MB=%d rss_max_MB=%d\n",
		impl, counted.n>>20, got, elapsed.Seconds(), peak.Load()>>20, vmHWM(t)>>10)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// vmHWM returns the process's peak resident set size in kB.
func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
