// Command tmsrc creates and fills a synthetic TM v4 source database (see
// package tmsrc) and prints the row counts per table:
//
//	go run ./testdata/tmsrc/cmd/tmsrc -dsn postgres://… -scale 0.01 -seed 1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tmimport/tmimport/testdata/tmsrc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1)
	}
}

// run parses the flags, generates the source and prints the counts.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("tmsrc", flag.ContinueOnError)
	dsn := fs.String("dsn", os.Getenv("DATABASE_URL"), "target database (defaults to $DATABASE_URL, else libpq PG* variables)")
	scale := fs.Float64("scale", 0.01, "volume: 1 ≈ 10,000 users, 1,000 projects, 200,000 tasks, 2,000,000 task_history rows")
	seed := fs.Uint64("seed", 1, "data seed; the same seed and scale give the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("unexpected arguments")
	}
	pool, err := pgxpool.New(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	counts, err := tmsrc.Create(ctx, pool, tmsrc.Config{Scale: *scale, Seed: *seed})
	if err != nil {
		return err
	}
	var total int64
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(stdout, "%-28s %10d\n", name, counts[name])
		total += counts[name]
	}
	fmt.Fprintf(stdout, "%-28s %10d  (%s)\n", "total", total, time.Since(start).Round(time.Millisecond))
	return nil
}
