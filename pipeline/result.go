package pipeline

import "time"

// Result reports one batch. The pipeline delivers results to Config.OnResult in input
// order: every batch of chunk k before any of chunk k+1, batches in order inside a
// chunk.
type Result struct {
	// Chunk and Batch identify the batch.
	Chunk, Batch int
	// Partition is the batch's partition under key affinity, or -1.
	Partition int
	// First and Last locate the batch's first and last record, when known.
	First, Last Pos
	// Read counts the records read, including rejected ones.
	Read int64
	// Written counts the rows the sink stored.
	Written int64
	// Rejected counts the records refused by the source, stages or sink.
	Rejected int64
	// Skipped counts rows an earlier run already stored (resume).
	Skipped int64
	// Filtered counts rows stages dropped without rejecting them.
	Filtered int64
	// Bytes is the batch's input size.
	Bytes int64
	// Duration is the time from reading the batch to the end of its write.
	Duration time.Duration
	// Err is the batch's error under the collect policy (nil otherwise: under
	// fail-fast a failed batch ends Run with the error instead).
	Err error
}

// Progress is a running total, sent to Config.OnProgress after every batch, from the
// worker that finished it, in completion order (not input order).
type Progress struct {
	// Last is the batch just finished.
	Last Result
	// Totals so far, over all workers.
	Read, Written, Rejected, Skipped, Bytes int64
	// Batches finished so far.
	Batches int64
	// Elapsed since Run started.
	Elapsed time.Duration
}

// Summary totals a whole run.
type Summary struct {
	// Chunks and Batches processed (fully or in part).
	Chunks, Batches int64
	// Read, Written, Rejected, Skipped and Filtered as in [Result].
	Read, Written, Rejected, Skipped, Filtered int64
	// Bytes of input consumed.
	Bytes int64
	// Workers that ran.
	Workers int
	// Duration of Run.
	Duration time.Duration
}

// add folds a batch result into the summary.
func (s *Summary) add(r *Result) {
	s.Batches++
	s.Read += r.Read
	s.Written += r.Written
	s.Rejected += r.Rejected
	s.Skipped += r.Skipped
	s.Filtered += r.Filtered
	s.Bytes += r.Bytes
}

// Done returns the part of an input of total bytes that the run has consumed, at most
// 0.99 (only the run's end knows the input is done), and false when total is unknown
// (≤ 0) or does not measure what Bytes counts (more bytes than total, as for a
// decompressed input measured against its compressed size).
func (p Progress) Done(total int64) (float64, bool) {
	if total <= 0 || p.Bytes < 0 || p.Bytes > total {
		return 0, false
	}
	return min(float64(p.Bytes)/float64(total), 0.99), true
}

// ETA estimates the time left from Done and Elapsed, never negative; false when
// unknown.
func (p Progress) ETA(total int64) (time.Duration, bool) {
	done, ok := p.Done(total)
	if !ok || done <= 0 || p.Elapsed <= 0 {
		return 0, false
	}
	return max(time.Duration(float64(p.Elapsed)*(1-done)/done), 0).Round(time.Second), true
}
