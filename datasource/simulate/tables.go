package simulate

import "math/rand/v2"

// The tables below are the fleet's shape. The shares follow the data described
// in ARCHITECTURE.md and what TimeTracker's own telemetry docs describe; they are
// data, not code, so tuning the fleet means editing a table.

// weighted is one choice of a categorical distribution.
type weighted struct {
	value  string
	weight float64
}

// pick draws one index from choices, in proportion to the weights.
func pick(r *rand.Rand, choices []weighted) int {
	total := 0.0
	for _, c := range choices {
		total += c.weight
	}
	x := r.Float64() * total
	for i, c := range choices {
		x -= c.weight
		if x < 0 {
			return i
		}
	}
	return len(choices) - 1
}

// releaseSpec is one TimeTracker release, placed relative to the anchor.
type releaseSpec struct {
	version string
	daysAgo float64
	// errMul multiplies the per-action error probability: the bad releases
	// are why the error-rate pane has something to show.
	errMul float64
	// python is the interpreter the release's docker image ships.
	python string
}

// releaseHistory is about nine months of releases; the newest came out a
// few days before "now", so docker users are mostly on it and native users
// mostly are not. 4.8.0 and 4.9.0 are the bad ones (fixed by the next patch).
var releaseHistory = []releaseSpec{
	{"4.0.0", 270, 1, "3.11.9"},
	{"4.1.0", 241, 1, "3.11.9"},
	{"4.2.0", 212, 1.2, "3.11.9"},
	{"4.3.0", 184, 1, "3.11.9"},
	{"4.4.0", 155, 1, "3.11.9"},
	{"4.5.0", 127, 1, "3.12.4"},
	{"4.6.0", 99, 1.5, "3.12.4"},
	{"4.6.1", 93, 1, "3.12.4"},
	{"4.7.0", 71, 1, "3.12.4"},
	{"4.8.0", 46, 7, "3.12.7"},
	{"4.8.1", 39, 1, "3.12.7"},
	{"4.9.0", 18, 4, "3.12.7"},
	{"4.9.1", 4, 1, "3.12.7"},
}

// Installation attributes. Docker images always report platform Linux (the
// container's OS), so the platform split is drawn per deployment: docker 70%
// all Linux plus native 30% split gives Linux/Windows/Darwin ~80/12/8.
var (
	deployments = []weighted{{"docker", 70}, {"native", 30}}
	// nativePlatforms is the platform of a native install.
	nativePlatforms = []weighted{{"Linux", 10}, {"Windows", 12}, {"Darwin", 8}}
	platforms       = []string{"Linux", "Windows", "Darwin"}
	environments    = []weighted{{"production", 86}, {"development", 14}}
	authMethods     = []weighted{{"local", 55}, {"oidc", 25}, {"ldap", 10}, {"both", 10}}
	nativePythons   = []weighted{{"3.10.12", 30}, {"3.11.8", 35}, {"3.12.3", 25}, {"3.9.18", 10}}
	timezones       = []weighted{
		{"Europe/Berlin", 18}, {"Europe/London", 10}, {"Europe/Paris", 8},
		{"Europe/Warsaw", 3}, {"America/New_York", 14}, {"America/Chicago", 6},
		{"America/Los_Angeles", 8}, {"America/Sao_Paulo", 5}, {"Asia/Kolkata", 7},
		{"Asia/Tokyo", 4}, {"Asia/Singapore", 3}, {"Australia/Sydney", 4},
		{"Africa/Johannesburg", 2}, {"UTC", 8},
	}
	hostPatterns = []weighted{
		{"timetracker.%s.example", 45}, {"time.%s.example", 20},
		{"tt.%s.lan", 15}, {"localhost:8080", 12}, {"192.168.1.%d:8080", 8},
	}
	orgWords = []string{
		"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
		"wonka", "tyrell", "cyberdyne", "soylent", "vandelay", "pied", "dunder",
		"oceanic", "gringotts", "monarch", "aperture", "blackmesa", "massive",
	}
)

// User attributes.
var (
	engagements = []weighted{{"high", 25}, {"medium", 45}, {"low", 30}}
	// workdayP is the chance a user of that engagement tracks time on a
	// weekday; weekends get weekendFactor of it.
	workdayP      = []float64{0.93, 0.68, 0.33}
	weekendFactor = 0.12
	browsers      = []weighted{{"Chrome", 62}, {"Firefox", 17}, {"Safari", 12}, {"Microsoft Edge", 9}}
	deviceTypes   = []weighted{{"Desktop", 91}, {"Mobile", 7}, {"Tablet", 2}}
	userOSes      = []weighted{{"Windows", 48}, {"Mac OS X", 27}, {"Linux", 17}, {"iOS", 5}, {"Android", 3}}
)

// adminShare is the share of users with is_admin = true.
const adminShare = 0.10

// pages are the $pathname values product events carry; the index is the
// page id used by the model.
var pages = []string{
	"/dashboard", "/timer", "/timer/start", "/timer/stop", "/timer/resume",
	"/projects", "/reports", "/reports/export/csv", "/reports/export/excel",
	"/tasks", "/invoices", "/clients", "/expenses", "/login", "/time-entries",
	"/admin/telemetry", "/logout",
}

// Page ids used directly by the model.
const (
	pageDashboard   = 0
	pageTimerStart  = 2
	pageTimerStop   = 3
	pageTimerResume = 4
	pageExportCSV   = 7
	pageExportExcel = 8
	pageLogin       = 13
	pageProjects    = 5
	pageReports     = 6
	pageTasks       = 9
	pageClients     = 11
	pageExpenses    = 12
	pageTimer       = 1
	pageTimeEntries = 14
	pageAdmin       = 15
	pageLogout      = 16
)

// browsePages are where a $pageview lands.
var browsePages = []weighted{
	{"/dashboard", 22}, {"/timer", 18}, {"/projects", 14}, {"/reports", 12},
	{"/tasks", 10}, {"/invoices", 6}, {"/clients", 5}, {"/expenses", 5},
	{"/time-entries", 8},
}

// excelExports are the export_type values of export.excel call sites.
var excelExports = []weighted{
	{"time_entries", 35}, {"time_entries_report", 20}, {"invoices_list", 15},
	{"payments_list", 8}, {"user_entries", 12}, {"project_report", 10},
}

// errorSpec is one kind of error a TimeTracker server reports.
type errorSpec struct {
	typ, message, severity string
}

// commonErrors happen on every version at the base rate.
var commonErrors = []errorSpec{
	{"OperationalError", "(psycopg2.OperationalError) server closed the connection unexpectedly", "error"},
	{"ValidationError", "End time must be after start time", "warning"},
	{"TimeoutError", "Request to SMTP server timed out", "warning"},
	{"PermissionError", "User is not allowed to edit this time entry", "warning"},
	{"KeyError", "'project_id'", "error"},
	{"CSRFError", "The CSRF token has expired.", "warning"},
}

// badReleaseErrors is each bad release's signature bug, the one a
// maintainer drills down to.
var badReleaseErrors = map[string]errorSpec{
	"4.8.0": {"IntegrityError", `duplicate key value violates unique constraint "time_entries_pkey"`, "critical"},
	"4.9.0": {"TypeError", "unsupported operand type(s) for -: 'datetime.datetime' and 'NoneType'", "error"},
}

// Behaviour constants, in the model's time unit (ns).
const (
	second = int64(1e9)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour

	baseErrorP     = 0.0015 // error_occurred per user action: a healthy fleet sits under the default warn threshold on good releases
	exceptionShare = 0.15   // errors that also raise a $exception
	loginP         = 0.55   // a session starts with auth.login
	resumeP        = 0.3    // a timer start is a resume of the last entry
	pageviewP      = 0.25
	gapMean        = 15 * minute // between actions in a session
	pageviewGap    = 90 * minute // between page views while a timer runs
	timerMedian    = 85 * minute
)
