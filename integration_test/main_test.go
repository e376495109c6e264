// Package integration_test runs tmimport end to end, library and CLI, against a real
// containerized PostGIS (see package pgtest).
package integration_test

import (
	"testing"

	"github.com/tmimport/tmimport/pgio/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
