package collector

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/url"
	"testing"
	"time"
)

// Fuzz modes: how the fuzzed bytes are packed before decoding.
const (
	fuzzPlain = iota
	fuzzGzip
	fuzzLZ64
	fuzzBase64Form
	fuzzRawForm
	fuzzQueryData
	fuzzModes
)

// fuzzPayload packs data the way mode says.
func fuzzPayload(data []byte, mode uint8) payload {
	p := payload{query: url.Values{}, contentType: "application/json"}
	switch mode % fuzzModes {
	case fuzzPlain:
		p.body = data
	case fuzzGzip:
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data)
		_ = zw.Close()
		p.body, p.encoding = buf.Bytes(), "gzip"
	case fuzzLZ64:
		// Arbitrary text as lz-string input: the decoder must refuse, not
		// panic or run away.
		p.body = data
		p.query.Set("compression", "lz64")
	case fuzzBase64Form:
		p.body = []byte("data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(data)))
		p.contentType = "application/x-www-form-urlencoded"
	case fuzzRawForm:
		p.body = data
		p.contentType = "application/x-www-form-urlencoded"
	case fuzzQueryData:
		p.query.Set("data", string(data))
	}
	return p
}

// FuzzDecode drives every payload encoding with arbitrary bytes. Decoding
// may refuse anything, but must never panic, and what it accepts must be
// events the store can take.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"api_key":"phc_x","batch":[{"event":"e","distinct_id":"u","properties":{"a":[1,{"b":null}]},"timestamp":"2025-01-01T00:00:00Z"}]}`,
		`[{"event":"e","properties":{"distinct_id":7,"token":"t"},"offset":12,"uuid":"0193B6E4-1F2A-7C3D-8E4F-5A6B7C8D9E0F"}]`,
		`{"event":"$identify","$distinct_id":{"x":1},"$set":{"a":1},"$set_once":{},"sent_at":1700000000000}`,
		`{"batch":[{"event":"x","distinct_id":"` + "\x00" + `","timestamp":1e300,"sent_at":"2025-09-17T14:05:04.805+03"}]}`,
		`data=eyJldmVudCI6ImUifQ==&compression=base64`,
		`BYUwNmD2AEDukCcwBMg=`,
		`[[[[[[[[]]]]]]]]`,
		``,
	}
	for _, v := range loadLZVectors(f)[:6] {
		seeds = append(seeds, v.Compressed)
	}
	for _, s := range seeds {
		for mode := range uint8(fuzzModes) {
			f.Add([]byte(s), mode)
		}
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		req, formToken, aerr := decodeRequest(fuzzPayload(data, mode), 1<<20, 16)
		if aerr != nil {
			if aerr.status != 400 && aerr.status != 413 {
				t.Fatalf("decode refused with %d", aerr.status)
			}
			return
		}
		if len(req.events) == 0 {
			t.Fatal("accepted a request without events")
		}
		_, _ = requestToken(req, formToken, "")
		d := eventDefaults{now: now, sentAt: req.sentAt, hasSentAt: req.hasSentAt}
		for i := range req.events {
			ev, why := req.events[i].toEvent(d)
			if why != "" {
				continue
			}
			if ev.Name == "" || ev.DistinctID == "" || ev.Properties == nil {
				t.Fatalf("incomplete event %+v", ev)
			}
			if ev.UUID != "" && len(ev.UUID) != 36 {
				t.Fatalf("uuid %q", ev.UUID)
			}
			if ev.Timestamp.Sub(now) > futureCutoff || ev.Timestamp.Year() > 9999 {
				t.Fatalf("timestamp %s", ev.Timestamp)
			}
		}
	})
}
