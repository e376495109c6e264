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

// common holds the flags the import commands share (DESIGN.md §5). Their defaults are
// the library's (pgio.LoadOptions).
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
	types      string
	workers    int
	batchRows  int
	rejects    string
	maxRejects int
	progress   string
	report     string
	quiet      bool
	verbose    bool
}

// flagSet is the flags of one command, with its help.
type flagSet struct {
	*flag.FlagSet
	usage    string // the usage line after "tmimport "
	about    string // what the command does
	examples []string
}

// newFlagSet starts a command's flags.
func newFlagSet(name, usage, about string, examples ...string) *flagSet {
	return &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), usage: usage, about: about, examples: examples}
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
	fs.BoolVar(&c.quiet, "q", false, "quiet: no progress, no text report")
	fs.BoolVar(&c.quiet, "quiet", false, "same as -q")
	fs.BoolVar(&c.verbose, "v", false, "verbose: log every committed batch and retry")
	fs.BoolVar(&c.verbose, "verbose", false, "same as -v")
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

// check validates the common flags and resolves the DSN.
func (c *common) check(needTable bool) error {
	var err error
	if needTable && c.table == "" {
		return usagef("--table is required")
	}
	if c.to, err = dsn("to", c.to, "TMIMPORT_TO"); err != nil {
		return err
	}
	switch {
	case !oneOf(c.mode, "append", "upsert", "ignore", "replace"):
		return usagef("--mode must be append, upsert, ignore or replace, got %q", c.mode)
	case c.mode == "replace" && c.atomic:
		return usagef("--mode replace is atomic already; drop --atomic")
	case c.types != "" && !c.create && !c.addColumns:
		return usagef("--types only matters with --create or --add-columns")
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

// options maps the flags onto the library's load options.
func (c *common) options(stderr io.Writer) (pgio.LoadOptions, error) {
	modes := map[string]pgio.Mode{"append": pgio.Append, "upsert": pgio.Upsert, "ignore": pgio.Ignore, "replace": pgio.Replace}
	types, err := parseTypes(c.types)
	if err != nil {
		return pgio.LoadOptions{}, err
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
		o.OnRetry = func(r pgio.Retry) {
			fmt.Fprintf(stderr, "tmimport: retrying chunk %d batch %d (lines %d-%d, records %d-%d), attempt %d, after: %v\n",
				r.Chunk, r.Batch, r.First.Line, r.Last.Line, r.First.Index, r.Last.Index, r.Attempt, r.Err)
		}
	}
	return o, nil
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

func oneOf(s string, opts ...string) bool {
	for _, o := range opts {
		if s == o {
			return true
		}
	}
	return false
}

// parse parses args with fs, allowing flags after positional arguments, and returns
// the positional arguments. -h and --help print the command's help on stdout.
func (fs *flagSet) parse(args []string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help(stdout)
				return nil, err
			}
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
				msg = fmt.Sprintf("unknown flag --%s (tmimport %s does not use it)", strings.TrimPrefix(name, "-"), fs.Name())
			}
			return nil, usagef("%s", msg)
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

// help prints the command's usage line, what it does, its flags (with two dashes) and
// examples.
func (fs *flagSet) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: tmimport %s\n\n%s\n\nFlags:\n", fs.usage, fs.about)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n        %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if len(fs.examples) > 0 {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, e := range fs.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
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
