package cohort

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

// lister is a source with backend cohorts (like PostHog) whose Values
// answer is fixed.
type lister struct {
	datasource.Source
	cohorts []datasource.Cohort
	err     error
	values  []datasource.ValueCount
	asked   datasource.ValuesQuery
}

func (l *lister) Cohorts(context.Context) ([]datasource.Cohort, error) { return l.cohorts, l.err }

func (l *lister) Values(_ context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	l.asked = q
	return l.values, nil
}

func TestFindAndResolve(t *testing.T) {
	src := &lister{
		cohorts: []datasource.Cohort{{ID: "12", Name: "Power users", Count: 40}, {ID: "13", Name: "Churned", Count: -1}},
		values:  []datasource.ValueCount{{Value: "4.9.0", Count: 90}, {Value: "unknown", Count: 9}, {Value: "4.10.0-rc1", Count: 2}, {Value: "4.9.1", Count: 1}},
	}
	cat := Catalog{
		Saved: []Cohort{{Name: "Docker on 4.9", Filters: []string{"deployment_method=docker", "current_version in (4.9.0, 4.9.1)"}}},
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"Docker users on latest", []string{"deployment_method=docker", "current_version is latest"}},
		{"admins using oidc", []string{"is_admin=true", "auth_method=oidc"}},
		{"Docker on 4.9", []string{"deployment_method=docker", "current_version in (4.9.0, 4.9.1)"}},
		{"Power users", []string{"cohort=12"}},
		{"churned", []string{"cohort=13"}},
	} {
		fs, err := cat.ResolveName(ctx, src, tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := datasource.FilterStrings(fs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if src.asked.Key != "" {
		t.Errorf("resolving a cohort asked the source for values: %+v", src.asked)
	}
	_, err := cat.ResolveName(ctx, src, "Nope")
	if !errors.Is(err, ErrUnknown) {
		t.Fatalf("unknown name: %v", err)
	}
	for _, want := range []string{`"Nope"`, `"Docker users on latest"`, `"Admins using OIDC"`, `"Docker on 4.9"`, `"Power users"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %s", err, want)
		}
	}
}

func TestBackendFailureIsNamed(t *testing.T) {
	src := &lister{err: errors.New("403 missing scope cohort:read")}
	_, err := Catalog{}.Find(context.Background(), src, "x")
	if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "cohort:read") {
		t.Fatalf("error: %v", err)
	}
}

func TestSavedBadFilter(t *testing.T) {
	cat := Catalog{Saved: []Cohort{{Name: "bad", Filters: []string{"k in (a"}}}}
	_, err := cat.ResolveName(context.Background(), &lister{}, "bad")
	if err == nil || !strings.Contains(err.Error(), `cohort "bad": filter "k in (a"`) {
		t.Fatalf("error: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	ps := Presets()
	if got := ps[0].Describe(); got != "deployment_method=docker · current_version is latest" {
		t.Errorf("preset: %q", got)
	}
	if got := (Cohort{Kind: Backend, ID: "7", Size: 12}).Describe(); got != "cohort=7 · 12 persons" {
		t.Errorf("backend: %q", got)
	}
	if got := (Cohort{Kind: Backend, ID: "7", Size: -1}).Describe(); got != "cohort=7" {
		t.Errorf("backend, size unknown: %q", got)
	}
	local := Catalog{Saved: []Cohort{{Name: "s", Filters: []string{"a=b"}}}}.Local()
	if len(local) != 3 || local[2].Kind != Saved || local[2].Describe() != "a=b" {
		t.Errorf("local: %+v", local)
	}
}
