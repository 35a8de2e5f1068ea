package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"

	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
)

// persons resolves distinct ids to persons the way PostHog does for the
// simulator's traffic: $create_alias merges the alias into the event's
// person (whose values win), $set overwrites and $set_once fills in, in
// the order events arrive. ClickHouse gets each person's final
// properties, which is what ttmon's person filters read too.
type persons struct {
	parent map[string]string
	props  map[string]map[string]any // by root distinct id
}

func newPersons() *persons {
	return &persons{parent: map[string]string{}, props: map[string]map[string]any{}}
}

func (p *persons) root(id string) string {
	par, ok := p.parent[id]
	if !ok {
		p.parent[id] = id
		return id
	}
	if par == id {
		return id
	}
	r := p.root(par)
	p.parent[id] = r
	return r
}

// apply takes an event's effect on persons.
func (p *persons) apply(e fleetgen.Event) {
	r := p.root(e.DistinctID)
	if e.Name == "$create_alias" {
		if alias, _ := e.Properties["alias"].(string); alias != "" {
			if o := p.root(alias); o != r {
				p.parent[o] = r
				merged := p.props[o]
				if merged == nil {
					merged = map[string]any{}
				}
				for k, v := range p.props[r] {
					merged[k] = v
				}
				p.props[r] = merged
				delete(p.props, o)
			}
		}
	}
	set, _ := e.Properties["$set"].(map[string]any)
	once, _ := e.Properties["$set_once"].(map[string]any)
	if len(set) == 0 && len(once) == 0 {
		return
	}
	pp := p.props[r]
	if pp == nil {
		pp = map[string]any{}
		p.props[r] = pp
	}
	for k, v := range set {
		pp[k] = v
	}
	for k, v := range once {
		if _, ok := pp[k]; !ok {
			pp[k] = v
		}
	}
}

// write puts one line per distinct id: its person (a number per root)
// and the person's properties as a JSON string.
func (p *persons) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	ids := map[string]string{}
	for id := range p.parent {
		r := p.root(id)
		pid, ok := ids[r]
		if !ok {
			pid = strconv.Itoa(len(ids) + 1)
			ids[r] = pid
		}
		props, err := json.Marshal(p.props[r])
		if err != nil {
			f.Close()
			return err
		}
		if p.props[r] == nil {
			props = []byte("{}")
		}
		row := struct {
			DistinctID       string `json:"distinct_id"`
			PersonID         string `json:"person_id"`
			PersonProperties string `json:"person_properties"`
		}{id, pid, string(props)}
		if err := enc.Encode(row); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
