// Package tm migrates a HOT Tasking Manager v4 database into the TM-Admin schema.
//
// It owns what is specific to that migration: the conversions of TM's integer enum
// codes into TM-Admin's enum labels by name ([Conversion], [TargetEnums]), TM-Admin's
// DDL ([Migration.CreateSchema]), one source SELECT per target table that yields the
// target's columns already converted ([Tables]: enum labels, join tables folded into
// arrays with set-based SQL, geometries whole), the stage that rejects rows whose codes
// or references are bad, and the stage that folds each batch's task history into its
// tasks as JSONB (it measured faster in the client than as a correlated aggregate).
// Reading, writing, resuming and retrying are pgio's: each table is a
// [pgio.TableSource] (key ranges of one exported snapshot, binary COPY) loaded with
// [pgio.Client.Load] through [pgio.TableRows].
//
// The whole migration is one call, which creates the target when asked, loads table
// by table (a ledger per table with an import id), verifies every table's counts and
// folds, resets the sequences and returns the report:
//
//	m, err := tm.New(source, target, tm.Config{})
//	report, err := m.Run(ctx, pgio.LoadOptions{CreateTable: true, ImportID: "tm-1"})
//
// The command `tmimport tm` is this call with progress, rejects and the report printed;
// its README section lists the choices made where TM and
// TM-Admin disagree.
package tm
