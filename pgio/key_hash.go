package pgio

// FNV-1a, 64 bits: the partition hashes of key affinity (rows routed to workers by
// key).
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvMix mixes byte c into hash h.
func fnvMix(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

// hashFields hashes the key fields of a record (NULL distinct from empty) for key
// affinity. Records with too few fields hash what they have; the server rejects them.
func hashFields(fields [][]byte, idx []int) uint64 {
	h := uint64(fnvOffset)
	for _, i := range idx {
		if i >= len(fields) || fields[i] == nil {
			h = fnvMix(h, 0xff)
			continue
		}
		for _, c := range fields[i] {
			h = fnvMix(h, c)
		}
		h = fnvMix(h, 0xfe)
	}
	return h
}

// hashInt hashes an integer key's value (its 8 bytes), for key affinity.
func hashInt(v int64) uint64 {
	h := uint64(fnvOffset)
	for i := range 8 {
		h = fnvMix(h, byte(v>>(8*i)))
	}
	return h
}
