// Package copybin encodes text field values into PostgreSQL's binary COPY format, exactly or not at all:
// a field is encoded only when its text is in a form whose stored value is certain, the
// value PostgreSQL 15's own input function would store from the same text under any
// DateStyle, TimeZone or locale. Any other text makes [Encoder.AppendRow] return an error
// matching [ErrNotConvertible], and the caller sends that batch as CSV instead, so that
// the server decides (and reports the row in its own words).
//
// It exists because the server ingests binary COPY about 1.6 times faster than CSV:
// converting in the client pays off when the client has CPU to spare. Encoding a
// task_history row (seven columns) costs about 100 ns and no allocations.
//
// # Format
//
// A binary COPY stream is [Encoder.Header], then one tuple per row from
// [Encoder.AppendRow] (an int16 field count, then per field an int32 length, -1 for
// NULL, and the value's bytes in the type's send format), then [Trailer]. All integers
// are big-endian.
//
// # Types and accepted text
//
// Type names are those format_type() prints (a few aliases such as int8, timestamptz or
// varchar are accepted too); any other type makes [NewEncoder] return an error matching
// [ErrUnsupported]. "Space" below means the ASCII characters C's isspace accepts
// (space, \t, \n, \v, \f, \r).
//
//   - smallint, integer, bigint: [+-]?[0-9]+ with optional surrounding space, in range.
//   - real, double precision: [+-]?(digits[.digits]|.digits)([eE][+-]?digits)? with
//     optional surrounding space, correctly rounded like strtof/strtod; NaN (no sign),
//     [+-]inf and [+-]infinity in any case. A finite literal that overflows, or a
//     non-zero one that underflows to zero, is refused (the server rejects both).
//   - boolean: exactly PostgreSQL's parse_bool_with_len after trimming space: any
//     case-insensitive prefix of true, false, yes, no (at least one letter), of on, off
//     (at least two letters), and 1, 0.
//   - text, character varying[(n)], character(n), json: the bytes unchanged; a NUL byte
//     is refused. The server's binary receive functions call the same length check,
//     padding and validation as the text input functions, so an over-long or invalid
//     value fails the binary COPY exactly as it would fail the CSV one.
//   - jsonb: version byte 1 then the text, parsed by the server as jsonb_in would.
//   - uuid: exactly PostgreSQL's string_to_uuid: 32 hex digits in either case, a hyphen
//     allowed after any group of four except the last, optionally in braces.
//   - date: YYYY-MM-DD, year 0001 to 9999, a day that exists.
//   - timestamp[(p)] without time zone: YYYY-MM-DD, optionally followed by a space or T
//     and HH:MM:SS with hours 00–23, seconds 00–59 and an optional fraction of one to
//     six digits. The server rounds to p digits in the binary path just as in the text one.
//   - timestamp[(p)] with time zone: the same with a time, followed by an explicit zone:
//     Z, or ±hh, ±hh:mm or ±hhmm with hh at most 15. Without a zone the value would
//     depend on the session's TimeZone, so it is refused.
//
// Everything else (surrounding space in dates, BC, infinity, 24:00:00, more than six
// fractional digits, zone names, hexadecimal, underscores, numeric, …) is refused.
//
// # What exactness rests on
//
// A differential test loads thousands of generated values per type, and W1's
// task_history rows, through both paths into PostgreSQL 15 and requires identical
// tables, byte for byte through each type's send function, under two different
// TimeZone and DateStyle settings on the CSV side. Beyond what it checks:
//
//   - Floats assume the server's C library rounds strtod and strtof correctly, as
//     glibc (every usual Linux build) does; Go's strconv rounds correctly too.
//   - "Z" is read as UTC because it is the abbreviation Z of timezone_abbreviations,
//     which every set PostgreSQL ships (Default, Australia, India) defines as UTC. A
//     server with a custom set lacking it would reject what the encoder accepts.
//   - Text is sent in the session's client_encoding, like the CSV path as tmimport uses
//     it; a COPY ENCODING option would apply to CSV only.
//   - The caller passes nil exactly where the CSV path would produce NULL (unquoted
//     empty field, NULL option, FORCE_NULL), and the CSV path's own quirks, such as the
//     \. end-of-data line, are the caller's to mirror.
//
// # Example
//
//	enc, err := copybin.NewEncoder([]string{"bigint", "text", "timestamp without time zone"})
//	if err != nil { … } // a column type without a binary path: use CSV
//	buf := append(buf[:0], enc.Header()...)
//	for _, rec := range records {
//		if buf, err = enc.AppendRow(buf, rec); err != nil {
//			… // errors.Is(err, copybin.ErrNotConvertible): send this batch as CSV
//		}
//	}
//	buf = append(buf, copybin.Trailer()...) // then COPY t FROM STDIN (FORMAT binary)
package copybin
