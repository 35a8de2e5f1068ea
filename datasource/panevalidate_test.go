package datasource

import (
	"strings"
	"testing"
)

// TestPaneValidateNames: an empty event name or a prefix without a
// property would reach the adapters as a query for nothing.
func TestPaneValidateNames(t *testing.T) {
	for _, tt := range []struct {
		spec PaneSpec
		want string
	}{
		{PaneSpec{ID: "a", Events: []string{"x", " "}}, "events: an event name cannot be empty"},
		{PaneSpec{ID: "a", Events: []string{"x"}, Breakdown: []string{"person."}}, `breakdown "person.": name the property after the prefix`},
		{PaneSpec{ID: "a", Events: []string{"x"}, Breakdown: []string{"event."}}, `breakdown "event.": name the property`},
	} {
		if err := tt.spec.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.spec, err, tt.want)
		}
	}
	if err := (PaneSpec{ID: "a", Events: []string{"x"}, Breakdown: []string{"person.role", "event.error_type"}}).Validate(); err != nil {
		t.Errorf("valid spec refused: %v", err)
	}
}
