package copybin_test

import (
	"testing"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

// TestMain runs the tests; the differential test starts its PostgreSQL through pgtest.
func TestMain(m *testing.M) { pgtest.Main(m) }
