package pipeline

import (
	"errors"
	"fmt"
)

var (
	// ErrRejectBudget means more records were rejected than Config.MaxRejects allows.
	ErrRejectBudget = errors.New("pipeline: reject budget exceeded")
	// ErrConfig wraps every configuration error returned by [New].
	ErrConfig = errors.New("pipeline: invalid config")
)

// ChunkError is the error of one batch (or of a chunk before its first batch), with
// where it happened. Use [errors.As] to reach it and [errors.Unwrap] for the cause.
type ChunkError struct {
	// Chunk and Batch identify the batch (Batch is -1 when the chunk failed before or
	// between batches, for example while opening).
	Chunk, Batch int
	// First and Last locate the batch's first and last record, when known.
	First, Last Pos
	// Stage is where it failed: "source", "stage", "sink", "rejects" or "callback".
	Stage string
	// Err is the cause. A panic arrives as a *panics.ErrRecovered carrying the stack.
	Err error
}

// Error describes the batch and the cause.
func (e *ChunkError) Error() string {
	where := fmt.Sprintf("chunk %d", e.Chunk)
	if e.Batch >= 0 {
		where += fmt.Sprintf(" batch %d", e.Batch)
	}
	switch {
	case e.First.Line > 0:
		where += fmt.Sprintf(" (lines %d-%d)", e.First.Line, e.Last.Line)
	case e.Last.Index > 0 || e.First.Index > 0:
		where += fmt.Sprintf(" (records %d-%d)", e.First.Index, e.Last.Index)
	}
	return fmt.Sprintf("%s: %s: %v", where, e.Stage, e.Err)
}

// Unwrap returns the cause.
func (e *ChunkError) Unwrap() error { return e.Err }
