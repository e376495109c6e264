package pipeline

// Pos locates one record in its input. Sources fill what they know and leave the rest zero.
type Pos struct {
	// Line is the 1-based physical line where the record starts (a header is line 1).
	// Zero for inputs without lines.
	Line int64
	// Offset is the byte offset of the record's first byte in the (decompressed) input.
	Offset int64
	// Index is the 0-based index of the record in the input: the row number of a slice,
	// the feature index of a GeoJSON FeatureCollection.
	Index int64
}

// Batch is the unit of work that moves through the stages of one worker and is written
// by the sink in one transaction.
//
// A worker reuses its Batch: sources, stages and sinks must not keep references to
// Rows, Pos, Raw or Rejects after their call returns.
type Batch[T any] struct {
	// Chunk is the sequence number of the chunk this batch came from.
	Chunk int
	// Seq is the 0-based sequence number of the batch inside its chunk.
	Seq int
	// Partition is the worker's partition under key affinity (Config.Partition), or -1.
	// Chunk, Seq and Partition together identify a batch across runs with the same
	// input and settings.
	Partition int
	// Rows are the batch's records.
	Rows []T
	// Pos holds the position of each row (Pos[i] belongs to Rows[i]), or is nil when
	// the source does not know positions.
	Pos []Pos
	// Raw, when non-nil, holds the rows exactly as they appear in the input, contiguous
	// and in order, so a sink may send them without encoding (the CSV fast path).
	// A stage that changes, drops or reorders Rows must set Raw to nil; see [Batch.Touch].
	Raw []byte
	// Bytes is the size of the batch's input in bytes, for batching and progress.
	Bytes int64
	// Read counts the records the source read into this batch, including those it
	// rejected while decoding. It is set by the source; when a source leaves it zero,
	// the pipeline sets it to the rows and rejects it gave, and under key affinity to
	// the worker's share. Sinks can rely on it.
	Read int64
	// Rejects are records refused by the source, a stage or the sink, with the reason.
	Rejects []Reject

	budget   *budget // the run's reject budget, set by the pipeline
	reserved int     // rejects already charged to budget
}

// Reset empties the batch for reuse, keeping its buffers.
func (b *Batch[T]) Reset() {
	clear(b.Rows) // drop references held by the old rows
	b.Rows = b.Rows[:0]
	b.Pos = b.Pos[:0]
	b.Raw = nil
	b.Bytes = 0
	b.Read = 0
	clear(b.Rejects)
	b.Rejects = b.Rejects[:0]
	b.reserved = 0
}

// Touch marks the rows as changed, so sinks no longer use Raw.
func (b *Batch[T]) Touch() { b.Raw = nil }

// Len returns the number of rows in the batch.
func (b *Batch[T]) Len() int { return len(b.Rows) }

// PosAt returns the position of row i, or the zero Pos when positions are unknown.
func (b *Batch[T]) PosAt(i int) Pos {
	if i < len(b.Pos) {
		return b.Pos[i]
	}
	return Pos{}
}

// Keep retains the rows for which keep returns true, in order, with their positions.
// It is the building block of filtering stages and marks the batch touched when a row
// is dropped.
func (b *Batch[T]) Keep(keep func(i int, row T) bool) {
	n := 0
	for i, row := range b.Rows {
		if !keep(i, row) {
			continue
		}
		b.Rows[n] = row
		if i < len(b.Pos) {
			b.Pos[n] = b.Pos[i]
		}
		n++
	}
	if n == len(b.Rows) {
		return
	}
	clear(b.Rows[n:])
	b.Rows = b.Rows[:n]
	if len(b.Pos) > n {
		b.Pos = b.Pos[:n]
	}
	b.Touch()
}

// RejectWhere drops every row for which check returns a non-nil error and records each
// as a [Reject] carrying that error and the row's position. raw may be nil; when set it
// gives the raw input bytes of a row for the reject record.
func (b *Batch[T]) RejectWhere(check func(i int, row T) error, raw func(i int) []byte) {
	b.Keep(func(i int, row T) bool {
		err := check(i, row)
		if err == nil {
			return true
		}
		var r []byte
		if raw != nil {
			r = raw(i)
		}
		b.Rejects = append(b.Rejects, Reject{Pos: b.PosAt(i), Raw: r, Err: err})
		return false
	})
}

// ReserveRejects charges the batch's rejects that are not yet charged to the run's reject
// budget (Config.MaxRejects). A sink that moves rows to b.Rejects must call it before it
// commits: on [ErrRejectBudget] it rolls back and returns the error, so a batch whose
// rejects break the budget leaves nothing behind. Outside a pipeline it always succeeds.
func (b *Batch[T]) ReserveRejects() error {
	n := len(b.Rejects) - b.reserved
	if n <= 0 {
		return nil
	}
	first := b.reserved
	b.reserved = len(b.Rejects)
	if b.budget == nil {
		return nil
	}
	err := b.budget.take(int64(n))
	if be, ok := err.(*BudgetError); ok {
		ex := b.Rejects[first]
		be.Example = &ex
	}
	return err
}

// DropRejects removes the rejects from index from on, refunding those already charged
// to the budget. A sink that retries a batch uses it to forget what a failed attempt
// rejected.
func (b *Batch[T]) DropRejects(from int) {
	if from >= len(b.Rejects) {
		return
	}
	if b.reserved > from {
		if b.budget != nil {
			b.budget.used.Add(-int64(b.reserved - from))
		}
		b.reserved = from
	}
	clear(b.Rejects[from:])
	b.Rejects = b.Rejects[:from]
}
