package integration_test

import (
	"encoding/binary"
	"math"
)

func binaryAppendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}
