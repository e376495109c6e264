package pgio

import "strings"

// redacted replaces a password wherever it would appear in an error's text.
const redacted = "xxxxx"

// scrubbedError is an error whose text has the password removed. It keeps the chain for
// errors.Is/As, so callers can still reach a *pgconn.PgError.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub returns err with every occurrence of password in its text replaced. Short
// passwords (under 4 bytes) are not searched for, since they would mangle ordinary words.
func scrub(err error, password string) error {
	if err == nil || len(password) < 4 {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, password) {
		return err
	}
	return &scrubbedError{msg: strings.ReplaceAll(msg, password, redacted), err: err}
}
