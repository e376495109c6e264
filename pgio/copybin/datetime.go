package copybin

// PostgreSQL's date and timestamp epoch, 2000-01-01, in days since 1970-01-01.
const pgEpochDays = 10957

const usecPerSec = 1_000_000

// parseDate parses YYYY-MM-DD (year 0001 to 9999, a day that exists) into days since
// 2000-01-01. That ISO form means the same under every DateStyle; every other form is
// refused.
func parseDate(b []byte) (int32, bool) {
	if len(b) != 10 {
		return 0, false
	}
	days, ok := parseYMD(b)
	return int32(days), ok
}

// parseYMD parses the YYYY-MM-DD at the start of b (which must hold 10 bytes) into days
// since 2000-01-01.
func parseYMD(b []byte) (int64, bool) {
	if b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	y, ok1 := digits4(b[0:4])
	m, ok2 := digits2(b[5:7])
	d, ok3 := digits2(b[8:10])
	if !(ok1 && ok2 && ok3) || y == 0 || m == 0 || m > 12 || d == 0 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d) - pgEpochDays, true
}

// parseTimestamp parses a timestamp into microseconds since 2000-01-01 00:00:00:
// YYYY-MM-DD, then (required when zone is set) a space or T and HH:MM:SS[.f{1,6}],
// then, only and always when zone is set, Z or an offset ±hh, ±hh:mm or ±hhmm (the
// result is then UTC). Forms PostgreSQL reads differently under some setting, rounds,
// or treats specially (24:00:00, leap second 60) are refused.
func parseTimestamp(b []byte, zone bool) (int64, bool) {
	if len(b) < 10 {
		return 0, false
	}
	days, ok := parseYMD(b)
	if !ok {
		return 0, false
	}
	if len(b) == 10 { // a date alone is midnight
		return days * 86400 * usecPerSec, !zone
	}
	if len(b) < 19 || b[10] != ' ' && b[10]|0x20 != 't' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	h, ok1 := digits2(b[11:13])
	mi, ok2 := digits2(b[14:16])
	s, ok3 := digits2(b[17:19])
	if !(ok1 && ok2 && ok3) || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	usec := ((days*24+int64(h))*60+int64(mi))*60 + int64(s)
	usec *= usecPerSec
	rest := b[19:]
	if len(rest) > 0 && rest[0] == '.' {
		frac, n, ok := fraction(rest[1:])
		if !ok {
			return 0, false
		}
		usec += frac
		rest = rest[1+n:]
	}
	if !zone {
		return usec, len(rest) == 0
	}
	off, ok := parseZone(rest)
	return usec - off*usecPerSec, ok
}

// fraction reads the 1 to 6 digits at the start of b (stopping at the first non-digit)
// as microseconds, with n the digits read. A seventh digit would make PostgreSQL round,
// so it is refused.
func fraction(b []byte) (usec int64, n int, ok bool) {
	for n < len(b) && b[n]-'0' <= 9 {
		if n == 6 {
			return 0, 0, false
		}
		usec = usec*10 + int64(b[n]-'0')
		n++
	}
	if n == 0 {
		return 0, 0, false
	}
	for i := n; i < 6; i++ {
		usec *= 10
	}
	return usec, n, true
}

// parseZone parses a whole zone suffix, Z or ±hh[[:]mm], into seconds east of UTC.
// Hours stop at 15 as in PostgreSQL's DecodeTimezone.
func parseZone(b []byte) (int64, bool) {
	if len(b) == 1 && b[0]|0x20 == 'z' {
		return 0, true
	}
	if len(b) < 3 || b[0] != '+' && b[0] != '-' {
		return 0, false
	}
	h, ok := digits2(b[1:3])
	var m int
	switch {
	case len(b) == 3:
	case len(b) == 5: // ±hhmm
		var okm bool
		m, okm = digits2(b[3:5])
		ok = ok && okm
	case len(b) == 6 && b[3] == ':': // ±hh:mm
		var okm bool
		m, okm = digits2(b[4:6])
		ok = ok && okm
	default:
		return 0, false
	}
	if !ok || h > 15 || m > 59 {
		return 0, false
	}
	off := int64(h*3600 + m*60)
	if b[0] == '-' {
		off = -off
	}
	return off, true
}

// digits2 reads two ASCII digits.
func digits2(b []byte) (int, bool) {
	d0, d1 := b[0]-'0', b[1]-'0'
	return int(d0)*10 + int(d1), d0 <= 9 && d1 <= 9
}

// digits4 reads four ASCII digits.
func digits4(b []byte) (int, bool) {
	hi, ok1 := digits2(b[0:2])
	lo, ok2 := digits2(b[2:4])
	return hi*100 + lo, ok1 && ok2
}

// daysIn returns the number of days of month m (1 to 12) of year y in the proleptic
// Gregorian calendar that PostgreSQL uses.
func daysIn(y, m int) int {
	if m == 2 {
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + (m+m/8)%2
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date with
// y ≥ 1 (Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y ≥ 0 here
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
