package copybin_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The generators return edge cases followed by n random values of a type's text forms:
// mostly forms the encoder accepts, plus near misses that it must refuse or that the
// server must treat alike on both paths.

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// junk returns up to max bytes drawn from alphabet.
func junk(r *rand.Rand, alphabet string, max int) string {
	var sb strings.Builder
	for range r.IntN(max + 1) {
		sb.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

// randCase upper-cases a random selection of the ASCII letters of s.
func randCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' && r.IntN(2) == 0 {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// digits returns n random decimal digits.
func digits(r *rand.Rand, n int) string { return junk1(r, "0123456789", n) }

// junk1 returns exactly n bytes drawn from alphabet.
func junk1(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// pad surrounds s with random C isspace characters, sometimes.
func pad(r *rand.Rand, s string) string {
	if r.IntN(3) > 0 {
		return s
	}
	return junk(r, " \t\n\r\v\f", 2) + s + junk(r, " \t\n\r\v\f", 2)
}

func genInts(r *rand.Rand, bits int, n int) []string {
	maxV := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	minV := new(big.Int).Neg(maxV)
	maxV.Sub(maxV, big.NewInt(1))
	vals := []string{"0", "-0", "+0", " 1", "1 ", "\t-1\n", "\v2\f", "00", "0001", "1_0", "0x1", "1e2", "1.0", "",
		" ", "+", "-", "--1", "+-1", "١", "\u00a01", "1\u00a0", "12345678901234567890123",
		"-000000000000000000000000000000005", "18446744073709551615", "18446744073709551616"}
	for d := -3; d <= 3; d++ {
		vals = append(vals, new(big.Int).Add(maxV, big.NewInt(int64(d))).String(),
			new(big.Int).Add(minV, big.NewInt(int64(d))).String())
	}
	for range n {
		var s string
		switch r.IntN(6) {
		case 0, 1:
			v := int64(r.Uint64() >> (64 - r.IntN(bits)))
			if r.IntN(2) == 0 {
				v = -v
			}
			s = strconv.FormatInt(v, 10)
		case 2:
			s = pick(r, "", "+", "-") + strings.Repeat("0", r.IntN(20)) + digits(r, 1+r.IntN(bits/3))
		case 3:
			s = new(big.Int).Add(pick(r, maxV, minV), big.NewInt(int64(r.IntN(7)-3))).String()
		case 4:
			s = pick(r, "", "+", "-") + digits(r, 1+r.IntN(25))
		default:
			s = junk(r, "0123456789+- \t.eEx_a", 6)
		}
		vals = append(vals, pad(r, s))
	}
	return vals
}

// exactDecimal returns the exact decimal expansion of x (a big.Float of enough
// precision) in e notation, trailing zeros cut.
func exactDecimal(x *big.Float) string {
	s := x.Text('e', 180)
	mant, exp, _ := strings.Cut(s, "e")
	mant = strings.TrimRight(mant, "0")
	mant = strings.TrimSuffix(mant, ".")
	return mant + "e" + exp
}

// midpoint returns the exact decimal of the midpoint between a float (of the given bit
// size) drawn from random bits and its successor, then nudged: exactly, a hair above or a
// hair below.
func midpoint(r *rand.Rand, bits int) string {
	var lo, hi float64
	if bits == 32 {
		f := math.Float32frombits(r.Uint32() &^ (1 << 31))
		if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
			f = math.MaxFloat32
		}
		lo, hi = float64(f), float64(math.Nextafter32(f, float32(math.Inf(1))))
	} else {
		// Keep magnitudes moderate so that the exact expansion stays short.
		f := math.Ldexp(1+r.Float64(), r.IntN(200)-100)
		lo, hi = f, math.Nextafter(f, math.Inf(1))
	}
	x := new(big.Float).SetPrec(2000).SetFloat64(lo)
	x.Add(x, new(big.Float).SetFloat64(hi)).Quo(x, big.NewFloat(2))
	s := exactDecimal(x)
	mant, exp, _ := strings.Cut(s, "e")
	switch r.IntN(3) {
	case 0:
		return s
	case 1:
		return mant + "000001e" + exp
	default:
		if mant[len(mant)-1] == '5' {
			return mant[:len(mant)-1] + "4999999e" + exp
		}
		return s
	}
}

func genFloats(r *rand.Rand, bits int, n int) []string {
	vals := []string{"0", "-0", "+0", ".5", "5.", "-.5e-3", "1E+3", "nan", "NaN", "NAN", "-nan", "+nan", "nan(1)",
		"inf", "-inf", "+inf", "Infinity", "-Infinity", "+infinity", "INFINITY", "infinit", "infinityx", " nan ",
		"\tinf\n", "1e309", "-1e309", "1e-400", "2e-324", "4.9e-324", "5e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "2.4703282292062327208828439643411068618252990130716238221279284125033775364e-324",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
		"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174087",
		"3.4028234e38", "3.4028235e38", "3.40282356e38", "3.4028236e38", "3.5e38", "1.4e-45", "7e-46", "8e-46",
		"1.17549435e-38", "1e-46", "0e9999", "0e99999", "1e9999", "1e-9999", "0x1p3", "1_000", "1e", "e5", ".", "..5",
		"1.2.3", "1,5", "1 5", "+-1", "١", "", " ", "1e+", "1e-", "16777217", "9007199254740993",
		"0.1", "0.30000000000000004", "123456789012345678901234567890", strings.Repeat("9", 200),
		strings.Repeat("9", 201), "0." + strings.Repeat("0", 197) + "1"}
	specials := []string{"nan", "inf", "infinity", "-inf", "+inf", "-infinity", "+infinity", "-nan", "nana", "in"}
	for range n {
		var s string
		switch r.IntN(9) {
		case 0, 1:
			var f float64
			if bits == 32 {
				f = float64(math.Float32frombits(r.Uint32()))
			} else {
				f = math.Float64frombits(r.Uint64())
			}
			s = strconv.FormatFloat(f, pick(r, byte('g'), 'e', 'E', 'f'), r.IntN(25)-1, bits)
		case 2, 3:
			s = pick(r, "", "+", "-") + digits(r, r.IntN(20))
			if r.IntN(3) > 0 {
				s += "." + digits(r, r.IntN(20))
			}
			if r.IntN(2) == 0 {
				s += pick(r, "e", "E") + pick(r, "", "+", "-") + strconv.Itoa(r.IntN(400))
			}
		case 4:
			s = midpoint(r, bits)
		case 5:
			s = randCase(r, pick(r, specials...))
		case 6: // subnormals and near-underflow literals
			if bits == 32 {
				s = strconv.FormatFloat(float64(math.Float32frombits(r.Uint32()&(1<<23-1))), 'g', -1, 32)
			} else {
				s = strconv.FormatFloat(math.Float64frombits(r.Uint64()&(1<<52-1)), 'g', -1, 64)
			}
			if r.IntN(2) == 0 {
				s = digits(r, 1+r.IntN(5)) + "e-" + strconv.Itoa(pick(r, 38, 44, 45, 46, 307, 320, 323, 324, 325))
			}
		case 7: // near overflow
			if bits == 32 {
				s = "3.40282" + digits(r, r.IntN(6)) + "e38"
			} else {
				s = "1.797693134862315" + digits(r, r.IntN(6)) + "e308"
			}
		default:
			s = junk(r, "0123456789+-.eEinfaINFAxp_ ", 8)
		}
		vals = append(vals, pad(r, s))
	}
	return vals
}

func genBools(r *rand.Rand, n int) []string {
	vals := []string{"t", "f", "o", "O", "on", "of", "off", "1", "0", "01", "10", "", " ", "truex", "yess", "ona", "offf"}
	for range n {
		var s string
		if r.IntN(8) == 0 {
			s = junk(r, "tTfFyYnNoO01 eErRuUsSlLaA\t", 5)
		} else {
			w := pick(r, "true", "false", "yes", "no", "on", "off", "1", "0")
			w = w[:r.IntN(len(w)+1)]
			if r.IntN(8) == 0 {
				w += pick(r, "x", "e", "1", " 1", "n")
			}
			s = randCase(r, w)
		}
		vals = append(vals, pad(r, s))
	}
	return vals
}

// textRunes feeds generated text: CSV metacharacters, escapes COPY text format would
// care about, whitespace and multi-byte UTF-8.
var textRunes = []rune("abcXYZ 019 ,\"\\'\t\r\n.-_éüñ中文🗺️😀\u00a0\u200b\ufeff")

func randText(r *rand.Rand, maxRunes int) string {
	var b strings.Builder
	for range r.IntN(maxRunes + 1) {
		b.WriteRune(textRunes[r.IntN(len(textRunes))])
	}
	return b.String()
}

func genTexts(r *rand.Rand, n, maxRunes int) []string {
	vals := []string{"", " ", "\\.", "\\N", "NULL", `"`, `""`, "a\x00b", "\x00", "\xff", "a\xc3", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\r\n", strings.Repeat("x", 10000)}
	for range n {
		s := randText(r, maxRunes)
		if r.IntN(200) == 0 {
			s += pick(r, "\x00", "\xff", "\xc3(")
		}
		vals = append(vals, s)
	}
	return vals
}

// genShortTexts feeds character(5) and character varying(5): lengths around the limit,
// trailing spaces (which the server cuts silently) and over-long values.
func genShortTexts(r *rand.Rand, n int) []string {
	vals := []string{"", "abcde", "abcdef", "abcde     ", "abc  ", "😀😀😀😀😀", "😀😀😀😀😀😀", "abcde \t", "     ", "      x"}
	for range n {
		s := randText(r, 6)
		if r.IntN(2) == 0 {
			s += strings.Repeat(" ", r.IntN(4))
		}
		vals = append(vals, s)
	}
	return vals
}

// randJSON returns a random JSON document, with random whitespace, escapes, numbers of
// every shape and duplicate keys.
func randJSON(r *rand.Rand, depth int) string {
	ws := func() string { return junk(r, " \t\n\r", 1) }
	switch k := r.IntN(8); {
	case depth > 0 && k == 0:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, ws()+randJSON(r, depth-1)+ws())
		}
		return "[" + strings.Join(parts, ",") + "]"
	case depth > 0 && k <= 2:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, ws()+pick(r, `"a"`, `"b"`, `"ключ"`, `"\u00e9"`, `""`)+ws()+":"+ws()+randJSON(r, depth-1))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case k == 3:
		return pick(r, "true", "false", "null")
	case k == 4:
		return pick(r, "-", "") + digits(r, 1+r.IntN(3)) + pick(r, "", "."+digits(r, 1+r.IntN(25))) +
			pick(r, "", "e"+strconv.Itoa(r.IntN(40)-20), "E+5")
	case k == 5:
		return pick(r, "0", "-0", "1e400", "123456789012345678901234567890", "0.1", "1.0E-7")
	default:
		return strconv.Quote(randText(r, 10)) // Go escapes are a subset of JSON's here…
	}
}

func genJSONs(r *rand.Rand, n int) []string {
	vals := []string{"{}", "[]", "null", "  {\"a\" : 1 , \"a\": 2}  ", `"\ud83d\ude00"`, `"\u0000"`, `"\ud800"`,
		"{", "", "01", `{"a":1,}`, `"\x"`, "\"tab\there\"", "NaN", strings.Repeat("[", 50) + strings.Repeat("]", 50)}
	for range n {
		s := randJSON(r, 3)
		if !strings.Contains(s, `\x`) && !strings.Contains(s, `\U`) && !strings.Contains(s, `\a`) &&
			!strings.Contains(s, `\v`) { // …except these, which would make invalid JSON
			vals = append(vals, s)
		}
	}
	return vals
}

func genUUIDs(r *rand.Rand, n int) []string {
	vals := []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
		"a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff", "", "{}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", " a0eebc999c0b4ef8bb6d6bb9bd380a11"}
	for range n {
		h := fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
		if r.IntN(3) == 0 {
			h = strings.ToUpper(h)
		}
		var b strings.Builder
		canonical := r.IntN(2) == 0
		for i := 0; i < 32; i += 4 {
			b.WriteString(h[i : i+4])
			if i < 28 && (canonical && (i == 4 || i == 8 || i == 12 || i == 16) || !canonical && r.IntN(3) == 0) {
				b.WriteByte('-')
			}
		}
		s := b.String()
		if r.IntN(5) == 0 {
			s = "{" + s + "}"
		}
		if r.IntN(6) == 0 { // mutate
			p := r.IntN(len(s) + 1)
			switch r.IntN(4) {
			case 0:
				if p < len(s) {
					s = s[:p] + s[p+1:]
				}
			case 1:
				s = s[:p] + pick(r, "-", " ", "g", "{", "}", "0") + s[p:]
			default:
				if p < len(s) {
					s = s[:p] + pick(r, "-", "x", "G", "0") + s[p+1:]
				}
			}
		}
		vals = append(vals, s)
	}
	return vals
}

// randYMD returns a year (mostly 1900–2100, sometimes anything up to 10100), a month
// 0–13 and a day 0–32, with out-of-range values now and then.
func randYMD(r *rand.Rand) (int, int, int) {
	y := 1900 + r.IntN(201)
	switch r.IntN(10) {
	case 0:
		y = r.IntN(10100)
	case 1:
		y = pick(r, 1, 1582, 1600, 1700, 1800, 1900, 2000, 2100, 2400, 9999, 0)
	}
	m, d := 1+r.IntN(12), 1+r.IntN(28)
	if r.IntN(4) == 0 {
		m, d = r.IntN(14), r.IntN(33)
	}
	return y, m, d
}

func genDates(r *rand.Rand, n int) []string {
	vals := []string{"2000-01-01", "1999-12-31", "2000-02-29", "1900-02-29", "2024-02-29", "2023-02-29",
		"0001-01-01", "9999-12-31", "0000-01-01", "10000-01-01", "0099-01-01", "2019-5-6", " 2019-05-06",
		"2019-05-06 ", "2019/05/06", "20190506", "infinity", "-infinity", "epoch", "today", "2019-05-06 BC",
		"06-05-2019", "05/06/2019", "2019-05-06 10:11:12", "2019-05-06T00:00", "1582-10-10", "J2451545"}
	for range n {
		y, m, d := randYMD(r)
		s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		switch r.IntN(12) {
		case 0:
			s = fmt.Sprintf("%d-%d-%d", y, m, d)
		case 1:
			s = pad(r, s) + pick(r, "", " BC", " AD", "T00:00:00", "+02")
		case 2:
			s = strings.ReplaceAll(s, "-", pick(r, "/", ".", " "))
		}
		vals = append(vals, s)
	}
	return vals
}

func genTimestamps(r *rand.Rand, n int, tz bool) []string {
	vals := []string{"2000-01-01 00:00:00", "2000-01-01 00:00:00Z", "2000-01-01 00:00:00+00", "1999-12-31 23:59:59.999999-01",
		"2019-05-06", "2019-05-06 24:00:00", "2019-05-06 24:00:00Z", "2019-05-06 23:59:60", "2019-05-06 23:59:60+02",
		"2019-05-06 10:11:12.1234565", "2019-05-06 10:11:12.1234565Z", "2019-05-06 10:11:12.995", "2019-05-06 10:11:12.995Z",
		"0001-01-01 00:00:00+15", "0001-01-01 00:00:00-15:59", "9999-12-31 23:59:59.999999-15:59",
		"9999-12-31 23:59:59.999999+15", "2019-05-06 10:11:12+16", "2019-05-06 10:11:12 +02", "2019-05-06 10:11:12 Z",
		"2019-05-06 10:11:12UTC", "2019-05-06 10:11:12 UTC", "2019-05-06 10:11:12 America/New_York",
		"2019-05-06 10:11:12+02:00:00", "2019-05-06 10:11:12EST", "infinity", "epoch", "now", "2019-05-06 10:11",
		"2019-05-06T10:11:12", "2019-05-06t10:11:12z", "2019-05-06 10:11:12.", "2019-03-31 02:30:00+01",
		"2019-11-03 01:30:00-05", "2019-05-06 10:11:12+14:45", "2019-05-06 10:11:12-1200", "2019-05-06 10:11:12+5"}
	for range n {
		y, m, d := randYMD(r)
		if r.IntN(3) > 0 {
			y, m, d = 1+r.IntN(9999), 1+r.IntN(12), 1+r.IntN(28)
		}
		s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		if r.IntN(20) > 0 {
			h, mi, sec := r.IntN(24), r.IntN(60), r.IntN(60)
			if r.IntN(20) == 0 {
				h, mi, sec = r.IntN(26), r.IntN(62), r.IntN(62)
			}
			s += pick(r, " ", " ", " ", "T", "t", "  ") + fmt.Sprintf("%02d:%02d:%02d", h, mi, sec)
			if k := r.IntN(9); k < 8 && r.IntN(2) == 0 {
				s += "." + digits(r, k)
			}
		}
		zone := ""
		switch k := r.IntN(10); {
		case tz && k < 8 || !tz && k == 0:
			sign := pick(r, "+", "-")
			hh := r.IntN(16)
			if r.IntN(20) == 0 {
				hh = 16 + r.IntN(10)
			}
			switch r.IntN(5) {
			case 0:
				zone = pick(r, "Z", "z")
			case 1:
				zone = fmt.Sprintf("%s%02d", sign, hh)
			case 2:
				zone = fmt.Sprintf("%s%02d:%02d", sign, hh, r.IntN(61))
			case 3:
				zone = fmt.Sprintf("%s%02d%02d", sign, hh, r.IntN(61))
			default:
				zone = pick(r, " +02", "+2", "+02:3", " UTC", "UTC", " Europe/Paris", "+02:00:00", " z", "EST")
			}
		}
		vals = append(vals, s+zone)
	}
	return vals
}
