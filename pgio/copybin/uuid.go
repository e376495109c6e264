package copybin

// appendUUID appends the 16 bytes of a uuid parsed exactly as PostgreSQL's
// string_to_uuid does: an optional opening brace (then a closing one is required), 32
// hex digits in either case, a hyphen allowed after each group of four digits but the
// last, nothing else (no space).
func appendUUID(dst, b []byte) ([]byte, bool) {
	braces := len(b) > 0 && b[0] == '{'
	if braces {
		if b[len(b)-1] != '}' {
			return dst, false
		}
		b = b[1 : len(b)-1]
	}
	dst = append(dst, 0, 0, 0, 16)
	for i := range 16 {
		if len(b) < 2 {
			return dst, false
		}
		hi, ok1 := unhex(b[0])
		lo, ok2 := unhex(b[1])
		if !ok1 || !ok2 {
			return dst, false
		}
		dst = append(dst, hi<<4|lo)
		b = b[2:]
		if len(b) > 0 && b[0] == '-' && i%2 == 1 && i < 15 {
			b = b[1:]
		}
	}
	return dst, len(b) == 0
}

// unhex decodes one hex digit.
func unhex(c byte) (byte, bool) {
	switch {
	case c-'0' <= 9:
		return c - '0', true
	case c|0x20-'a' <= 5:
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}
