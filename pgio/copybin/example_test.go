package copybin_test

import (
	"errors"
	"fmt"

	"github.com/tmimport/tmimport/pgio/copybin"
)

func ExampleEncoder() {
	enc, err := copybin.NewEncoder([]string{"bigint", "text", "timestamp with time zone"})
	if err != nil {
		panic(err) // a type without a binary path: send CSV
	}
	buf := append([]byte(nil), enc.Header()...)
	buf, err = enc.AppendRow(buf, [][]byte{[]byte("42"), nil, []byte("2000-01-01 01:00:00.5+01")})
	fmt.Println(err)
	buf = append(buf, copybin.Trailer()...)
	fmt.Printf("% x\n", buf[len(enc.Header()):])

	// Without a zone the value would depend on the session's TimeZone. On error, keep
	// buf as it was (or drop the batch and send it as CSV).
	_, err = enc.AppendRow(buf, [][]byte{[]byte("43"), []byte("x"), []byte("2000-01-01 01:00:00")})
	fmt.Println(errors.Is(err, copybin.ErrNotConvertible), err)
	// Output:
	// <nil>
	// 00 03 00 00 00 08 00 00 00 00 00 00 00 2a ff ff ff ff 00 00 00 08 00 00 00 00 00 07 a1 20 ff ff
	// true copybin: not convertible: column 2 (timestamp with time zone): "2000-01-01 01:00:00"
}
