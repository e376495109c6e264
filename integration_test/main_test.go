// Package integration_test runs tmimport end to end, library and CLI, against a real
// containerized PostGIS (see package pgtest).
package integration_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// toxiproxyLinks are goroutines of the fault-injection proxy (toxiproxy leaves a
// stalled link's goroutines behind after Stop). They are the tool's, not tmimport's;
// every other goroutine still fails the leak check.
var toxiproxyLinks = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).read"),
	goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).write"),
	goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run"),
}

// cli is the path of the tmimport binary built for these tests.
var cli string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tmimport-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cli = filepath.Join(dir, "tmimport")
	build := []string{"build", "-o", cli}
	if os.Getenv("TMIMPORT_CLI_RACE") == "1" { // set by `make test`: the CLI runs with the race detector too
		build = append(build, "-race")
	}
	if out, err := exec.Command("go", append(build, "../cmd/tmimport")...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tmimport: %v\n%s", err, out)
		os.Exit(1)
	}
	code := pgtest.Run(m, toxiproxyLinks...)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
