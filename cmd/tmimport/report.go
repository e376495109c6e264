package main

import (
	"encoding/json"
	"io"
)

// printReport writes an end-of-run report as the flags ask: rep as JSON on stdout with
// --report json, else text on stderr unless -q.
func printReport(f *common, stdout, stderr io.Writer, rep any, text func(io.Writer)) {
	switch {
	case f.report == "json":
		_ = json.NewEncoder(stdout).Encode(rep)
	case !f.quiet:
		text(stderr)
	}
}
