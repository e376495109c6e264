// Package tm migrates a HOT Tasking Manager v4 database into the TM-Admin schema.
//
// It owns what is specific to that migration: the conversions of TM's integer enum
// codes into TM-Admin's enum labels by name ([Conversion], [TargetEnums]), TM-Admin's
// DDL ([Migration.CreateSchema]), one source SELECT per target table that yields the
// target's columns already converted ([Tables]: enum labels, join tables folded into
// arrays with set-based SQL, geometries whole), the stage that rejects rows whose codes
// or references are bad, and the stage that folds each batch's task history into its
// tasks as JSONB (it measured faster in the client than as a correlated aggregate). Reading, writing, resuming and
// retrying are pgio's: each table is a [pgio.TableSource] (key ranges of one exported
// snapshot, binary COPY) run through a pipeline into a [pgio.CopySink] with RawBinary.
//
// A migration, table by table:
//
//	m, err := tm.New(source, target, tm.Config{})
//	err = m.CreateSchema(ctx)
//	for _, t := range m.Tables() {
//		job, err := m.Open(ctx, t, 50_000)
//		sink, err := pgio.NewCopySink(target, pgio.CopyConfig[[]byte]{Table: job.Target,
//			Columns: job.Columns, Raw: func(r []byte) []byte { return r }, RawBinary: true})
//		p, err := pipeline.New(pipeline.Config[[]byte]{Source: job.Source,
//			Stages: []pipeline.Stage[[]byte]{job.Stage}, Sink: sink})
//		sum, err := p.Run(ctx)
//		job.Close()
//	}
//	err = m.ResetSequences(ctx)
//
// The command `tmimport tm` does this with a ledger per table, progress, rejects and
// a verification report; its README section lists the choices made where TM and
// TM-Admin disagree.
package tm
