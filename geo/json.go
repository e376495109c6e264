package geo

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxJSONDepth bounds the nesting of JSON arrays and objects, as encoding/json does.
const maxJSONDepth = 10_000

// maxInternedKeys bounds the set of property names a parser shares between features.
const maxInternedKeys = 4096

// jsonParser is a validating JSON parser over one value held in memory. It is
// the fast path of the GeoJSON reader: it parses coordinates straight into orb
// points and properties into Go values, with numbers kept as json.Number.
type jsonParser struct {
	data    []byte
	pos     int
	base    int64 // input offset of data[0], for error messages
	depth   int
	scratch []byte            // unescaped strings
	keys    map[string]string // interned property names
	arena   []byte            // backing store of decoded strings, see str
}

func (p *jsonParser) reset(data []byte, base int64) {
	p.data, p.pos, p.base, p.depth = data, 0, base, 0
}

func (p *jsonParser) syntaxErr(msg string) error {
	if p.pos >= len(p.data) {
		msg = "unexpected end of value: " + msg
	}
	return &SyntaxError{Offset: p.base + int64(p.pos), Msg: msg}
}

func (p *jsonParser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (p *jsonParser) peek() byte {
	if p.ws(); p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *jsonParser) expect(c byte) error {
	if p.peek() != c {
		return p.syntaxErr("expected '" + string(c) + "'")
	}
	p.pos++
	return nil
}

// end checks that nothing but white space follows the value.
func (p *jsonParser) end() error {
	if p.peek(); p.pos != len(p.data) {
		return p.syntaxErr("unexpected data after the value")
	}
	return nil
}

func (p *jsonParser) literal(word string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return p.syntaxErr("invalid literal")
	}
	p.pos += len(word)
	return nil
}

// null consumes a null literal if one comes next.
func (p *jsonParser) null() bool {
	if p.peek() == 'n' && p.literal("null") == nil {
		return true
	}
	return false
}

func (p *jsonParser) push() error {
	if p.depth++; p.depth > maxJSONDepth {
		return p.syntaxErr("nesting too deep")
	}
	return nil
}

// members iterates over the members of an object: call it with first set
// before the '{' and it returns each key, then ok=false after the '}'. The key
// may alias the parser's scratch space and is valid until the next string.
func (p *jsonParser) member(first *bool) (key []byte, ok bool, err error) {
	if *first {
		if err := p.expect('{'); err != nil {
			return nil, false, err
		}
		if err := p.push(); err != nil {
			return nil, false, err
		}
		if *first = false; p.peek() == '}' {
			p.pos++
			p.depth--
			return nil, false, nil
		}
	} else {
		switch p.peek() {
		case '}':
			p.pos++
			p.depth--
			return nil, false, nil
		case ',':
			p.pos++
		default:
			return nil, false, p.syntaxErr("expected ',' or '}' in object")
		}
	}
	if p.peek() != '"' {
		return nil, false, p.syntaxErr("expected a member name")
	}
	if key, err = p.strBytes(); err != nil {
		return nil, false, err
	}
	return key, true, p.expect(':')
}

// element iterates over the elements of an array like member does for objects.
// It returns true when an element follows.
func (p *jsonParser) element(first *bool) (bool, error) {
	if *first {
		if err := p.expect('['); err != nil {
			return false, err
		}
		if err := p.push(); err != nil {
			return false, err
		}
		*first = false
		if p.peek() != ']' {
			return true, nil
		}
	} else if p.peek() == ',' {
		p.pos++
		return true, nil
	}
	if p.peek() != ']' {
		return false, p.syntaxErr("expected ',' or ']' in array")
	}
	p.pos++
	p.depth--
	return false, nil
}

// number consumes a JSON number and returns its bytes.
func (p *jsonParser) number() ([]byte, error) {
	d, start := p.data, p.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return nil, p.syntaxErr("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		if j := digits(d, i+1); j > i+1 {
			i = j
		} else {
			p.pos = j
			return nil, p.syntaxErr("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if j := digits(d, i); j > i {
			i = j
		} else {
			p.pos = j
			return nil, p.syntaxErr("invalid number")
		}
	}
	p.pos = i
	return d[start:i], nil
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// float consumes a JSON number as a float64.
func (p *jsonParser) float() (float64, error) {
	if f, ok := p.fastFloat(); ok {
		return f, nil
	}
	b, err := p.number()
	if err != nil {
		return 0, err
	}
	// b is a valid JSON number, which ParseFloat always accepts; viewing it in
	// place saves an allocation per coordinate. The string does not outlive
	// the call: a range error is turned into a message without it.
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil {
		return 0, invalidf("number %.40s is out of range", string(b))
	}
	return f, nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses the common short numbers exactly without strconv: at most
// 19 digits with a mantissa below 2^53 and a power of ten within ±22, where
// one IEEE multiplication or division rounds correctly (Clinger's fast path).
// It reports false, consuming nothing, for anything else.
func (p *jsonParser) fastFloat() (float64, bool) {
	f, end, ok := parseFastFloat(p.data, p.pos)
	if ok {
		p.pos = end
	}
	return f, ok
}

// parseFastFloat parses a JSON number without an exponent at d[i:] on
// Clinger's fast path (see jsonParser.fastFloat) and returns it and the index
// just past it. It reports false for anything else.
func parseFastFloat[T string | []byte](d T, i int) (float64, int, bool) {
	neg := i < len(d) && d[i] == '-'
	if neg {
		i++
	}
	var m uint64
	nd, exp := 0, 0
	intStart := i
	for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
		m, nd = m*10+uint64(d[i]-'0'), nd+1
	}
	if nd == 0 || nd > 1 && d[intStart] == '0' {
		return 0, 0, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		fracStart := i
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
			m, nd = m*10+uint64(d[i]-'0'), nd+1
		}
		if i == fracStart {
			return 0, 0, false
		}
		exp = fracStart - i
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') || nd > 19 || m > 1<<53 || exp < -22 {
		return 0, 0, false
	}
	f := float64(m) / pow10[-exp]
	if neg {
		f = -f
	}
	return f, i, true
}

// strBytes consumes a string and returns its unescaped bytes, which alias
// either the input or the scratch space. Invalid UTF-8 becomes U+FFFD, as in
// encoding/json.
func (p *jsonParser) strBytes() ([]byte, error) {
	if p.peek() != '"' {
		return nil, p.syntaxErr("expected a string")
	}
	start := p.pos + 1
	ascii := true
	for i := start; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			s := p.data[start:i]
			if !ascii && !utf8.Valid(s) {
				return p.unescape(start)
			}
			p.pos = i + 1
			return s, nil
		case c == '\\':
			return p.unescape(start)
		case c < 0x20:
			p.pos = i
			return nil, p.syntaxErr("control character in string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	p.pos = len(p.data)
	return nil, p.syntaxErr("unterminated string")
}

// unescape decodes the string whose content starts at start into the scratch space.
func (p *jsonParser) unescape(start int) ([]byte, error) {
	out := p.scratch[:0]
	i := start
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos, p.scratch = i+1, out
			return out, nil
		case c < 0x20:
			p.pos = i
			return nil, p.syntaxErr("control character in string")
		case c == '\\':
			r, n := p.escape(i)
			if n == 0 {
				p.pos = i
				return nil, p.syntaxErr("invalid escape in string")
			}
			out, i = utf8.AppendRune(out, r), i+n
		case c < utf8.RuneSelf:
			out, i = append(out, c), i+1
		default:
			r, n := utf8.DecodeRune(p.data[i:])
			out, i = utf8.AppendRune(out, r), i+n
		}
	}
	p.pos = len(p.data)
	return nil, p.syntaxErr("unterminated string")
}

// escape decodes the escape sequence at i and returns the rune and its length,
// or n == 0 when it is invalid.
func (p *jsonParser) escape(i int) (r rune, n int) {
	if i+1 >= len(p.data) {
		return 0, 0
	}
	switch c := p.data[i+1]; c {
	case '"', '\\', '/':
		return rune(c), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r := hex4(p.data[i+2:])
		if r < 0 {
			return 0, 0
		}
		if utf16.IsSurrogate(r) {
			if r2 := p.lowSurrogate(i + 6); r2 >= 0 {
				return utf16.DecodeRune(r, r2), 12
			}
			return utf8.RuneError, 6
		}
		return r, 6
	}
	return 0, 0
}

func (p *jsonParser) lowSurrogate(i int) rune {
	if i+1 < len(p.data) && p.data[i] == '\\' && p.data[i+1] == 'u' {
		if r := hex4(p.data[i+2:]); r >= 0xDC00 && r < 0xE000 {
			return r
		}
	}
	return -1
}

func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			c = c | 0x20 - 'a' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

func (p *jsonParser) str() (string, error) {
	b, err := p.strBytes()
	return p.string(b), err
}

// arenaChunk is the size of the blocks that decoded strings share.
const arenaChunk = 8 << 10

// string returns b as a string. Short strings are carved out of a shared
// block instead of being allocated one by one: a feature's property values
// cost one allocation per block rather than one each. Bytes of the block are
// written once, before the string over them is made, and never again, which
// is what makes unsafe.String sound here. A live string keeps its whole
// block alive; blocks are small enough for that not to matter.
func (p *jsonParser) string(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case len(b) > arenaChunk/8:
		return string(b)
	case len(b) > cap(p.arena)-len(p.arena):
		p.arena = make([]byte, 0, arenaChunk)
	}
	start := len(p.arena)
	p.arena = append(p.arena, b...)
	return unsafe.String(&p.arena[start], len(b))
}

// intern returns a shared string for a property name, so the names repeated
// by every feature are allocated once.
func (p *jsonParser) intern(b []byte) string {
	if s, ok := p.keys[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.keys == nil {
		p.keys = make(map[string]string)
	}
	if len(p.keys) < maxInternedKeys {
		p.keys[s] = s
	}
	return s
}

// value consumes any JSON value: objects become map[string]any, arrays []any,
// numbers json.Number, strings string, and true, false and null bool and nil.
func (p *jsonParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '{':
		return p.object(0)
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		b, err := p.number()
		return json.Number(p.string(b)), err
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.syntaxErr("expected a value")
}

// object consumes an object into a map, sized with hint.
func (p *jsonParser) object(hint int) (map[string]any, error) {
	m := make(map[string]any, hint)
	first := true
	for {
		key, ok, err := p.member(&first)
		if err != nil || !ok {
			return m, err
		}
		k := p.intern(key)
		if m[k], err = p.value(); err != nil {
			return nil, err
		}
	}
}

func (p *jsonParser) array() ([]any, error) {
	a := []any{}
	first := true
	for {
		more, err := p.element(&first)
		if err != nil || !more {
			return a, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

// skip consumes any JSON value, validating it without building anything.
func (p *jsonParser) skip() error {
	switch c := p.peek(); {
	case c == '{':
		first := true
		for {
			_, ok, err := p.member(&first)
			if err != nil || !ok {
				return err
			}
			if err := p.skip(); err != nil {
				return err
			}
		}
	case c == '[':
		first := true
		for {
			more, err := p.element(&first)
			if err != nil || !more {
				return err
			}
			if err := p.skip(); err != nil {
				return err
			}
		}
	case c == '"':
		_, err := p.strBytes()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, err := p.number()
		return err
	}
	_, err := p.value() // literals, or an error
	return err
}
