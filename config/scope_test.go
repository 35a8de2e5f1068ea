package config

import (
	"strings"
	"testing"
)

// TestScopeProperties: install_properties merge over the defaults, a
// file's user_properties replace them, and contradictions are errors that
// say what to change.
func TestScopeProperties(t *testing.T) {
	c := Default()
	err := Decode([]byte(`version: 1
events:
  install_properties:
    region: region
    current_platform: os
  user_properties: [is_admin, plan]
`), &c)
	if err != nil {
		t.Fatal(err)
	}
	ip := c.Events.InstallProperties
	if ip["region"] != "region" || ip["current_platform"] != "os" || ip["deployment_method"] != "deployment_method" || ip["current_version"] != "app_version" {
		t.Fatalf("install_properties not merged over the defaults: %v", ip)
	}
	if got := strings.Join(c.Events.UserProperties, ","); got != "is_admin,plan" {
		t.Fatalf("user_properties = %s, want the file's list", got)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid scope lists rejected: %v", err)
	}
	if d := Default(); d.Events.InstallProperties["region"] != "" {
		t.Fatal("decoding changed the defaults of the next config")
	}

	bad := Default()
	if err := Decode([]byte(`version: 1
events:
  install_properties: {is_admin: "", "": x, environment: " env"}
  user_properties: [is_admin, ""]
`), &bad); err != nil {
		t.Fatal(err)
	}
	err = bad.Validate()
	if err == nil {
		t.Fatal("contradictory scope lists accepted")
	}
	for _, want := range []string{
		"events.install_properties.is_admin: is_admin is also in events.user_properties",
		"events.install_properties: a person property name cannot be empty",
		`events.install_properties.environment: " env" has spaces`,
		"events.user_properties: a property name cannot be empty",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
