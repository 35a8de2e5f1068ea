package collector

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"mime"
	"net/url"
	"strings"
)

// payload is what decoding needs from an HTTP request; keeping it apart
// from *http.Request lets the fuzz target drive decoding directly.
type payload struct {
	body        []byte
	query       url.Values
	contentType string // Content-Type header
	encoding    string // Content-Encoding header
}

// compression is how the JSON text is packed, from the hints PostHog reads.
type compression int

const (
	compNone compression = iota
	compGzip
	compLZ64
	compBase64
)

func parseCompression(s string) compression {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "gzip", "gzip-js":
		return compGzip
	case "lz64", "lz-string":
		return compLZ64
	case "base64", "b64":
		return compBase64
	}
	return compNone
}

var gzipMagic = []byte{0x1f, 0x8b, 8}

// unwrap turns a request's payload into JSON text, following PostHog's
// extract_payload_bytes and decompress_payload
// (rust/capture/src/payload/common.rs, decompression.rs): take ?data= or the
// body; undo a whole-payload base64 wrapping; open an urlencoded form and
// take its "data" field; decompress by hint (query, then form, then
// Content-Encoding) or gzip magic; undo a base64 wrapping left inside. It
// also returns an api_key/token form field, if any. limit caps the text.
func unwrap(p payload, limit int) (text []byte, formToken string, err error) {
	raw := p.body
	if d := p.query.Get("data"); d != "" {
		raw = []byte(fixSpaces(d))
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, "", badPayload("empty_payload", "request missing data payload")
	}
	hint := parseCompression(p.query.Get("compression"))
	if hint == compNone {
		hint = parseCompression(p.encoding)
	}
	// lz64 text is base64 too; decoding it as plain base64 would ruin it.
	if hint != compLZ64 && hint != compBase64 && !isLikelyForm(raw) && isLikelyBase64(raw) {
		if dec, err := decodeBase64(raw); err == nil {
			raw = dec
		}
	}
	// A form, unless it is JSON: a URL inside a JSON body can hold "&_=",
	// and some clients label JSON as a form.
	if !looksJSON(raw) && (isForm(p.contentType) || isLikelyForm(raw)) {
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, "", badPayload("invalid_form", "invalid urlencoded form data")
		}
		formToken = strings.TrimSpace(firstNonEmpty(form.Get("api_key"), form.Get("token")))
		data := form.Get("data")
		if data == "" {
			return nil, "", badPayload("invalid_form", "form holds no data field")
		}
		raw = []byte(fixSpaces(data))
		if h := parseCompression(form.Get("compression")); parseCompression(p.query.Get("compression")) == compNone && h != compNone {
			hint = h
		}
	}
	text, err = decompress(raw, hint, limit)
	if err != nil {
		return nil, "", err
	}
	// Some SDK versions base64 the JSON and then say nothing about it. JSON
	// itself never looks like base64 ('{' and '[' are not in the alphabet).
	if isLikelyBase64(text) {
		if dec, err := decodeBase64(text); err == nil {
			text = dec
		}
	}
	return text, formToken, nil
}

func decompress(raw []byte, hint compression, limit int) ([]byte, error) {
	switch {
	case hint == compGzip || bytes.HasPrefix(raw, gzipMagic):
		return gunzip(raw, limit)
	case hint == compLZ64:
		units, err := decodeLZ64(string(bytes.TrimSpace(raw)), limit)
		if err == errLZTooLarge {
			return nil, tooLarge("decompressed_too_large", "decompressed lz64 payload exceeds %d bytes", limit)
		}
		if err != nil {
			return nil, badPayload("invalid_lz64", "invalid lz64 data")
		}
		text, err := utf16ToUTF8(units, limit)
		if err != nil {
			return nil, tooLarge("decompressed_too_large", "decompressed lz64 payload exceeds %d bytes", limit)
		}
		return text, nil
	case hint == compBase64:
		dec, err := decodeBase64(raw)
		if err != nil {
			return nil, badPayload("invalid_base64", "invalid base64 data")
		}
		return dec, nil
	}
	if len(raw) > limit {
		return nil, tooLarge("too_large", "payload exceeds %d bytes", limit)
	}
	return raw, nil
}

// gunzip decompresses at most limit bytes: a gzip bomb stops at limit+1
// bytes read, never at what it would expand to.
func gunzip(raw []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, badPayload("invalid_gzip", "invalid gzip data")
	}
	var buf bytes.Buffer
	buf.Grow(min(len(raw)*4, limit) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, badPayload("invalid_gzip", "invalid gzip data")
	}
	if buf.Len() > limit {
		return nil, tooLarge("decompressed_too_large", "decompressed payload exceeds %d bytes", limit)
	}
	return buf.Bytes(), nil
}

func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// isLikelyForm mirrors PostHog's is_likely_urlencoded_form: a form field the
// SDKs send appears within the first 128 bytes.
func isLikelyForm(b []byte) bool {
	prefix := b[:min(len(b), 128)]
	for _, key := range []string{"data=", "_=", "ip=", "compression="} {
		if bytes.HasPrefix(prefix, []byte(key)) || bytes.Contains(prefix, []byte("&"+key)) {
			return true
		}
	}
	return false
}

// isLikelyBase64 is PostHog's is_likely_base64 check, widened to the URL
// alphabet and unpadded text (GET payloads): the first 128 bytes are base64
// characters and the length is one base64 can have. JSON never passes:
// '{', '[' and '"' are not in either alphabet.
func isLikelyBase64(b []byte) bool {
	if len(b) < 4 || len(b)%4 == 1 {
		return false
	}
	for _, c := range b[:min(len(b), 128)] {
		if !isBase64Char(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/' || c == '='
}

// decodeBase64 accepts the standard and URL alphabets, padded or not: GET
// payloads arrive URL-safe, form payloads standard.
func decodeBase64(b []byte) ([]byte, error) {
	s := strings.TrimRight(strings.TrimSpace(string(b)), "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	return enc.DecodeString(s)
}

// fixSpaces restores the '+' that form and query decoding turned into ' '
// in a base64 value, as PostHog does for "loose" base64 form data.
func fixSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && !isBase64Char(c) && c != '-' && c != '_' {
			return s
		}
	}
	return strings.ReplaceAll(s, " ", "+")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
