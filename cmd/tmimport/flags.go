package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/tmimport/tmimport/pgio"
)

// usageError is an error in how the command was called (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// common holds the flags every import command shares (DESIGN.md §5).
type common struct {
	to         string
	table      string
	mode       string
	key        string
	importID   string
	retries    int
	batchTime  time.Duration
	atomic     bool
	addColumns bool
	create     bool
	workers    int
	batchRows  int
	rejects    string
	maxRejects int64
	progress   string
	report     string
	quiet      bool
	verbose    bool
}

// register adds the common flags to fs.
func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.to, "to", "", "target database `DSN` (default $TMIMPORT_TO, else libpq PG* variables)")
	fs.StringVar(&c.table, "table", "", "target `[schema.]name`")
	fs.StringVar(&c.mode, "mode", "append", "write `mode`: append, upsert (last occurrence of a key wins), ignore (existing rows and first occurrences win) or replace (load a new table, swap it in)")
	fs.StringVar(&c.key, "key", "", "conflict key `col[,col]` of upsert/ignore (default: the table's primary key; with --create, the new table's primary key)")
	fs.StringVar(&c.importID, "import-id", "", "record committed batches under `ID` in tmimport.ledger; re-running with the same ID resumes, skipping them")
	fs.IntVar(&c.retries, "retries", pgio.RetriesDefault, "retries of a batch after a transient failure (-1: none)")
	fs.DurationVar(&c.batchTime, "batch-timeout", 10*time.Minute, "abandon and retry a batch attempt that takes longer than `D` (0: no limit)")
	fs.BoolVar(&c.create, "create", false, "create the schema and table when missing, with inferred or --types column types")
	fs.BoolVar(&c.addColumns, "add-columns", false, "add input columns the table lacks, and widen still-empty columns the input needs wider")
	fs.BoolVar(&c.atomic, "atomic", false, "make the whole import visible in one transaction, or nothing (loads into a staging table first)")
	fs.IntVar(&c.workers, "workers", runtime.NumCPU(), "parallel `N` workers (and chunks)")
	fs.IntVar(&c.batchRows, "batch-rows", 50_000, "rows per batch (one transaction each)")
	fs.StringVar(&c.rejects, "rejects", "", "write rejected records as JSON lines to `FILE`")
	fs.Int64Var(&c.maxRejects, "max-rejects", 0, "fail after more than `N` rejected records (-1: no limit)")
	fs.StringVar(&c.progress, "progress", "auto", "progress display: auto|bar|log|none")
	fs.StringVar(&c.report, "report", "text", "final report: text (stderr) or json (stdout)")
	fs.BoolVar(&c.quiet, "q", false, "quiet: no progress, no text report")
	fs.BoolVar(&c.quiet, "quiet", false, "same as -q")
	fs.BoolVar(&c.verbose, "v", false, "verbose: log every committed batch")
	fs.BoolVar(&c.verbose, "verbose", false, "same as -v")
}

// check validates the common flags and resolves the DSN from the environment.
func (c *common) check() error {
	if c.table == "" {
		return usagef("--table is required")
	}
	return c.checkRun()
}

// checkRun validates the common flags but --table, and resolves the DSN.
func (c *common) checkRun() error {
	var err error
	if c.to, err = dsn("to", c.to, "TMIMPORT_TO"); err != nil {
		return err
	}
	switch {
	case !oneOf(c.mode, "append", "upsert", "ignore", "replace"):
		return usagef("--mode must be append, upsert, ignore or replace, got %q", c.mode)
	case c.mode == "replace" && c.atomic:
		return usagef("--mode replace is atomic already; drop --atomic")
	case c.workers < 1 || c.workers > 1024:
		return usagef("--workers must be between 1 and 1024, got %d", c.workers)
	case c.batchRows < 1:
		return usagef("--batch-rows must be positive, got %d", c.batchRows)
	case c.maxRejects < -1:
		return usagef("--max-rejects must be -1 (no limit) or more, got %d", c.maxRejects)
	case !oneOf(c.progress, "auto", "bar", "log", "none"):
		return usagef("--progress must be auto, bar, log or none, got %q", c.progress)
	case !oneOf(c.report, "text", "json"):
		return usagef("--report must be text or json, got %q", c.report)
	}
	return nil
}

// dsn resolves a database flag: its value, else the environment variable env, else
// libpq's PG* variables (pgx reads them for the empty URL "postgres://").
func dsn(flag, value, env string) (string, error) {
	value = cmp.Or(value, os.Getenv(env))
	if value == "" && hasLibpqEnv() {
		value = "postgres://"
	}
	if value == "" {
		return "", usagef("--%s is required (or set %s, or PGHOST/PGDATABASE)", flag, env)
	}
	return value, nil
}

func hasLibpqEnv() bool {
	for _, k := range []string{"PGHOST", "PGDATABASE", "PGSERVICE", "PGUSER", "PGPORT"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

func oneOf(s string, opts ...string) bool {
	for _, o := range opts {
		if s == o {
			return true
		}
	}
	return false
}

// parse parses args with fs, allowing flags after positional arguments, and returns
// the positional arguments.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fmt.Fprintf(stderr, "Flags of tmimport %s:\n", fs.Name())
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// byteFlag parses a one-character option such as a delimiter; "\t" and "tab" mean tab.
func byteFlag(name, v string) (byte, error) {
	switch v {
	case `\t`, "tab", "TAB":
		return '\t', nil
	case "":
		return 0, nil
	}
	if len(v) != 1 {
		return 0, usagef("--%s must be one ASCII character, got %q", name, v)
	}
	return v[0], nil
}

// splitList splits a comma-separated flag value, trimming spaces.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// sinkOptions applies the common flags to a sink's configuration.
func sinkOptions[T any](cfg *pgio.CopyConfig[T], f *common, stderr io.Writer) {
	cfg.Retries = f.retries
	cfg.BatchTimeout = f.batchTime
	if f.verbose {
		cfg.OnRetry = func(r pgio.Retry) {
			fmt.Fprintf(stderr, "tmimport: retrying chunk %d batch %d (lines %d-%d, records %d-%d), attempt %d, after: %v\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.First.Index, r.Last.Index, r.Attempt, r.Err)
		}
	}
}
