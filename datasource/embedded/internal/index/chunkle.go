package index

import (
	"encoding/binary"
	"unsafe"
)

// littleEndian reports whether the machine stores integers as the blobs
// do, so a column can be copied as bytes.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// copyLE16 fills dst from src, little-endian uint16s; a short src (nil
// after a failed take) leaves dst as it is.
func copyLE16[T ~uint16 | ~int16](dst []T, src []byte) {
	if len(src) < 2*len(dst) || len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 2*len(dst)), src)
		return
	}
	for i := range dst {
		dst[i] = T(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// copyLE32 fills dst from src, little-endian uint32s; a short src leaves
// dst as it is.
func copyLE32[T ~uint32 | ~int32](dst []T, src []byte) {
	if len(src) < 4*len(dst) || len(dst) == 0 {
		return
	}
	if littleEndian {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), src)
		return
	}
	for i := range dst {
		dst[i] = T(binary.LittleEndian.Uint32(src[4*i:]))
	}
}
