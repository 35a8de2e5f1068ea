package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// maxCohortPages bounds the cohort listing: 5 pages of 200.
const maxCohortPages = 5

type cohortPage struct {
	Next    *string `json:"next"`
	Results []struct {
		ID      json.Number `json:"id"`
		Name    string      `json:"name"`
		Count   *int64      `json:"count"`
		Deleted bool        `json:"deleted"`
	} `json:"results"`
}

// Cohorts lists the project's cohorts (GET /api/projects/{id}/cohorts/,
// which needs the cohort:read scope) in PostHog's order. Count is -1 for a
// cohort PostHog has not calculated.
func (s *Source) Cohorts(ctx context.Context) ([]datasource.Cohort, error) {
	u := s.host.JoinPath("/api/projects/" + url.PathEscape(s.project) + "/cohorts/")
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawQuery = "limit=200"
	next := u.String()
	out := []datasource.Cohort{}
	for page := 0; next != "" && page < maxCohortPages; page++ {
		data, err := s.doURL(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		var p cohortPage
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, s.bad(fmt.Errorf("the cohort list is not JSON (%w)", err))
		}
		for _, c := range p.Results {
			if c.Deleted {
				continue
			}
			co := datasource.Cohort{ID: c.ID.String(), Name: c.Name, Count: -1}
			if c.Count != nil {
				co.Count = *c.Count
			}
			out = append(out, co)
		}
		next = ""
		if p.Next != nil && s.sameHost(*p.Next) {
			next = *p.Next
		}
	}
	return out, nil
}

// sameHost reports whether a pagination link stays on the configured
// host: the key is only ever sent there.
func (s *Source) sameHost(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Scheme == s.host.Scheme && u.Host == s.host.Host
}

// checkWindow is how far back Check looks for events.
const checkWindow = 7 * 24 * time.Hour

func checkQuery(from, to time.Time) *hq {
	h := newHQ()
	h.add("SELECT event AS value, count() AS n FROM events WHERE ", h.where(from, to, nil),
		" GROUP BY value ORDER BY n DESC, value ASC LIMIT 200")
	return h
}

// Check verifies the connection step by step, saying what to fix: host
// reachable, key accepted with query:read, project found, events with the
// mapped names present in the last 7 days (listing the names it does
// see), and whether cohorts can be listed (cohort:read; a warning only).
// It sends two requests.
func (s *Source) Check(ctx context.Context, m datasource.Mapping) (*datasource.CheckReport, error) {
	rep := &datasource.CheckReport{Source: s.Info()}
	to := s.o.now().Truncate(time.Hour).Add(time.Hour)
	t, err := s.query(ctx, "ttmon.check", checkQuery(to.Add(-checkWindow), to))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.checkFailed(rep, err)
		return rep, nil
	}
	rep.Add("connection", true, s.host.String()+" answered")
	rep.Add("API key", true, "accepted, with the query:read scope")
	rep.Add("project", true, "project "+s.project)
	seen, err := s.counts(t, false)
	if err != nil {
		return nil, err
	}
	rep.Seen = datasource.SortCounts(seen, 200, 200)
	if len(rep.Seen) == 0 {
		rep.Add("events", false, "project "+s.project+" has no events in the last 7 days: check the project id, or fill a test project with `ttmon demo --host https://us.i.posthog.com --token phc_...`")
	} else {
		rep.CheckMapping(m, rep.Seen, "in the last 7 days")
	}
	if _, err := s.Cohorts(ctx); err != nil {
		rep.Warn("cohorts", "cannot list PostHog cohorts ("+err.Error()+"); the cohort picker shows only cohorts from the config, and cohort=ID filters still work")
	} else {
		rep.Add("cohorts", true, "listed")
	}
	return rep, nil
}

// checkFailed records where the first request failed.
func (s *Source) checkFailed(rep *datasource.CheckReport, err error) {
	switch datasource.KindOf(err) {
	case datasource.ErrUnavailable:
		if c := datasource.Cause(err); c == causeBad || strings.HasPrefix(c, "PostHog error") {
			// PostHog (or a proxy in front of it) answered, but not with
			// a result: the connection is not what to fix.
			rep.Add("connection", true, s.host.String()+" answered")
			rep.Add("answer", false, err.Error())
			return
		}
		rep.Add("connection", false, err.Error())
		return
	case datasource.ErrThrottled:
		rep.Add("connection", true, s.host.String()+" answered")
		msg := err.Error()
		if d, ok := datasource.RetryAfter(err); ok {
			msg += "; try again in " + strconv.Itoa(int(d.Seconds())) + "s"
		}
		rep.Add("rate limit", false, msg)
		return
	}
	rep.Add("connection", true, s.host.String()+" answered")
	switch datasource.KindOf(err) {
	case datasource.ErrAuth:
		rep.Add("API key", false, err.Error())
	case datasource.ErrNotFound:
		rep.Add("API key", true, "accepted")
		rep.Add("project", false, err.Error())
	default:
		rep.Add("API key", true, "accepted")
		rep.Add("project", true, "project "+s.project)
		rep.Add("query", false, err.Error())
	}
}
