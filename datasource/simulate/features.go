package simulate

import "math/rand/v2"

// feature is one of TimeTracker's occasional product actions beside
// timers, page views and exports: creating projects and tasks, viewing
// reports, and so on. Each is shaped like its call site in TimeTracker's
// routes (event name, page, properties), so "feature usage by the first
// segment of the event name" and "project.created by role" have something
// to show.
type feature struct {
	name string
	page int // index into pages
	// user and admin are the feature's relative weights among the
	// occasional actions of a plain user and of an admin: admins set up
	// projects and clients, users move tasks along.
	user, admin float64
	props       func(s *Stream, j int, r *rand.Rand, p map[string]any)
}

// The occasional actions' share of a user's actions, and the share of
// exports, by role (index 1: admins). Admins export more, as the
// dashboards' "export activity by role" expects.
var (
	featureP    = [2]float64{0.08, 0.20}
	exportShare = [2]float64{0.04, 0.12}
)

// logoutP is the chance a session ends with auth.logout rather than the
// browser being closed.
const logoutP = 0.2

// features are the occasional actions; their names are TimeTracker's.
var features = []feature{
	{"project.created", pageProjects, 0.6, 7, propsProjectCreated},
	{"project.favorited", pageProjects, 1.5, 1, propsProject},
	{"project.archived", pageProjects, 0.1, 1.5, propsProjectArchived},
	{"project.status_changed", pageProjects, 0.1, 0.8, propsProjectStatus},
	{"task.created", pageTasks, 4, 4, propsTaskCreated},
	{"task.status_changed", pageTasks, 7, 3, propsTaskStatus},
	{"task.updated", pageTasks, 2.5, 2, propsTask},
	{"client.created", pageClients, 0.15, 2.5, propsNewClient},
	{"client.updated", pageClients, 0.2, 1.5, propsClient},
	{"report.viewed", pageReports, 4, 8, propsReport},
	{"expense.created", pageExpenses, 2, 1, propsExpense},
	{"comment.created", pageTasks, 2.5, 1.5, propsComment},
	{"time_entry_template.used", pageTimer, 1.5, 0.5, propsTemplate},
	{"timer.duplicated", pageTimeEntries, 1, 0.5, propsDuplicated},
	{"saved_filter.created", pageReports, 0.3, 0.5, propsSavedFilter},
	{"admin.telemetry_dashboard_viewed", pageAdmin, 0, 0.4, nil},
}

// FeatureEvents lists the occasional actions' event names, for tools that
// treat user actions alike (the benchmark generator twins them).
func FeatureEvents() []string {
	out := make([]string, len(features))
	for i, f := range features {
		out[i] = f.name
	}
	return out
}

// featureWeights is features' weights per role, for pick.
var featureWeights = func() (w [2][]weighted) {
	for _, f := range features {
		w[0] = append(w[0], weighted{f.name, f.user})
		w[1] = append(w[1], weighted{f.name, f.admin})
	}
	return w
}()

// roleIndex is 1 for admins, 0 for everyone else.
func roleIndex(u *user) int {
	if u.admin {
		return 1
	}
	return 0
}

// feature performs one occasional action chosen by the user's role, then
// rolls for an error it caused.
func (s *Stream) feature(j int, t int64, yield func(Event) bool) bool {
	u, st := &s.m.users[j], &s.usr[j]
	r := st.r
	k := pick(r, featureWeights[roleIndex(u)])
	f := &features[k]
	p := s.fill(j, numUserEvents+k, f.page)
	if f.props != nil {
		f.props(s, j, r, p)
	}
	return s.emit(yield, Event{Name: f.name, DistinctID: u.id, Properties: p}, t, true) &&
		s.maybeError(j, f.page, t, yield)
}

// logout sends auth.logout at the end of some sessions.
func (s *Stream) logout(j int, t int64, yield func(Event) bool) bool {
	if s.usr[j].r.Float64() >= logoutP {
		return true
	}
	p := s.fill(j, uLogout, pageLogout)
	return s.emit(yield, Event{Name: EventLogout, DistinctID: s.m.users[j].id, Properties: p}, t, true)
}

// newID hands out the installation's next id of a kind of object: ids
// start above what the installation already has.
func (s *Stream) newID(j int, kind int) int {
	u := &s.m.users[j]
	is := &s.inst[u.inst]
	is.made[kind]++
	return idBase[kind]*s.m.installs[u.inst].projects + is.made[kind]
}

// Kinds of objects users create, and how many of each an installation
// has per project before the stream starts.
const (
	idProject = iota
	idTask
	idClient
	idExpense
	idComment
	numIDKinds
)

var idBase = [numIDKinds]int{1, 10, 1, 40, 30}

func (s *Stream) someProject(j int, r *rand.Rand) int {
	return 1 + r.IntN(s.m.installs[s.m.users[j].inst].projects)
}

var projectWords = []string{"Website relaunch", "Support", "Internal", "Mobile app", "Consulting",
	"Migration", "Maintenance", "Marketing", "Onboarding", "Research"}

func propsProjectCreated(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["project_id"] = s.newID(j, idProject)
	p["project_name"] = projectWords[r.IntN(len(projectWords))]
	p["has_client"] = r.Float64() < 0.7
	p["billable"] = r.Float64() < 0.75
}

func propsProject(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["project_id"] = s.someProject(j, r)
}

func propsProjectArchived(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["project_id"] = s.someProject(j, r)
	p["has_reason"] = r.Float64() < 0.3
}

func propsProjectStatus(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["project_id"] = s.someProject(j, r)
	p["new_status"] = []string{"active", "inactive", "archived"}[r.IntN(3)]
}

var priorities = []weighted{{"low", 20}, {"medium", 50}, {"high", 25}, {"urgent", 5}}

func propsTaskCreated(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["task_id"] = s.newID(j, idTask)
	p["project_id"] = s.someProject(j, r)
	p["priority"] = priorities[pick(r, priorities)].value
}

// taskFlow is the status a task moves to from each status.
var taskFlow = [][2]string{{"todo", "in_progress"}, {"in_progress", "review"}, {"review", "done"}, {"in_progress", "done"}}

func propsTaskStatus(s *Stream, j int, r *rand.Rand, p map[string]any) {
	step := taskFlow[r.IntN(len(taskFlow))]
	p["task_id"] = s.someProject(j, r)*10 + r.IntN(10)
	p["old_status"], p["new_status"] = step[0], step[1]
}

func propsTask(s *Stream, j int, r *rand.Rand, p map[string]any) {
	project := s.someProject(j, r)
	p["task_id"] = project*10 + r.IntN(10)
	p["project_id"] = project
}

func propsNewClient(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["client_id"] = s.newID(j, idClient)
}

func propsClient(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["client_id"] = 1 + r.IntN(max(s.m.installs[s.m.users[j].inst].projects/3, 1))
}

func propsReport(_ *Stream, _ int, _ *rand.Rand, p map[string]any) { p["report_type"] = "summary" }

var expenseCategories = []weighted{{"travel", 35}, {"meals", 25}, {"supplies", 15}, {"software", 15}, {"other", 10}}

func propsExpense(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["expense_id"] = s.newID(j, idExpense)
	p["category"] = expenseCategories[pick(r, expenseCategories)].value
	p["amount"] = float64(int(r.ExpFloat64()*6000)+500) / 100
	p["billable"] = r.Float64() < 0.4
	p["reimbursable"] = r.Float64() < 0.7
}

func propsComment(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["comment_id"] = s.newID(j, idComment)
	p["target_type"] = []string{"task", "task", "project"}[r.IntN(3)]
}

var templateNames = []string{"Daily standup", "Code review", "Client call", "Email", "Planning"}

func propsTemplate(s *Stream, j int, r *rand.Rand, p map[string]any) {
	k := r.IntN(len(templateNames))
	p["template_id"] = 1 + k
	p["template_name"] = templateNames[k]
	p["usage_count"] = 1 + int(r.ExpFloat64()*40)
}

func propsDuplicated(s *Stream, j int, r *rand.Rand, p map[string]any) {
	st := &s.usr[j]
	if !st.hasEntry {
		s.chooseTimer(j, false)
	}
	p["time_entry_id"] = st.entry
	p["project_id"] = st.project
	p["task_id"] = taskValue(st.task)
	p["has_notes"] = st.hasNotes
	p["has_tags"] = st.project%4 == 0
}

func propsSavedFilter(s *Stream, j int, r *rand.Rand, p map[string]any) {
	p["filter_id"] = 1 + r.IntN(20)
	p["filter_name"] = []string{"This month", "Billable", "My projects", "Last week"}[r.IntN(4)]
	p["scope"] = []string{"time_entries", "reports", "projects"}[r.IntN(3)]
	p["is_shared"] = r.Float64() < 0.2
}
