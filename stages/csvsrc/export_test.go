package csvsrc

import (
	"context"

	"github.com/tmimport/tmimport/pipeline"
)

// SplitWays returns the ranges (start, end, line) that the parity splitter and the
// delimiting splitter cut the data into, for tests that compare them.
func (s *Source) SplitWays(n int) (parity, scan [][3]int64, err error) {
	cuts := pipeline.Split(s.size-s.dataStart, n)
	if len(cuts) == 0 {
		return nil, nil, nil
	}
	var targets []int64
	for _, c := range cuts[:len(cuts)-1] {
		targets = append(targets, s.dataStart+c[1])
	}
	collect := func(out *[][3]int64) emitFunc {
		return func(start, end, line int64) bool {
			*out = append(*out, [3]int64{start, end, line})
			return true
		}
	}
	if err := s.splitParity(context.Background(), targets, collect(&parity)); err != nil {
		return nil, nil, err
	}
	err = s.splitScan(context.Background(), targets, collect(&scan))
	return parity, scan, err
}
