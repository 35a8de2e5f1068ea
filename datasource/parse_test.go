package datasource

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want Filter
	}{
		{"deployment_method=docker", Filter{Key: "deployment_method", Op: OpEq, Values: []string{"docker"}}},
		{"  deployment_method = docker  ", Filter{Key: "deployment_method", Op: OpEq, Values: []string{"docker"}}},
		{"k==v", Filter{Key: "k", Op: OpEq, Values: []string{"v"}}},
		{"person.is_admin != true", Filter{Scope: ScopePerson, Key: "is_admin", Op: OpNeq, Values: []string{"true"}}},
		{"event.app_version in (4.2.0, \"4.2.1\")", Filter{Scope: ScopeEvent, Key: "app_version", Op: OpIn, Values: []string{"4.2.0", "4.2.1"}}},
		{"auth_method NOT IN (ldap,both)", Filter{Key: "auth_method", Op: OpNotIn, Values: []string{"ldap", "both"}}},
		{"current_version is set", Filter{Key: "current_version", Op: OpIsSet}},
		{"current_version IS NOT SET", Filter{Key: "current_version", Op: OpIsNotSet}},
		{"current_version is latest", Filter{Key: "current_version", Op: OpLatest}},
		{"person.current_version Is Not Latest", Filter{Scope: ScopePerson, Key: "current_version", Op: OpNotLatest}},
		{`error_message = "Database is locked"`, Filter{Key: "error_message", Op: OpEq, Values: []string{"Database is locked"}}},
		{`error_message = Database is locked`, Filter{Key: "error_message", Op: OpEq, Values: []string{"Database is locked"}}},
		{`error_message='it\'s "x"'`, Filter{Key: "error_message", Op: OpEq, Values: []string{`it's "x"`}}},
		{`k=""`, Filter{Key: "k", Op: OpEq, Values: []string{""}}},
		{`k in ("a, b", 'c)')`, Filter{Key: "k", Op: OpIn, Values: []string{"a, b", "c)"}}},
		{`$os=Linux`, Filter{Key: "$os", Op: OpEq, Values: []string{"Linux"}}},
		{`person."odd key"=1`, Filter{Scope: ScopePerson, Key: "odd key", Op: OpEq, Values: []string{"1"}}},
		{`"person.literal"=1`, Filter{Key: "person.literal", Op: OpEq, Values: []string{"1"}}},
		{`inverted=in`, Filter{Key: "inverted", Op: OpEq, Values: []string{"in"}}},
		{`stage in (x)`, Filter{Key: "stage", Op: OpIn, Values: []string{"x"}}},
		{`ünïcode=日本`, Filter{Key: "ünïcode", Op: OpEq, Values: []string{"日本"}}},
		{`cohort=12`, Filter{Scope: ScopeCohort, Key: "12", Op: OpEq}},
		{`cohort != 12`, Filter{Scope: ScopeCohort, Key: "12", Op: OpNeq}},
		{`person.cohort=12`, Filter{Scope: ScopePerson, Key: "cohort", Op: OpEq, Values: []string{"12"}}},
		{`"cohort"=12`, Filter{Key: "cohort", Op: OpEq, Values: []string{"12"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFilter(tt.in)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseFilter(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			back, err := ParseFilter(got.String())
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip of %q via %q = %#v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string
		wantCol int
	}{
		{"", "empty filter", 1},
		{"   ", "empty filter", 4},
		{"deployment_method", "needs a condition", 18},
		{"k=", "missing value", 3},
		{"k !=   ", "missing value", 8},
		{"k ~ v", "expected =, !=, in", 3},
		{"k in a, b", "expected a list in parentheses", 6},
		{"k in ()", "the list is empty", 7},
		{"k in (a, b", "the list is not closed", 11},
		{"k in (a b)", "expected , or )", 9},
		{"k in (a,)", "unexpected \")\"", 9},
		{"k in (a) extra", "unexpected \"extra\"", 10},
		{"k not (a)", "expected 'not in", 3},
		{"k is", "expected 'is set'", 3},
		{"k is nothing", "expected 'is set'", 3},
		{"k is set please", "unexpected \"please\"", 10},
		{`k="open`, "not closed", 3},
		{`k="a" b`, "unexpected \"b\"", 7},
		{`k="\q"`, "bad escape", 3},
		{"=v", "expected a property name", 1},
		{"person.=v", "expected a property name", 1},
		{"cohort in (1)", "write cohort=ID", 8},
		{"cohort=", "missing value", 8},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseFilter(tt.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseFilter(%q) error = %v, want a *ParseError", tt.in, err)
			}
			if !strings.Contains(pe.Msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tt.wantMsg)
			}
			if col := len([]rune(tt.in[:pe.Pos])) + 1; col != tt.wantCol {
				t.Errorf("column = %d, want %d (%v)", col, tt.wantCol, err)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	eq := Filter{Key: "k", Op: OpEq, Values: []string{"a"}}
	neq := Filter{Key: "k", Op: OpNeq, Values: []string{"a"}}
	in := Filter{Key: "k", Op: OpIn, Values: []string{"a", "b"}}
	nin := Filter{Key: "k", Op: OpNotIn, Values: []string{"a", "b"}}
	set := Filter{Key: "k", Op: OpIsSet}
	unset := Filter{Key: "k", Op: OpIsNotSet}
	tests := []struct {
		f    Filter
		v    string
		set  bool
		want bool
	}{
		{eq, "a", true, true}, {eq, "b", true, false}, {eq, "", false, false},
		{neq, "a", true, false}, {neq, "b", true, true}, {neq, "", false, true},
		{in, "b", true, true}, {in, "c", true, false}, {in, "", false, false},
		{nin, "b", true, false}, {nin, "c", true, true}, {nin, "", false, true},
		{set, "", true, true}, {set, "", false, false},
		{unset, "x", true, false}, {unset, "", false, true},
	}
	for _, tt := range tests {
		if got := tt.f.Match(tt.v, tt.set); got != tt.want {
			t.Errorf("%s .Match(%q, %v) = %v, want %v", tt.f, tt.v, tt.set, got, tt.want)
		}
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		in   any
		want string
		ok   bool
	}{
		{nil, "", false},
		{"x", "x", true},
		{true, "true", true},
		{float64(12), "12", true},
		{1.5, "1.5", true},
		{map[string]any{"a": 1.0}, `{"a":1}`, true},
		{[]any{"a", 2.0}, `["a",2]`, true},
	}
	for _, tt := range tests {
		got, ok := ValueString(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ValueString(%#v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResolveScopes(t *testing.T) {
	known := []Property{{"deployment_method", ScopePerson}, {"deployment_method", ScopeEvent}, {"app_version", ScopeEvent}}
	in := []Filter{
		{Key: "deployment_method", Op: OpIsSet},
		{Key: "app_version", Op: OpIsSet},
		{Key: "never_seen", Op: OpIsSet},
		{Scope: ScopeEvent, Key: "deployment_method", Op: OpIsSet},
	}
	got := ResolveScopes(in, known)
	want := []Scope{ScopePerson, ScopeEvent, ScopePerson, ScopeEvent}
	for i := range got {
		if got[i].Scope != want[i] {
			t.Errorf("filter %d (%s) scope = %v, want %v", i, in[i], got[i].Scope, want[i])
		}
	}
	if in[0].Scope != ScopeAuto {
		t.Error("ResolveScopes changed its input")
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"deployment_method=docker", "person.is_admin != true", `k in ("a, b", 'c)')`,
		"k is not set", `person."odd key"=1`, `"person.x"=y`, "k=\xff", "k in (\xff)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("ParseFilter(%q): bad error %v", s, err)
			}
			_ = err.Error()
			return
		}
		back, err := ParseFilter(got.String())
		if err != nil {
			t.Fatalf("ParseFilter(%q) = %#v renders as %q, which does not parse: %v", s, got, got.String(), err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("round trip of %q: %#v -> %q -> %#v", s, got, got.String(), back)
		}
	})
}
