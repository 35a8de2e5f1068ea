package collector

import (
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestEventTime follows the cases of PostHog's timestamp.rs tests.
func TestEventTime(t *testing.T) {
	now := ts("2023-01-01T12:00:00Z")
	sentAhead := ts("2023-01-01T12:00:10Z")
	sentBehind := ts("2023-01-01T11:59:50Z")
	cases := []struct {
		name      string
		timestamp any
		offset    any
		sentAt    time.Time
		hasSentAt bool
		want      string
	}{
		{"client clock ahead", "2023-01-01T11:00:00Z", nil, sentAhead, true, "2023-01-01T10:59:50Z"},
		{"client clock behind", "2023-01-01T11:00:00Z", nil, sentBehind, true, "2023-01-01T11:00:10Z"},
		{"aligned clocks", "2023-01-01T11:00:00Z", nil, now, true, "2023-01-01T11:00:00Z"},
		{"no sent_at", "2023-01-01T11:00:00Z", nil, time.Time{}, false, "2023-01-01T11:00:00Z"},
		{"no timestamp", nil, nil, time.Time{}, false, "2023-01-01T12:00:00Z"},
		{"no timestamp, sent_at", nil, nil, sentAhead, true, "2023-01-01T12:00:00Z"},
		{"unparseable", "not a date", nil, sentAhead, true, "2023-01-01T12:00:00Z"},
		{"offset wins", "2020-01-01T00:00:00Z", float64(5000), sentAhead, true, "2023-01-01T11:59:55Z"},
		{"offset alone", nil, float64(60000), time.Time{}, false, "2023-01-01T11:59:00Z"},
		{"absurd offset ignored", "2023-01-01T11:00:00Z", float64(1e300), time.Time{}, false, "2023-01-01T11:00:00Z"},
		{"22h ahead kept", "2023-01-02T10:00:00Z", nil, time.Time{}, false, "2023-01-02T10:00:00Z"},
		{"24h ahead clamped", "2023-01-02T12:00:00Z", nil, time.Time{}, false, "2023-01-01T12:00:00Z"},
		{"skew into the future clamped", "2023-01-01T11:00:00Z", nil, ts("2022-12-30T12:00:00Z"), true, "2023-01-01T12:00:00Z"},
		{"past kept", "2019-03-04T05:06:07Z", nil, time.Time{}, false, "2019-03-04T05:06:07Z"},
		{"millis number", float64(1672570800000), nil, time.Time{}, false, "2023-01-01T11:00:00Z"},
		{"seconds number", float64(1672570800), nil, time.Time{}, false, "2023-01-01T11:00:00Z"},
		{"huge number", float64(1e30), nil, time.Time{}, false, "2023-01-01T12:00:00Z"},
		{"skew past year 0", "0001-01-01T00:00:00Z", nil, ts("9999-01-01T00:00:00Z"), true, "1970-01-01T00:00:00Z"},
	}
	for _, tc := range cases {
		got := eventTime(tc.timestamp, tc.offset, tc.sentAt, tc.hasSentAt, now)
		if want := ts(tc.want); !got.Equal(want) {
			t.Errorf("%s: got %s, want %s", tc.name, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	cases := map[string]string{
		"2023-01-01T12:00:00Z":             "2023-01-01T12:00:00Z",
		"2023-01-01T12:00:00.123456789Z":   "2023-01-01T12:00:00.123456789Z",
		"2023-01-01T12:00:00.123456+00:00": "2023-01-01T12:00:00.123456Z",
		"2025-09-17T14:05:04.805+03":       "2025-09-17T11:05:04.805Z",
		"2025-09-17T14:05:04-05":           "2025-09-17T19:05:04Z",
		"2023-01-01T12:00:00+0200":         "2023-01-01T10:00:00Z",
		"2023-01-01T12:00:00":              "2023-01-01T12:00:00Z",
		"2023-01-01 12:00:00":              "2023-01-01T12:00:00Z",
		"2023-01-01 12:00:00.5+01:00":      "2023-01-01T11:00:00.5Z",
		"2023-01-01":                       "2023-01-01T00:00:00Z",
		"1672574400000":                    "2023-01-01T12:00:00Z",
		"1672574400":                       "2023-01-01T12:00:00Z",
		"1672574400.5":                     "2023-01-01T12:00:00.5Z",
		"Sun, 01 Jan 2023 12:00:00 +0000":  "2023-01-01T12:00:00Z",
	}
	for in, want := range cases {
		got, ok := parseTime(in)
		if !ok || !got.Equal(ts(want)) {
			t.Errorf("parseTime(%q) = %s, %v; want %s", in, got.Format(time.RFC3339Nano), ok, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2023-13-45", "12:00", "1e5", "--1", "2023-01-01T25:00:00Z"} {
		if got, ok := parseTime(bad); ok {
			t.Errorf("parseTime(%q) = %s, want failure", bad, got)
		}
	}
}

func TestQuerySentAt(t *testing.T) {
	if got, ok := querySentAt("1748779200000"); !ok || !got.Equal(ts("2025-06-01T12:00:00Z")) {
		t.Fatalf("ms: %v %v", got, ok)
	}
	// Seconds from an old posthog-js land in 1970 as millis: ignored.
	for _, bad := range []string{"1748779200", "abc", ""} {
		if _, ok := querySentAt(bad); ok {
			t.Errorf("querySentAt(%q) accepted", bad)
		}
	}
}

// TestSentAtThroughHTTP checks that each source of sent_at reaches the rule.
func TestSentAtThroughHTTP(t *testing.T) {
	// fixedNow is 12:00; the client's clock says 12:00:30 when it sends.
	ev := func(extra string) string {
		return `{"event":"e","distinct_id":"u","timestamp":"2025-06-01T11:00:30Z"` + extra + `}`
	}
	cases := map[string]struct{ target, body, want string }{
		"batch sent_at":  {"/batch/", `{"api_key":"` + testToken + `","sent_at":"2025-06-01T12:00:30Z","batch":[` + ev("") + `]}`, "2025-06-01T11:00:00Z"},
		"event sent_at":  {"/batch/", `{"api_key":"` + testToken + `","sent_at":"2025-06-01T12:00:00Z","batch":[` + ev(`,"sent_at":"2025-06-01T12:00:30Z"`) + `]}`, "2025-06-01T11:00:00Z"},
		"single sent_at": {"/e/?token=" + testToken, ev(`,"sent_at":"2025-06-01T12:00:30Z"`), "2025-06-01T11:00:00Z"},
		"query _":        {"/e/?_=1748779230000&token=" + testToken, `[` + ev("") + `]`, "2025-06-01T11:00:00Z"},
		"ignore_sent_at": {"/batch/", `{"api_key":"` + testToken + `","sent_at":"2025-06-01T12:00:30Z","batch":[` + ev(`,"properties":{"$ignore_sent_at":true}`) + `]}`, "2025-06-01T11:00:30Z"},
		"offset":         {"/e/?token=" + testToken, `{"event":"e","distinct_id":"u","offset":1500}`, "2025-06-01T11:59:58.5Z"},
	}
	for name, tc := range cases {
		c, rec := newTestCollector(t)
		wantOK(t, postJSON(c, tc.target, tc.body))
		evs := rec.got()
		if len(evs) != 1 || !evs[0].Timestamp.Equal(ts(tc.want)) {
			t.Errorf("%s: stored %+v, want time %s", name, evs, tc.want)
		}
	}
}
