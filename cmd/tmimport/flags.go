package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tmimport/tmimport/pgio"
	"github.com/tmimport/tmimport/pipeline"
)

// usageError is an error in how the command was called (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// common holds the flags the import commands share (DESIGN.md §5). Their defaults are
// the library's (pgio.LoadOptions).
type common struct {
	to, table, mode, key, importID, types, rejects, progress, report string
	retries, workers, batchRows, maxRejects                          int
	batchTime                                                        time.Duration
	atomic, addColumns, create, quiet, verbose                       bool
}

// flagSet is the flags of one command, with its help. spf13/pflag (cobra's flag layer)
// gives GNU-style --flags with -q/-v shorthands, flags after arguments and the flag
// list of the help; cobra's command tree is more than five commands need.
type flagSet struct {
	*pflag.FlagSet
	usage    string // the usage line after "tmimport "
	about    string // what the command does
	examples []string
}

// newFlagSet starts a command's flags.
func newFlagSet(name, usage, about string, examples ...string) *flagSet {
	fs := &flagSet{FlagSet: pflag.NewFlagSet(name, pflag.ContinueOnError), usage: usage, about: about, examples: examples}
	fs.SortFlags = false
	return fs
}

// registerTarget adds the flags of the target database and output.
func (c *common) registerTarget(fs *flagSet) {
	fs.StringVar(&c.to, "to", "", "target database `DSN` (default $TMIMPORT_TO, else libpq PG* variables)")
	fs.StringVar(&c.importID, "import-id", "", "record committed batches under `ID` in tmimport.ledger; re-running with the same ID resumes, skipping them")
	fs.IntVar(&c.retries, "retries", pgio.RetriesDefault, "retries of a batch after a transient failure (-1: none)")
	fs.DurationVar(&c.batchTime, "batch-timeout", pgio.BatchTimeoutDefault, "abandon and retry a batch attempt that takes longer than `D` (0: no limit)")
	fs.IntVar(&c.workers, "workers", runtime.NumCPU(), "parallel `N` workers (and chunks)")
	fs.IntVar(&c.batchRows, "batch-rows", pgio.BatchRowsDefault, "rows per batch (one transaction each)")
	fs.StringVar(&c.rejects, "rejects", "", "write rejected records as JSON lines to `FILE`")
	fs.IntVar(&c.maxRejects, "max-rejects", 0, "fail after more than `N` rejected records (-1: no limit)")
	fs.StringVar(&c.progress, "progress", "auto", "progress display: auto|bar|log|none (auto: a bar when stderr is a terminal)")
	fs.StringVar(&c.report, "report", "text", "final report: text (stderr) or json (one object on stdout, also on failure)")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "quiet: no progress, no text report")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, "verbose: log every committed batch and retry")
}

// registerTable adds the flags of a load into one table.
func (c *common) registerTable(fs *flagSet, typed bool) {
	fs.StringVar(&c.table, "table", "", "target `[schema.]name`")
	fs.StringVar(&c.mode, "mode", "append", "write `mode`: append, upsert (last occurrence of a key wins), ignore (existing rows and first occurrences win) or replace (load a new table, swap it in)")
	fs.StringVar(&c.key, "key", "", "conflict key `col[,col]` of upsert/ignore (default: the table's primary key; with --create, the new table's primary key)")
	fs.BoolVar(&c.create, "create", false, "create the schema and table when missing, with inferred column types")
	fs.BoolVar(&c.addColumns, "add-columns", false, "add input columns the table lacks, and widen still-empty columns the input needs wider")
	fs.BoolVar(&c.atomic, "atomic", false, "make the whole import visible in one transaction, or nothing (loads into a staging table first)")
	if typed {
		fs.StringVar(&c.types, "types", "", "with --create or --add-columns: column types `col=type,...` (a type name with optional modifiers; others are inferred)")
	}
	c.registerTarget(fs)
}

// check validates what only the CLI knows (names of modes and displays) and resolves
// the DSN; the load options are validated by the library (pgio.ErrConfig: exit 2).
func (c *common) check(needTable bool) error {
	var err error
	if needTable && c.table == "" {
		return usagef("--table is required")
	}
	if _, err := pgio.ParseTableName(c.table); needTable && err != nil {
		return usagef("--table: %v", err)
	}
	if c.to, err = dsn("to", c.to, "TMIMPORT_TO"); err != nil {
		return err
	}
	switch {
	case !oneOf(c.mode, "append", "upsert", "ignore", "replace"):
		return usagef("--mode must be append, upsert, ignore or replace, got %q", c.mode)
	case c.workers < 1 || c.batchRows < 1: // 0 is the library's "default": refuse it here
		return usagef("--workers and --batch-rows must be positive, got %d and %d", c.workers, c.batchRows)
	case !oneOf(c.progress, "auto", "bar", "log", "none"):
		return usagef("--progress must be auto, bar, log or none, got %q", c.progress)
	case !oneOf(c.report, "text", "json"):
		return usagef("--report must be text or json, got %q", c.report)
	}
	return nil
}

// options maps the flags onto the library's load options, validated, with --rejects
// opened; the returned function closes it, setting *err if that fails.
func (c *common) options(stderr io.Writer) (pgio.LoadOptions, func(*error), error) {
	modes := map[string]pgio.Mode{"append": pgio.Append, "upsert": pgio.Upsert, "ignore": pgio.Ignore, "replace": pgio.Replace}
	closeRejects := func(*error) {}
	types, err := parseTypes(c.types)
	if err != nil {
		return pgio.LoadOptions{}, closeRejects, err
	}
	o := pgio.LoadOptions{
		Mode: modes[c.mode], Key: splitList(c.key), Atomic: c.atomic, ImportID: c.importID,
		CreateSchema: c.create, CreateTable: c.create, AddColumns: c.addColumns, AdaptEmptyColumns: c.addColumns,
		Types: types, BatchRows: c.batchRows, Workers: c.workers, MaxRejects: c.maxRejects,
		Retries: c.retries, BatchTimeout: c.batchTime,
	}
	if o.BatchTimeout == 0 {
		o.BatchTimeout = -1 // no limit
	}
	if !c.quiet {
		o.OnNote = func(msg string) { fmt.Fprintf(stderr, "tmimport: %s\n", msg) }
	}
	if c.verbose {
		o.OnProgress = func(p pipeline.Progress) {
			r := p.Last
			fmt.Fprintf(stderr, "tmimport: committed chunk %d batch %d: lines %d-%d, %d rows written, %d rejected\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.Written, r.Rejected)
		}
		o.OnRetry = func(r pgio.Retry) {
			fmt.Fprintf(stderr, "tmimport: retrying chunk %d batch %d (lines %d-%d, records %d-%d), attempt %d, after: %v\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.First.Index, r.Last.Index, r.Attempt, r.Err)
		}
	}
	if err := o.Validate(); err != nil || c.rejects == "" {
		return o, closeRejects, err
	}
	f, err := os.OpenFile(c.rejects, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return o, closeRejects, fmt.Errorf("--rejects: %w", err)
	}
	o.Rejects = f
	return o, func(err *error) {
		if cerr := f.Close(); cerr != nil && *err == nil {
			*err = fmt.Errorf("--rejects: %w", cerr)
		}
	}, nil
}

// parseTypes parses --types col=type,...
func parseTypes(v string) (map[string]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range splitList(v) {
		k, t, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(t) == "" {
			return nil, usagef("--types: %q is not col=type", kv)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(t)
	}
	return out, nil
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

func oneOf(s string, opts ...string) bool { return slices.Contains(opts, s) }

// parse parses args (flags may follow arguments) and returns the arguments. -h and
// --help print the command's help on stdout.
func (fs *flagSet) parse(args []string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		fmt.Fprintf(stdout, "Usage: tmimport %s\n\n%s\n\nFlags:\n%s", fs.usage, fs.about, fs.FlagUsages())
		if len(fs.examples) > 0 {
			fmt.Fprintf(stdout, "\nExamples:\n  %s\n", strings.Join(fs.examples, "\n  "))
		}
		return nil, err
	case err != nil:
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "unknown flag: "); ok {
			msg = fmt.Sprintf("unknown flag %s (tmimport %s does not use it)", name, fs.Name())
		}
		return nil, usagef("%s", msg)
	}
	return fs.Args(), nil
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
