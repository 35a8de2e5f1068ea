package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/picker"
)

func TestCohortChipsShowNames(t *testing.T) {
	seven, err := datasource.ParseFilter("cohort=7")
	if err != nil {
		t.Fatal(err)
	}
	notNine, _ := datasource.ParseFilter("cohort!=9")
	m, _ := started(t, Options{Filters: []datasource.Filter{seven, notNine}, CohortNames: map[string]string{"7": "Power users"}})
	chips, _ := m.chips(200)
	chips = ansi.Strip(chips)
	if !strings.Contains(chips, "cohort Power users") || strings.Contains(chips, "cohort=7") {
		t.Errorf("chips %q: want the cohort's name for 7", chips)
	}
	if !strings.Contains(chips, "cohort!=9") {
		t.Errorf("chips %q: an unnamed cohort keeps its id", chips)
	}
	// The picker's list names the rest, even if it was closed first.
	m.Update(picker.BackendMsg{Cohorts: []cohort.Cohort{{Name: "Churned", Kind: cohort.Backend, ID: "9"}}})
	chips, _ = m.chips(200)
	if chips = ansi.Strip(chips); !strings.Contains(chips, "not cohort Churned") {
		t.Errorf("chips %q after the list came", chips)
	}
}
