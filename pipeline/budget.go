package pipeline

import (
	"fmt"
	"sync/atomic"
)

// budget is the run-wide allowance of rejected records.
type budget struct {
	limit int64 // < 0: unlimited
	used  atomic.Int64
}

// take charges n rejects and fails once the total passes the limit.
func (b *budget) take(n int64) error {
	used := b.used.Add(n)
	if b.limit >= 0 && used > b.limit {
		return &BudgetError{Rejected: used, Allowed: b.limit}
	}
	return nil
}

// BudgetError is the error of a run whose rejects passed Config.MaxRejects. It matches
// [ErrRejectBudget] with errors.Is.
type BudgetError struct {
	// Rejected counts the records rejected when the budget broke, including those of
	// the batch that broke it (which was not written).
	Rejected int64
	// Allowed is Config.MaxRejects.
	Allowed int64
	// Example is the first reject of the batch that broke the budget, when known.
	Example *Reject
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v: %d rejected, at most %d allowed", ErrRejectBudget, e.Rejected, e.Allowed)
}

// Unwrap returns [ErrRejectBudget].
func (e *BudgetError) Unwrap() error { return ErrRejectBudget }
