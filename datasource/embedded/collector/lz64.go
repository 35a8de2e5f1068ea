package collector

import (
	"errors"
	"unicode/utf8"
)

// LZ-string (pieroxy/lz-string) compressToBase64 output is what older
// posthog-js sends with compression=lz64. The format is an LZW variant whose
// codes are packed LSB-first, 6 bits per base64 character, with a code width
// that grows as the dictionary does. This decoder follows the reference
// _decompress(length, 32, ...) step for step, except that:
//   - a dictionary entry is a span of the output, not a copied string (each
//     entry is the previous output chunk plus one unit, which sits right
//     after it), so memory stays linear in the output;
//   - output is capped, so a small input cannot expand without bound;
//   - truncated or inconsistent input is an error, where lz-string returns
//     "" or null.

var (
	errLZEmpty     = errors.New("lz64: empty input")
	errLZTruncated = errors.New("lz64: input ends mid-stream")
	errLZBadCode   = errors.New("lz64: invalid dictionary code")
	errLZTooLarge  = errors.New("lz64: output exceeds the limit")
)

// lzValue maps a base64 character to its 6-bit value. Characters outside the
// alphabet count as 0, as lz-string's getBaseValue lookup yields undefined
// for them and undefined & bit is 0. '=' is in lz-string's alphabet at 64,
// whose low six bits are all zero, so it reads as 0 too.
var lzValue = func() (t [256]uint8) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = uint8(i)
	}
	return t
}()

type lzBits struct {
	in       string
	val      int // bits of the current character
	position int // next bit to read in val; 32 down to 1
	index    int // index of the next character to load
}

func (r *lzBits) read(n int) int {
	res := 0
	for i := 0; i < n; i++ {
		if r.val&r.position != 0 {
			res |= 1 << i
		}
		r.position >>= 1
		if r.position == 0 {
			r.position = 32
			r.val = 0
			if r.index < len(r.in) {
				r.val = int(lzValue[r.in[r.index]])
			}
			r.index++
		}
	}
	return res
}

// lzSpan is a dictionary entry: out[off : off+n].
type lzSpan struct{ off, n int32 }

// lzOut is the output and the dictionary of spans into it.
type lzOut struct {
	out  []uint16
	dict []lzSpan
	max  int
}

// emit appends the entry for code (w + w[0] when code is the entry being
// defined, lz-string's KwKwK case) and returns its span.
func (d *lzOut) emit(code int, w lzSpan) (lzSpan, error) {
	start := len(d.out)
	switch {
	case code < len(d.dict):
		e := d.dict[code]
		if start+int(e.n) > d.max {
			return lzSpan{}, errLZTooLarge
		}
		d.out = append(d.out, d.out[e.off:e.off+e.n]...)
	case code == len(d.dict):
		if start+int(w.n)+1 > d.max {
			return lzSpan{}, errLZTooLarge
		}
		d.out = append(d.out, d.out[w.off:w.off+w.n]...)
		d.out = append(d.out, d.out[w.off])
	default:
		return lzSpan{}, errLZBadCode
	}
	return lzSpan{int32(start), int32(len(d.out) - start)}, nil
}

// decodeLZ64 decompresses LZ-string base64 text into UTF-16 code units,
// failing once the output would exceed maxUnits.
func decodeLZ64(in string, maxUnits int) ([]uint16, error) {
	if in == "" {
		return nil, errLZEmpty
	}
	r := lzBits{in: in, val: int(lzValue[in[0]]), position: 32, index: 1}
	d := lzOut{out: make([]uint16, 0, min(len(in)*2, maxUnits)), max: min(maxUnits, 1<<30)}
	var first uint16
	switch r.read(2) {
	case 0:
		first = uint16(r.read(8))
	case 1:
		first = uint16(r.read(16))
	case 2:
		return d.out, nil // the empty string
	default:
		return nil, errLZBadCode
	}
	// Codes 0..2 are the literal-8, literal-16 and end markers; 3 is the
	// first character.
	d.dict = append(make([]lzSpan, 3, 256), lzSpan{0, 1})
	d.out = append(d.out, first)
	w := lzSpan{0, 1}
	enlargeIn, numBits := 4, 3
	for {
		if r.index > len(in) {
			return nil, errLZTruncated
		}
		code := r.read(numBits)
		var entry lzSpan
		literal := false
		switch code {
		case 0, 1:
			// A literal becomes an entry and is output at once.
			ch := uint16(r.read(8 << code))
			entry = lzSpan{int32(len(d.out)), 1}
			d.dict = append(d.dict, entry)
			d.out = append(d.out, ch)
			if len(d.out) > d.max {
				return nil, errLZTooLarge
			}
			enlargeIn--
			literal = true
		case 2:
			return d.out, nil
		}
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
		if !literal {
			var err error
			if entry, err = d.emit(code, w); err != nil {
				return nil, err
			}
		}
		// w + entry[0]: w's span extended by one, since entry follows it.
		d.dict = append(d.dict, lzSpan{w.off, w.n + 1})
		enlargeIn--
		w = entry
		if enlargeIn == 0 {
			enlargeIn = 1 << numBits
			numBits++
		}
	}
}

// utf16ToUTF8 converts decoded LZ-string output to UTF-8. A lone surrogate
// becomes U+FFFD rather than failing the request: posthog-js can cut a
// string between the halves of a pair, and the rest of the event is fine.
func utf16ToUTF8(units []uint16, maxBytes int) ([]byte, error) {
	out := make([]byte, 0, len(units))
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		switch {
		case r >= 0xD800 && r < 0xDC00 && i+1 < len(units) &&
			units[i+1] >= 0xDC00 && units[i+1] < 0xE000:
			r = (r-0xD800)<<10 + (rune(units[i+1]) - 0xDC00) + 0x10000
			i++
		case r >= 0xD800 && r < 0xE000:
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
		if len(out) > maxBytes {
			return nil, errLZTooLarge
		}
	}
	return out, nil
}
