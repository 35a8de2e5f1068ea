package pace

import (
	"fmt"
	"math"
	"time"
)

// streamWindow is how far back polls are counted to tell how many
// pollers share the budget: long enough to hold several polls of each at
// the slowest budget interval (38 s at 120/h), short enough that a viewer
// who leaves gives their share back within minutes.
const streamWindow = 10 * time.Minute

// polled is one poll request and the interval the budget asked for when
// it was made.
type polled struct {
	at time.Time
	iv time.Duration
}

// streams estimates how many pollers share the budget (s.mu held): each
// poll request stands for the interval PollInterval handed out when it was
// made, so one poller keeping that interval fills the window exactly once
// and n pollers (ttmon ssh sessions watching different views) fill it n
// times. A poller slower than the budget fills less, and counts as less.
// Weighing each request by the interval of its own time keeps the
// estimate right while the interval changes (a budget learned or tried).
func (s *Source) streams(now time.Time) int {
	cut := now.Add(-streamWindow)
	i := 0
	for i < len(s.polls) && !s.polls[i].at.After(cut) {
		i++
	}
	if i > 0 {
		s.polls = append(s.polls[:0], s.polls[i:]...)
	}
	var sum time.Duration
	for _, p := range s.polls {
		sum += p.iv
	}
	return max(1, int(math.Round(float64(sum)/float64(streamWindow))))
}

// notePolls logs n poll requests made now (s.mu held).
func (s *Source) notePolls(now time.Time, n int) {
	if s.paced <= 0 {
		return // nobody asked for an interval: nothing polls
	}
	for range n {
		s.polls = append(s.polls, polled{at: now, iv: s.paced})
	}
}

// streamsWhy is the reason's note on pollers sharing the budget.
func streamsWhy(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(", %d views polling", n)
}
