package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	dsfigures "github.com/ttmon/ttmon/datasource/figures"
	"github.com/ttmon/ttmon/datasource/shared"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestPickerOverDecoratedStore: `ttmon ssh` over the embedded store wraps
// it in figures and shared; the picker offers no PostHog section there,
// and does over a source that keeps cohorts.
func TestPickerOverDecoratedStore(t *testing.T) {
	rule := datasource.DefaultLatestRule()
	for _, tc := range []struct {
		src  datasource.Source
		want bool
	}{
		{shared.New(dsfigures.New(&tuitest.Source{}, rule), time.Minute), false},
		{shared.New(dsfigures.New(listerSrc{&tuitest.Source{}}, rule), time.Minute), true},
	} {
		m := newTest(t, tc.src, Options{}, 120, 40)
		feed(m, fixture(m))
		hit(m, "c")
		if v := ansi.Strip(screen(m)); strings.Contains(v, "PostHog cohorts") != tc.want {
			t.Errorf("PostHog section shown: %v, want %v:\n%s", !tc.want, tc.want, v)
		}
	}
}
