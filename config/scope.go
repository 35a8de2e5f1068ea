package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// validateScope checks events.install_properties and events.user_properties,
// the two lists that decide which panes a person filter narrows
// (datasource.Mapping.FiltersFor). A file's install_properties are merged
// over the defaults key by key; its user_properties replace the default
// list.
func (c Config) validateScope() []error {
	var errs []error
	m := c.Events
	keys := make([]string, 0, len(m.InstallProperties))
	for k := range m.InstallProperties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m.InstallProperties[k]
		switch {
		case strings.TrimSpace(k) == "":
			errs = append(errs, fmt.Errorf("events.install_properties: a person property name cannot be empty"))
		case strings.TrimSpace(v) != v:
			errs = append(errs, fmt.Errorf("events.install_properties.%s: %q has spaces around it; write the event property's name alone", k, v))
		case slices.Contains(m.UserProperties, k):
			errs = append(errs, fmt.Errorf("events.install_properties.%s: %s is also in events.user_properties; a property belongs to installations or to users, remove it from one", k, k))
		}
	}
	for _, u := range m.UserProperties {
		if strings.TrimSpace(u) == "" {
			errs = append(errs, fmt.Errorf("events.user_properties: a property name cannot be empty"))
		}
	}
	return errs
}
