package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/tmimport/tmimport/pipeline"
)

// progress shows a running import. update is called after every batch (one call at a
// time, from the pipeline); finish once at the end.
type progress interface {
	update(p pipeline.Progress)
	finish()
}

// newProgress picks the display: mpb bars on a terminal, periodic log lines otherwise.
// total is the input size in bytes, or 0 when unknown.
func newProgress(mode string, quiet bool, w io.Writer, total int64) progress {
	if quiet || mode == "none" {
		return noProgress{}
	}
	if mode == "auto" {
		mode = "log"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	if mode == "bar" {
		return newBarProgress(w, total)
	}
	return &logProgress{w: w, total: total, every: 2 * time.Second}
}

type noProgress struct{}

func (noProgress) update(pipeline.Progress) {}
func (noProgress) finish()                  {}

// logProgress prints a plain line at most every `every`, and a last one at the end.
type logProgress struct {
	w     io.Writer
	total int64
	every time.Duration
	last  time.Time
	p     pipeline.Progress
	shown int64 // batches when the last line was printed
}

func (l *logProgress) update(p pipeline.Progress) {
	l.p = p
	if time.Since(l.last) >= l.every {
		l.last = time.Now()
		l.print()
	}
}

func (l *logProgress) finish() {
	if l.p.Batches > l.shown {
		l.print()
	}
}

func (l *logProgress) print() {
	p := l.p
	l.shown = p.Batches
	rate := float64(p.Written) / max(p.Elapsed.Seconds(), 1e-9)
	line := fmt.Sprintf("tmimport: %d rows written, %d rejected, %d batches, %.0f rows/s, %.1f MB/s",
		p.Written, p.Rejected, p.Batches, rate, float64(p.Bytes)/1e6/max(p.Elapsed.Seconds(), 1e-9))
	if l.total > 0 && p.Bytes > 0 {
		done := float64(p.Bytes) / float64(l.total)
		eta := time.Duration(float64(p.Elapsed) * (1 - done) / done).Round(time.Second)
		line += fmt.Sprintf(", %.0f%% done, eta %s", 100*done, eta)
	}
	fmt.Fprintln(l.w, line)
}

// barProgress draws a total bar (bytes, percentage, rows/s, ETA) and one line per
// chunk with the rows it wrote.
type barProgress struct {
	mu     sync.Mutex
	p      *mpb.Progress
	total  *mpb.Bar
	chunks map[int]*mpb.Bar
	rows   map[int]int64
	last   pipeline.Progress
}

func newBarProgress(w io.Writer, total int64) *barProgress {
	b := &barProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(200*time.Millisecond)),
		chunks: map[int]*mpb.Bar{}, rows: map[int]int64{}}
	b.total = b.p.AddBar(max(total, 0),
		mpb.PrependDecorators(decor.Name("total ", decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncWidth)),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { return b.rate() }, decor.WCSyncSpace),
			decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), "done"),
		))
	return b
}

func (b *barProgress) rate() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%.0f rows/s", float64(b.last.Written)/max(b.last.Elapsed.Seconds(), 1e-9))
}

func (b *barProgress) update(p pipeline.Progress) {
	b.mu.Lock()
	b.last = p
	c := p.Last.Chunk
	if _, ok := b.chunks[c]; !ok {
		b.chunks[c] = b.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(
			decor.Name(fmt.Sprintf("chunk %d ", c), decor.WCSyncSpaceR),
			decor.Any(func(decor.Statistics) string { return b.chunkRows(c) }, decor.WCSyncWidth),
		))
	}
	b.rows[c] += p.Last.Written
	b.mu.Unlock()
	b.total.SetCurrent(p.Bytes)
}

func (b *barProgress) chunkRows(c int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("%d rows", b.rows[c])
}

func (b *barProgress) finish() {
	b.mu.Lock()
	bars := b.chunks
	b.mu.Unlock()
	for _, bar := range bars {
		bar.SetTotal(-1, true)
	}
	b.total.SetTotal(-1, true)
	b.p.Wait()
}

func endProgress(prog progress, runErr error) { prog.finish() }

const finishBound = 2 * time.Second
