package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/tmimport/tmimport/pipeline"
)

// progress shows a running import. update is called after every batch (one call at a
// time, from the pipeline's workers); finish once at the end. Neither ever blocks the
// import for long: update only records, and finish returns within finishBound.
type progress interface {
	update(p pipeline.Progress)
	finish()
}

// progressEnder is implemented by every display newProgress returns: end is finish
// told how the load ended (runErr nil: the whole input was read, so the display says
// 100%; otherwise it says where it stopped). Call it through endProgress.
type progressEnder interface {
	end(runErr error)
}

// endProgress ends prog with the load's outcome, or calls finish when prog cannot be
// told the outcome.
func endProgress(prog progress, runErr error) {
	if e, ok := prog.(progressEnder); ok {
		e.end(runErr)
		return
	}
	prog.finish()
}

// byteCounter is implemented by every display newProgress returns: after countBytes,
// the display measures progress with consumed (for example the bytes read from a
// compressed file, counted by a countingReader under the decompressor) instead of
// pipeline.Progress.Bytes. total must then be in the same unit.
type byteCounter interface {
	countBytes(consumed func() int64)
}

// countingReader counts the bytes read through it; N is safe to call from any
// goroutine (it is the consumed function of byteCounter).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// N returns the bytes read so far.
func (c *countingReader) N() int64 { return c.n.Load() }

// finishBound bounds finish: a terminal that does not drain (a paused or vanished
// one) leaves the bar's render goroutine behind rather than the process hanging.
const finishBound = 2 * time.Second

// newProgress picks the display: mpb bars when mode is "bar", or "auto" and w (stderr)
// is a terminal; periodic log lines otherwise. Like pv and curl, auto looks at the
// display's own writer only: stdout piped to jq or a file does not matter, since the
// bar is drawn on stderr. TERM=dumb gets log lines. total is the input size in the
// unit of the bytes counted (pipeline.Progress.Bytes, or countBytes), or 0 when
// unknown: then no percentage and no eta are shown.
func newProgress(mode string, quiet bool, w io.Writer, total int64) progress {
	if quiet || mode == "none" {
		return noProgress{}
	}
	if mode == "auto" {
		mode = "log"
		if isTerminal(w) && os.Getenv("TERM") != "dumb" {
			mode = "bar"
		}
	}
	if mode == "bar" {
		return newBarProgress(w, total)
	}
	return &logProgress{w: w, m: meter{total: max(total, 0)}, every: 2 * time.Second}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type noProgress struct{}

func (noProgress) update(pipeline.Progress) {}
func (noProgress) finish()                  {}
func (noProgress) end(error)                {}
func (noProgress) countBytes(func() int64)  {}

// meter turns counted bytes into a percentage and an eta that never lie: never above
// 100% (99% at most while running: 100% is said by end(nil) only), never negative,
// and none at all when the total is unknown or turns out not to measure what is
// counted (more bytes counted than the total).
type meter struct {
	total    int64
	consumed func() int64
}

// bytes returns the bytes counted so far.
func (m meter) bytes(p pipeline.Progress) int64 {
	if m.consumed != nil {
		return m.consumed()
	}
	return p.Bytes
}

// fraction returns the part of the input done, in [0, 0.99], and whether it is known.
func (m meter) fraction(p pipeline.Progress) (float64, bool) {
	b := m.bytes(p)
	if m.total <= 0 || b < 0 || b > m.total {
		return 0, false
	}
	return min(float64(b)/float64(m.total), 0.99), true
}

// eta returns the time left, and whether it is known (some progress made).
func (m meter) eta(p pipeline.Progress) (time.Duration, bool) {
	done, ok := m.fraction(p)
	if !ok || done <= 0 || p.Elapsed <= 0 {
		return 0, false
	}
	return max(time.Duration(float64(p.Elapsed)*(1-done)/done), 0).Round(time.Second), true
}

func rowsPerSecond(p pipeline.Progress) float64 {
	return float64(p.Written) / max(p.Elapsed.Seconds(), 1e-9)
}

// logProgress prints a plain line at most every `every`, and a last one at the end.
type logProgress struct {
	mu    sync.Mutex
	w     io.Writer
	m     meter
	every time.Duration
	last  time.Time
	p     pipeline.Progress
	ended bool
}

func (l *logProgress) countBytes(consumed func() int64) {
	l.mu.Lock()
	l.m.consumed = consumed
	l.mu.Unlock()
}

func (l *logProgress) update(p pipeline.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.p = p
	if !l.ended && time.Since(l.last) >= l.every {
		l.last = time.Now()
		fmt.Fprintln(l.w, l.line(""))
	}
}

// finish prints the last line without claiming how the load ended.
func (l *logProgress) finish() { l.stop("ended") }

// end prints the last line: "100% done" (or "done" for an unknown total) after a
// load that read its whole input, "stopped" with the percentage reached otherwise.
func (l *logProgress) end(runErr error) {
	if runErr == nil {
		l.stop("done")
	} else {
		l.stop("stopped")
	}
}

func (l *logProgress) stop(how string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return
	}
	l.ended = true
	fmt.Fprintln(l.w, l.line(how))
}

// line formats a progress line; how is "" while running, "done", "stopped" or "ended"
// (by finish, the outcome untold) at the end.
func (l *logProgress) line(how string) string {
	p := l.p
	secs := max(p.Elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("tmimport: %d rows written, %d rejected, %d batches, %.0f rows/s, %.1f MB/s",
		p.Written, p.Rejected, p.Batches, rowsPerSecond(p), float64(l.m.bytes(p))/1e6/secs)
	done, known := l.m.fraction(p)
	switch how {
	case "done":
		if l.m.total > 0 {
			return line + ", 100% done"
		}
		return line + ", done"
	case "stopped":
		if known {
			return line + fmt.Sprintf(", stopped at %.0f%%", 100*done)
		}
		return line + ", stopped"
	case "ended":
		if known {
			return line + fmt.Sprintf(", %.0f%%", 100*done)
		}
		return line
	}
	if known {
		line += fmt.Sprintf(", %.0f%%", 100*done)
		if eta, ok := l.m.eta(p); ok {
			line += fmt.Sprintf(", eta %s", eta)
		}
	}
	return line
}

// maxChunkBars caps the per-chunk lines under the total bar.
const maxChunkBars = 16

// barProgress draws a total bar (bytes, percentage, rows/s, eta) and one line per
// chunk with the rows it wrote.
//
// Locking: mu guards the numbers only. The render goroutine's decorators take mu to
// read them; nothing ever calls into mpb while holding mu (mpb's calls wait for the
// render goroutine, which may be waiting for a decorator, which would wait for mu).
// update never calls into mpb at all: it records and nudges the feeder goroutine,
// which moves the numbers into mpb, so a display that stalls (a terminal that does not
// drain) cannot stall the import.
type barProgress struct {
	p     *mpb.Progress
	total *mpb.Bar
	size  int64 // total in bytes, or 0 when unknown

	mu     sync.Mutex
	m      meter
	last   pipeline.Progress
	rows   map[int]int64
	fresh  []int  // chunks seen that have no line yet
	state  string // "" while running, "done", "stopped", "ended" (finish: outcome untold)
	nudge  chan struct{}
	quit   chan struct{}
	fed    chan struct{} // closed when the feeder is gone
	once   sync.Once
	chunks map[int]*mpb.Bar // the feeder's (and, once it is gone, end's) only
}

func newBarProgress(w io.Writer, total int64) *barProgress {
	b := &barProgress{
		// WithAutoRefresh: draw also when w is not a terminal (--progress bar into a
		// file), and complete bars by rendering, as on a terminal.
		p:      mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh()),
		size:   max(total, 0),
		m:      meter{total: max(total, 0)},
		rows:   map[int]int64{},
		nudge:  make(chan struct{}, 1),
		quit:   make(chan struct{}),
		fed:    make(chan struct{}),
		chunks: map[int]*mpb.Bar{},
	}
	// Built with total 0 and given its total by SetTotal(…, false): mpb then never
	// completes it by itself, and SetTotal(-1, true) completes it at the end (mpb
	// ignores SetTotal on a bar built with a total > 0).
	b.total = b.p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name("total ", decor.WCSyncSpaceR), decor.Any(b.bytesText, decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Any(b.percentText, decor.WCSyncSpace), decor.Any(b.rateText, decor.WCSyncSpace), decor.Any(b.etaText, decor.WCSyncSpace)),
	)
	if b.size > 0 {
		b.total.SetTotal(b.size, false)
	}
	go b.feed()
	return b
}

func (b *barProgress) countBytes(consumed func() int64) {
	b.mu.Lock()
	b.m.consumed = consumed
	b.mu.Unlock()
}

func (b *barProgress) update(p pipeline.Progress) {
	b.mu.Lock()
	b.last = p
	c := p.Last.Chunk
	if _, seen := b.rows[c]; !seen {
		b.fresh = append(b.fresh, c)
	}
	b.rows[c] += p.Last.Written
	b.mu.Unlock()
	select {
	case b.nudge <- struct{}{}:
	default: // the feeder has a nudge pending: it will read the latest numbers
	}
}

// feed moves the numbers into mpb, until quit.
func (b *barProgress) feed() {
	defer close(b.fed)
	for {
		select {
		case <-b.quit:
			return
		case <-b.nudge:
		}
		b.apply()
	}
}

// apply gives new chunks their line and sets the total bar, reading the numbers under
// mu and calling mpb after releasing it.
func (b *barProgress) apply() {
	b.mu.Lock()
	fresh := b.fresh
	b.fresh = nil
	cur := b.m.bytes(b.last)
	b.mu.Unlock()
	for _, c := range fresh {
		if len(b.chunks) >= maxChunkBars {
			break
		}
		// Add, not New: after a shutdown by stop's bound, New panics; Add says ErrDone.
		bar, err := b.p.Add(0, mpb.NopStyle().Build(), mpb.PrependDecorators(
			decor.Name(fmt.Sprintf("chunk %d ", c), decor.WCSyncSpaceR),
			decor.Any(func(decor.Statistics) string { return b.chunkRows(c) }, decor.WCSyncWidth),
		))
		if err != nil {
			return
		}
		b.chunks[c] = bar
	}
	if b.size > 0 {
		// Keep the bar short of its end while running: at its total, the bar is full.
		cur = min(cur, b.size-1)
	}
	b.total.SetCurrent(max(cur, 0))
}

func (b *barProgress) bytesText(decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.m.bytes(b.last)
	if b.size > 0 && b.state != "done" {
		return fmt.Sprintf("% .1f / % .1f", decor.SizeB1024(min(cur, b.size)), decor.SizeB1024(b.size))
	}
	if b.size > 0 {
		return fmt.Sprintf("% .1f / % .1f", decor.SizeB1024(b.size), decor.SizeB1024(b.size))
	}
	return fmt.Sprintf("% .1f", decor.SizeB1024(cur))
}

func (b *barProgress) percentText(decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.size <= 0 {
		return ""
	}
	if b.state == "done" {
		return "100%"
	}
	if done, ok := b.m.fraction(b.last); ok {
		return fmt.Sprintf("%.0f%%", 100*done)
	}
	return ""
}

func (b *barProgress) rateText(decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%d rows, %.0f rows/s", b.last.Written, rowsPerSecond(b.last))
}

func (b *barProgress) etaText(decor.Statistics) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case "done", "stopped":
		return b.state
	}
	if eta, ok := b.m.eta(b.last); ok && b.state == "" {
		return "eta " + eta.String()
	}
	return ""
}

func (b *barProgress) chunkRows(c int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%d rows", b.rows[c])
}

// finish ends the display without claiming how the load ended: the bar stays where it
// is.
func (b *barProgress) finish() { b.stop("ended") }

// end ends the display: a full bar and "done" after a load that read its whole input,
// the bar where it stopped otherwise.
func (b *barProgress) end(runErr error) {
	if runErr == nil {
		b.stop("done")
	} else {
		b.stop("stopped")
	}
}

// stop completes (or aborts) every bar and waits for mpb to draw them a last time, for
// at most finishBound; past it, the container is shut down in the background and stop
// returns anyway.
func (b *barProgress) stop(state string) {
	b.once.Do(func() {
		b.mu.Lock()
		b.state = state
		b.mu.Unlock()
		close(b.quit)
		deadline := time.NewTimer(finishBound)
		defer deadline.Stop()
		drawn := make(chan struct{})
		go func() {
			defer close(drawn)
			<-b.fed
			b.apply() // the last numbers, and lines for chunks not shown yet
			if state == "done" {
				if b.size > 0 {
					b.total.SetCurrent(b.size)
				}
				b.total.SetTotal(-1, true)
			} else {
				b.total.Abort(false)
			}
			for _, bar := range b.chunks {
				bar.SetTotal(-1, true) // built with total 0: this completes them
			}
			b.p.Wait()
		}()
		select {
		case <-drawn:
		case <-deadline.C:
			go b.p.Shutdown() // cancels every bar; may itself wait on a stalled writer
		}
	})
}
