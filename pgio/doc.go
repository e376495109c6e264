// Package pgio loads data into PostgreSQL/PostGIS: one call, [Client.Load], writes a
// slice, iterator or channel of structs, a CSV or GeoJSON file, or another database's
// table into a table, in parallel batches through COPY, in any mode (append, upsert,
// ignore, replace), creating or evolving the table, resumable by import id. Below it
// are the parts Load is built from and that a program may use on their own: the
// database [Client] with its two-phase lifecycle, the COPY and upsert [CopySink], the
// [TableSource] of key or block ranges, schema DDL, the resume [Ledger], reject
// records and PostGIS type registration. (It has nothing to do with pgx's
// internal/pgio.)
//
// # Loading
//
//	c, err := pgio.New(pgio.Config{DSN: dsn}) // validates, no I/O
//	if err != nil { … }
//	if err := c.Connect(ctx); err != nil { … }
//	defer c.Close()
//
//	sum, err := c.Load(ctx, "public.tasks", pgio.Rows(tasks), pgio.LoadOptions{CreateTable: true})
//	sum, err = c.Load(ctx, "places", pgio.CSVFile("places.csv", pgio.CSVOptions{}),
//		pgio.LoadOptions{Mode: pgio.Upsert, Key: []string{"id"}, ImportID: "places-1"})
//
// Inputs are [Rows], [Seq] and [Chan] of structs (fields map to columns like pgx's
// RowToStructByName; a zero-length slice still creates its table), [CSVFile],
// [GeoJSONFile], [Table] (another client's table or query) and [TableRows] (what the TM
// migration in package tm loads). [LoadOptions] holds every setting; a zero field is
// its default. [Client.LoadAsync] runs a load in the background and returns a [Job];
// many may run at once into one table. [Client.LoadChunks] yields each batch's result
// as it commits.
//
// What a load guarantees:
//   - Each batch commits in its own transaction (Atomic and Replace: into a staging
//     table published in one transaction at the end). Cancelling ctx rolls back the
//     batches in flight; committed ones stay.
//   - Upsert keeps the last occurrence of a key in input order, Ignore the first (and
//     rows already in the table), for every input and any Workers: rows are routed to
//     workers by a hash of their key, so one key is written by one worker, in order. A
//     stream read once (stdin, Seq, Chan, GeoJSON) runs one worker in keyed modes.
//   - A record that cannot be stored is rejected with its line (or feature), SQLSTATE
//     and column, and the rest of its batch is stored; MaxRejects bounds them.
//   - With an ImportID every batch commits with its ledger row: a second Load with the
//     same id skips what is committed, and refuses an input, reading, table, mode, key or
//     batching that differs.
//   - Column types (inferred, from struct fields, or LoadOptions.Types) are resolved by
//     the server's parser before any DDL; no input ever becomes SQL.
//
// # Lifecycle
//
// Every client is built in two phases: [New] validates the [Config] and does no I/O;
// [Client.Connect] dials the pool, registers PostGIS types on every connection and
// checks the server; [Client.Close] releases it and may be called any number of times.
// Using a client before Connect returns a [*NotConnectedError], never a nil-pointer
// panic. A program that already has a pgxpool.Pool wraps it with [Wrap].
//
// # Secrets
//
// Errors and log lines never contain the DSN password: configuration errors come from
// pgx's redacting parser, and every error returned by this package is scrubbed of the
// password as a second line of defence.
package pgio
