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
		return fmt.Errorf("%w: %d rejected, at most %d allowed", ErrRejectBudget, used, b.limit)
	}
	return nil
}
