// Package integration_test runs tmimport end to end, library and CLI, against a real
// containerized PostGIS (see package pgtest).
package integration_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// cli is the path of the tmimport binary built for these tests.
var cli string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tmimport-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cli = filepath.Join(dir, "tmimport")
	if out, err := exec.Command("go", "build", "-o", cli, "../cmd/tmimport").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tmimport: %v\n%s", err, out)
		os.Exit(1)
	}
	code := pgtest.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
