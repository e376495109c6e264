// Command tmimport imports CSV, GeoJSON and PostgreSQL tables into PostgreSQL/PostGIS,
// in parallel chunks, and migrates a HOT Tasking Manager v4 database into TM-Admin.
//
// Run `tmimport help` for usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes (DESIGN.md §5).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRejects = 3 // finished, with rejected records within the budget
)

var _ = exitRejects // used by the import commands

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
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tmimport: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `tmimport: chunked, concurrent imports into PostgreSQL/PostGIS

Usage:
  tmimport version
  tmimport help
`)
}
