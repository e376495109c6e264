package pipeline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tmimport/tmimport/pipeline"
)

// TestProgressDoneAndETA checks that the part done never reaches 100% while running,
// is unknown when the total does not measure the counted bytes (a .gz counted
// decompressed: it said 3880% before), and that the eta is never negative.
func TestProgressDoneAndETA(t *testing.T) {
	cases := []struct {
		name       string
		bytes, tot int64
		done       float64
		known      bool
		eta        time.Duration
		etaKnown   bool
	}{
		{"half", 500, 1000, 0.5, true, 10 * time.Second, true},
		{"all but the end", 1000, 1000, 0.99, true, 0, true},
		{"decompressed past the total", 38800, 1000, 0, false, 0, false},
		{"unknown total", 500, 0, 0, false, 0, false},
		{"nothing yet", 0, 1000, 0, true, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := pipeline.Progress{Bytes: tc.bytes, Elapsed: 10 * time.Second}
			done, known := p.Done(tc.tot)
			require.Equal(t, tc.known, known)
			require.InDelta(t, tc.done, done, 1e-9)
			eta, ok := p.ETA(tc.tot)
			require.Equal(t, tc.etaKnown, ok)
			require.GreaterOrEqual(t, eta, time.Duration(0))
			if ok && tc.name == "half" {
				require.Equal(t, tc.eta, eta)
			}
		})
	}
}
