package embedded

import (
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// personUpdate is what one event asks of its person, flattened from
// "$set", "$set_once" and "$unset" (including TimeTracker's nested
// "$set": {"$set": {...}, "$set_once": {...}} form).
type personUpdate struct {
	set, setOnce map[string]any
	unset        []string
}

func (u *personUpdate) empty() bool {
	return len(u.set) == 0 && len(u.setOnce) == 0 && len(u.unset) == 0
}

// record is the per-event person_update column: the flattened update under
// PostHog's own keys, so drill views can show it as the event carried it.
func (u *personUpdate) record() map[string]any {
	m := map[string]any{}
	if len(u.set) > 0 {
		m["$set"] = u.set
	}
	if len(u.setOnce) > 0 {
		m["$set_once"] = u.setOnce
	}
	if len(u.unset) > 0 {
		m["$unset"] = u.unset
	}
	return m
}

// personUpdateOf reads what an event asks of its person. The event's own
// properties are everything else; the propset skips these three keys.
func personUpdateOf(in map[string]any) personUpdate {
	var u personUpdate
	// Plain keys first, nested forms after, so the outcome does not depend
	// on map order: a nested "$set" wins over a plain key of the same name.
	if m, ok := in["$set"].(map[string]any); ok {
		for k, v := range m {
			if !isPersonKey(k) {
				u.put(&u.set, k, v)
			}
		}
		if n, ok := m["$set"].(map[string]any); ok {
			for k, v := range n {
				u.put(&u.set, k, v)
			}
		}
		if n, ok := m["$set_once"].(map[string]any); ok {
			for k, v := range n {
				u.put(&u.setOnce, k, v)
			}
		}
		u.addUnset(m["$unset"])
	}
	if m, ok := in["$set_once"].(map[string]any); ok {
		for k, v := range m {
			u.put(&u.setOnce, k, v)
		}
	}
	u.addUnset(in["$unset"])
	slices.Sort(u.unset)
	u.unset = slices.Compact(u.unset)
	return u
}

func (u *personUpdate) put(m *map[string]any, k string, v any) {
	if *m == nil {
		*m = map[string]any{}
	}
	(*m)[k] = v
}

// addUnset accepts a list of keys, or an object whose keys are unset.
func (u *personUpdate) addUnset(v any) {
	switch x := v.(type) {
	case []any:
		for _, k := range x {
			if s, ok := k.(string); ok {
				u.unset = append(u.unset, s)
			}
		}
	case []string:
		u.unset = append(u.unset, x...)
	case map[string]any:
		for k := range x {
			u.unset = append(u.unset, k)
		}
	}
}

// applyTo changes props in PostHog's order ($set_once, then $set, then
// $unset) and reports whether anything changed.
func (u *personUpdate) applyTo(props map[string]any) bool {
	changed := false
	for k, v := range u.setOnce {
		if _, ok := props[k]; !ok {
			props[k] = v
			changed = true
		}
	}
	for k, v := range u.set {
		if old, ok := props[k]; !ok || !reflect.DeepEqual(old, v) {
			props[k] = v
			changed = true
		}
	}
	for _, k := range u.unset {
		if _, ok := props[k]; ok {
			delete(props, k)
			changed = true
		}
	}
	return changed
}

// merge folds the person of other into the person of keep ($identify,
// $create_alias): other's distinct ids move to keep's person, properties
// merge with the survivor's values winning, the loser row is deleted. An
// unknown other simply becomes another distinct id of keep's person.
func (w *writer) merge(keep didRef, other string, tsMs int64) error {
	o, ok := w.dids.get(w.h.str(other))
	if !ok {
		err := w.tx.selDid.QueryRow(other).Scan(&o.id, &o.person)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = w.addDistinct(other, keep.person)
			return err
		} else if err != nil {
			return err
		}
	}
	if o.person == keep.person {
		return nil
	}
	survivor, err := w.person(keep.person)
	if err != nil {
		return err
	}
	loser, err := w.person(o.person)
	if err != nil {
		return err
	}
	merged := maps.Clone(loser.props)
	maps.Copy(merged, survivor.props)
	survivor.props = merged
	survivor.createdAt = min(survivor.createdAt, loser.createdAt)
	w.batchDirty[survivor.id] = survivor
	rows, err := w.tx.moveDids.Query(survivor.id, w.nextSeq(), loser.id)
	if err != nil {
		return err
	}
	var moved []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		moved = append(moved, d)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, d := range moved {
		if r, ok := w.dids.get(w.h.str(d)); ok {
			r.person = survivor.id
			w.dids.put(w.h.str(d), r)
		}
	}
	delete(w.batchDirty, loser.id)
	w.persons.Remove(loser.id)
	_, err = w.tx.delPerson.Exec(loser.id)
	return err
}

// groupIdentify upserts a group ($groupidentify): $group_set merges into
// the stored properties, new values winning.
func (w *writer) groupIdentify(props map[string]any) error {
	typ, ok := props["$group_type"].(string)
	if !ok || typ == "" {
		return nil
	}
	key, ok := datasource.ValueString(props["$group_key"])
	if !ok || key == "" {
		return nil
	}
	cur := map[string]any{}
	var raw string
	err := w.tx.selGroup.QueryRow(typ, key).Scan(&raw)
	if err == nil {
		_ = json.Unmarshal([]byte(raw), &cur)
		if cur == nil {
			cur = map[string]any{}
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if set, ok := props["$group_set"].(map[string]any); ok {
		maps.Copy(cur, set)
	}
	b, err := json.Marshal(cur)
	if err != nil {
		return nil
	}
	_, err = w.tx.upsGroup.Exec(typ, key, string(b))
	return err
}
