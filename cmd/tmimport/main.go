// Command tmimport imports CSV, GeoJSON and PostgreSQL tables into PostgreSQL/PostGIS,
// in parallel chunks, and migrates a HOT Tasking Manager v4 database into TM-Admin.
//
// Run `tmimport help` for usage.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/tmimport/tmimport/pgio"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// gcPercent is the CLI's GOGC unless the environment sets one. The heap of an import is
// mostly buffers reused from batch to batch (a few tens of MB), and the garbage per row
// is small, so collecting at 1.5× the live heap instead of 2× costs little CPU (a few
// more cycles of a few milliseconds) and keeps the peak RSS lower and flat in input size.
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	// The first Ctrl-C or SIGTERM cancels: batches in flight roll back, committed ones
	// stay, and the run says so. Then the signals get their default action back, so a
	// second one ends the process at once (the server rolls back what was in flight).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	stopProfile := startProfile(os.Getenv("TMIMPORT_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile to path (TMIMPORT_CPUPROFILE) for go tool pprof,
// when set; it returns the function that ends it.
func startProfile(path string) func() {
	f, err := os.Create(path)
	if path == "" || err != nil || pprof.StartCPUProfile(f) != nil {
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

// Exit codes (DESIGN.md §5).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRejects = 3 // finished, with rejected records within the budget
)

// exitCode prints err and maps it to the process exit code.
func exitCode(err error, cmd string, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errRejected):
		return exitRejects
	case errors.Is(err, pflag.ErrHelp):
		return exitOK // -h printed the flags, as asked
	case errors.As(err, &ue), errors.Is(err, pgio.ErrConfig):
		fmt.Fprintf(stderr, "tmimport %s: %v\nRun 'tmimport help %s' for its flags.\n", cmd, err, cmd)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "tmimport %s: error: %v\n", cmd, err)
		return exitFailure
	}
}

// commands maps each command to its function.
var commands = map[string]func(context.Context, []string, io.Writer, io.Writer) error{
	"csv": runCSV, "geojson": runGeoJSON, "pg": runPG, "tm": runTM, "ledger": runLedger,
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "version", "--version":
		fmt.Fprintf(stdout, "tmimport %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		if len(args) > 1 && commands[args[1]] != nil { // help CMD = CMD --help
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	}
	cmd := commands[args[0]]
	if cmd == nil {
		fmt.Fprintf(stderr, "tmimport: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return exitCode(cmd(ctx, args[1:], stdout, stderr), args[0], stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `tmimport: chunked, concurrent imports into PostgreSQL/PostGIS

Usage:
  tmimport csv     --to DSN --table [schema.]name [flags] FILE|-
  tmimport geojson --to DSN --table [schema.]name [flags] FILE|-
  tmimport pg      --from DSN --to DSN --table [schema.]name [--target-table T] [flags]
  tmimport tm      --from DSN --to DSN [--tables users,projects,...] [flags]
  tmimport ledger  list|forget --to DSN [IMPORT_ID]
  tmimport version | help [COMMAND]

Common flags: --mode append|upsert|ignore|replace  --key col[,col]  --create  --add-columns
  --types col=type,...  --atomic  --import-id ID  --workers N  --batch-rows N  --retries N
  --batch-timeout D  --rejects FILE  --max-rejects N  --progress auto|bar|log|none
  --report text|json  -q  -v
Run 'tmimport help COMMAND' for a command's flags and examples. Exit codes: 0 success,
1 failure, 2 usage error, 3 finished with rejected records within --max-rejects.
`)
}
