// Package pgio is everything in tmimport that speaks to PostgreSQL: the database
// [Client] with its two-phase lifecycle, COPY sinks for the pipeline, PostGIS geometry
// type registration, and (in later files) upsert sinks, table sources, schema DDL and
// the resume ledger. It is the only non-test package that imports pgx. (It has nothing
// to do with pgx's internal/pgio.)
//
// # Lifecycle
//
// Every client is built in two phases: [New] validates the [Config] and does no I/O;
// [Client.Connect] dials the pool, registers PostGIS types on every connection and
// checks the server; [Client.Close] releases it and may be called any number of times.
// Using a client before Connect returns a [*NotConnectedError], never a nil-pointer
// panic. A program that already has a pgxpool.Pool wraps it with [Wrap].
//
//	c, err := pgio.New(pgio.Config{DSN: dsn, MaxConns: 8}) // validates, no I/O
//	if err != nil { … }                                     // error names the bad field
//	if err := c.Connect(ctx); err != nil { … }              // dials, checks the server
//	defer c.Close()
//
// # Secrets
//
// Errors and log lines never contain the DSN password: configuration errors come from
// pgx's redacting parser, and every error returned by this package is scrubbed of the
// password as a second line of defence.
package pgio
