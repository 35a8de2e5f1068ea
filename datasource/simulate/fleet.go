package simulate

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the fleet's time zones must load on machines without zoneinfo
)

// ModelConfig fixes everything a Model's output depends on.
type ModelConfig struct {
	// Seed selects the fleet and its behaviour.
	Seed uint64
	// Now anchors the scenario: the release history, installation ages and
	// churn are placed relative to it. Run passes its clock's time.
	Now time.Time
	// Installs is the number of installations (default 500). Some are born
	// and some churn around Now, so the active count moves.
	Installs int
	// Users is the number of TimeTracker users across all installations
	// (default 2000).
	Users int
}

// Model is a simulated TimeTracker fleet. It holds only static facts
// (releases, installations, users) and is safe for concurrent use; each
// Stream keeps its own dynamic state.
type Model struct {
	cfg      ModelConfig
	now      int64
	releases []release
	installs []install
	users    []user
	locs     []*time.Location
	box      boxes
	// excList is the minimal $exception_list per error type.
	excList map[string]any
}

// release is a releaseSpec placed in time, its strings boxed once.
type release struct {
	version    string
	v          any
	at         int64
	errMul     float64
	python     any
	bad        *errorSpec
	groupProps map[string]any
}

// install is one installation's static facts.
type install struct {
	fp, id       string
	fpV, idV     any
	deploy       uint8
	platform     uint8
	env, auth    uint8
	tz           uint8
	python       any // native installs; docker ones use the release's
	host         any
	urls         []any // $current_url per page id
	birth, death int64
	birthRel     uint8
	ups          []upgrade
	phase        int64 // offset of the hourly health ping from birth
	projects     int
	weight       float64
}

// upgrade is the moment an installation moves to release rel.
type upgrade struct {
	at  int64
	rel uint8
}

// user is one TimeTracker user's static facts.
type user struct {
	id         string
	inst       int32
	admin      bool
	auth       uint8
	engagement uint8
	browser    uint8
	device     uint8
	os         uint8
	project    int // the user's first favourite project
}

// boxes holds every categorical value already converted to any, so that
// putting it into a property map does not allocate.
type boxes struct {
	deploy, platform, env, auth, tz, python []any
	roles, engagement, browser, device, os  []any
	pages, browse, excel                    []any
	browseIdx                               []int // browsePages -> pages
	platformGroups                          []map[string]any
}

// NewModel builds the fleet for cfg. Zero sizes get the defaults.
func NewModel(cfg ModelConfig) *Model {
	if cfg.Installs <= 0 {
		cfg.Installs = 500
	}
	if cfg.Users < 0 {
		cfg.Users = 0
	} else if cfg.Users == 0 {
		cfg.Users = 2000
	}
	m := &Model{cfg: cfg, now: cfg.Now.UnixMilli() * int64(time.Millisecond)}
	m.box = newBoxes()
	m.excList = map[string]any{}
	for _, e := range commonErrors {
		m.excList[e.typ] = exceptionList(e)
	}
	for _, e := range badReleaseErrors {
		m.excList[e.typ] = exceptionList(e)
	}
	for _, tz := range timezones {
		loc, err := time.LoadLocation(tz.value)
		if err != nil {
			loc = time.UTC
		}
		m.locs = append(m.locs, loc)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x7431_6d6f_6e66_6c74))
	m.buildReleases(r)
	m.buildInstalls(r)
	m.buildUsers(r)
	return m
}

func newBoxes() boxes {
	var b boxes
	boxAll := func(ws []weighted) []any {
		out := make([]any, len(ws))
		for i, w := range ws {
			out[i] = w.value
		}
		return out
	}
	b.deploy = boxAll(deployments)
	for _, p := range platforms {
		b.platform = append(b.platform, p)
		b.platformGroups = append(b.platformGroups, map[string]any{"name": p})
	}
	b.env, b.auth, b.tz = boxAll(environments), boxAll(authMethods), boxAll(timezones)
	b.python = boxAll(nativePythons)
	// TimeTracker's users.role column holds "user" or "admin".
	b.roles = []any{"user", "admin"}
	b.engagement, b.browser = boxAll(engagements), boxAll(browsers)
	b.device, b.os = boxAll(deviceTypes), boxAll(userOSes)
	b.browse, b.excel = boxAll(browsePages), boxAll(excelExports)
	for _, p := range pages {
		b.pages = append(b.pages, p)
	}
	for _, w := range browsePages {
		b.browseIdx = append(b.browseIdx, slices.Index(pages, w.value))
	}
	return b
}

func (m *Model) buildReleases(r *rand.Rand) {
	for _, spec := range releaseHistory {
		// Releases go out in European afternoons, give or take.
		at := m.now - int64(spec.daysAgo*float64(day)) + int64((r.Float64()*6-3)*float64(hour))
		at -= at % int64(time.Millisecond)
		rel := release{
			version: spec.version, v: spec.version, at: at,
			errMul: spec.errMul, python: spec.python,
		}
		if e, ok := badReleaseErrors[spec.version]; ok {
			rel.bad = &e
		}
		series := spec.version[:strings.LastIndexByte(spec.version, '.')]
		rel.groupProps = map[string]any{
			"version":     spec.version,
			"series":      series,
			"released_at": time.Unix(0, at).UTC().Format(time.RFC3339),
		}
		m.releases = append(m.releases, rel)
	}
}

func (m *Model) buildInstalls(r *rand.Rand) {
	first := m.releases[0].at
	m.installs = make([]install, m.cfg.Installs)
	for i := range m.installs {
		in := &m.installs[i]
		sum := sha256.Sum256(fmt.Appendf(nil, "ttmon-sim/%d/%d/%x", m.cfg.Seed, i, r.Uint64()))
		in.fp = hex.EncodeToString(sum[:])
		in.id = randomUUID(r)
		in.fpV, in.idV = in.fp, in.id
		in.deploy = uint8(pick(r, deployments))
		if deployments[in.deploy].value == "docker" {
			in.platform = 0
		} else {
			in.platform = uint8(slices.Index(platforms, nativePlatforms[pick(r, nativePlatforms)].value))
			in.python = m.box.python[pick(r, nativePythons)]
		}
		in.env, in.auth = uint8(pick(r, environments)), uint8(pick(r, authMethods))
		in.tz = uint8(pick(r, timezones))
		in.host = hostName(r)
		in.urls = make([]any, len(pages))
		scheme := "https://"
		if strings.HasPrefix(in.host.(string), "localhost") || strings.HasPrefix(in.host.(string), "192.") {
			scheme = "http://"
		}
		for p, path := range pages {
			in.urls[p] = scheme + in.host.(string) + path
		}
		in.projects = 3 + r.IntN(40)
		in.weight = math.Exp(r.NormFloat64() * 1.1)
		m.placeInTime(r, in, first)
	}
}

// placeInTime draws an installation's lifetime and upgrade path. Most
// installations are old; about one in ten is new (a few are born after Now,
// so live traffic sees arrivals) and a few churn, so "active installations"
// moves over any window.
func (m *Model) placeInTime(r *rand.Rand, in *install, first int64) {
	if r.Float64() < 0.9 {
		in.birth = m.now - int64((20+r.Float64()*240)*float64(day))
	} else {
		in.birth = m.now - int64((r.Float64()*21-1)*float64(day))
	}
	in.birth = max(in.birth, first+hour)
	in.birth -= in.birth % int64(time.Millisecond)
	in.death = math.MaxInt64
	if r.Float64() < 0.07 {
		d := m.now - int64((r.Float64()*21-1)*float64(day))
		if d > in.birth+day {
			in.death = d - d%int64(time.Millisecond)
		}
	}
	in.phase = int64(r.Float64() * float64(hour))
	for i := range m.releases {
		if m.releases[i].at <= in.birth {
			in.birthRel = uint8(i)
		}
	}
	// Docker users pull the new image within days; native users upgrade
	// late or never. A per-install diligence factor keeps an installation's
	// habits consistent across releases.
	docker := deployments[in.deploy].value == "docker"
	pinnedP, lagBase, lagMean := 0.05, 2*hour, 2.2*float64(day)
	if !docker {
		pinnedP, lagBase, lagMean = 0.15, 6*hour, 24*float64(day)
	}
	diligence := math.Exp(r.NormFloat64() * 0.5)
	pinned := r.Float64() < pinnedP
	var cand []upgrade
	for i := int(in.birthRel) + 1; i < len(m.releases); i++ {
		lag := lagBase + int64(r.ExpFloat64()*lagMean*diligence)
		if !pinned {
			cand = append(cand, upgrade{at: m.releases[i].at + lag, rel: uint8(i)})
		}
	}
	slices.SortFunc(cand, func(a, b upgrade) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.rel, b.rel)) })
	cur := in.birthRel
	for _, c := range cand {
		if c.rel > cur && c.at < in.death {
			c.at -= c.at % int64(time.Millisecond)
			in.ups = append(in.ups, c)
			cur = c.rel
		}
	}
}

func (m *Model) buildUsers(r *rand.Rand) {
	cum := make([]float64, len(m.installs))
	total := 0.0
	for i := range m.installs {
		total += m.installs[i].weight
		cum[i] = total
	}
	m.users = make([]user, m.cfg.Users)
	perInstall := make([]int, len(m.installs))
	for i := range m.users {
		u := &m.users[i]
		n, _ := slices.BinarySearch(cum, r.Float64()*total)
		n = min(n, len(m.installs)-1)
		perInstall[n]++
		in := &m.installs[n]
		u.inst = int32(n)
		u.id = in.id + ":" + strconv.Itoa(perInstall[n])
		u.admin = r.Float64() < adminShare
		u.auth = in.auth
		if authMethods[in.auth].value == "both" {
			u.auth = uint8(r.IntN(2)) // local (0) or oidc (1)
		}
		u.engagement = uint8(pick(r, engagements))
		u.browser, u.device = uint8(pick(r, browsers)), uint8(pick(r, deviceTypes))
		u.os = uint8(pick(r, userOSes))
		u.project = 1 + r.IntN(in.projects)
	}
}

// randomUUID draws a version 4 UUID string from r.
func randomUUID(r *rand.Rand) string {
	return makeUUID(r.Uint64(), r.Uint64()).String()
}

// hostName draws the host an installation is reached at.
func hostName(r *rand.Rand) any {
	p := hostPatterns[pick(r, hostPatterns)].value
	switch {
	case strings.Contains(p, "%s"):
		org := orgWords[r.IntN(len(orgWords))]
		if r.IntN(3) == 0 {
			org += "-" + strconv.Itoa(2+r.IntN(98))
		}
		return fmt.Sprintf(p, org)
	case strings.Contains(p, "%d"):
		return fmt.Sprintf(p, 2+r.IntN(250))
	}
	return p
}

// releaseAt returns the index of the release an installation runs at t.
func (in *install) releaseAt(t int64) uint8 {
	rel := in.birthRel
	for _, u := range in.ups {
		if u.at > t {
			break
		}
		rel = u.rel
	}
	return rel
}

// Releases lists the simulated release versions, oldest first, and when
// each came out. Tests and the CLI use it to name "the newest version".
func (m *Model) Releases() []Release {
	out := make([]Release, len(m.releases))
	for i, r := range m.releases {
		out[i] = Release{Version: r.version, At: time.Unix(0, r.at).UTC(), Bad: r.bad != nil}
	}
	return out
}

// Release is one simulated TimeTracker release.
type Release struct {
	// Version is the app_version string.
	Version string
	// At is when it was released.
	At time.Time
	// Bad marks a release with a signature bug and a raised error rate.
	Bad bool
}

// exceptionList is the minimal "$exception_list" PostHog error tracking
// reads: one unhandled exception without a stack trace.
func exceptionList(e errorSpec) []any {
	return []any{map[string]any{
		"type":      e.typ,
		"value":     e.message,
		"mechanism": map[string]any{"type": "generic", "handled": false},
	}}
}
