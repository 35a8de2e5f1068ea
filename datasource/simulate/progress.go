package simulate

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-isatty"
)

// isTerminal reports whether w is a terminal that understands redrawing a
// line with \r. Anything else (a file, a pipe, a log) gets whole lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// bar is the backfill's progress display: redrawn in place on a terminal
// (at most ten times a second), one line every few seconds elsewhere.
type bar struct {
	w        io.Writer
	tty      bool
	label    string
	total    int64
	start    time.Time
	last     time.Time
	every    time.Duration
	calls    int
	maxWidth int
}

func newBar(w io.Writer, label string, total int64) *bar {
	b := &bar{w: w, tty: isTerminal(w), label: label, total: total, start: time.Now(), every: 3 * time.Second}
	if b.tty {
		b.every = 100 * time.Millisecond
	}
	b.last = b.start
	return b
}

// update redraws if it is time to; force draws regardless.
func (b *bar) update(s Stats, force bool) {
	b.calls++
	if !force && b.calls%512 != 0 {
		return // checking the time per event would cost more than the event
	}
	now := time.Now()
	if !force && now.Sub(b.last) < b.every {
		return
	}
	b.last = now
	line := b.line(s, now.Sub(b.start))
	if b.tty {
		pad := max(b.maxWidth-len(line), 0)
		b.maxWidth = max(b.maxWidth, len(line))
		fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", pad))
		return
	}
	fmt.Fprintln(b.w, line)
}

// line formats one progress reading; it is pure so tests can pin it.
func (b *bar) line(s Stats, elapsed time.Duration) string {
	frac := 1.0
	if b.total > 0 {
		frac = min(float64(s.Sent)/float64(b.total), 1)
	}
	const width = 24
	filled := int(frac * width)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(s.Sent) / elapsed.Seconds()
	}
	line := fmt.Sprintf("%s [%s%s] %3.0f%%  %s/%s events  %s ev/s", b.label,
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), frac*100,
		groupDigits(s.Sent), groupDigits(b.total), humanRate(rate))
	if s.Failed > 0 {
		line += fmt.Sprintf("  %s failed", groupDigits(s.Failed))
	}
	return line
}

// done ends the bar's line with the final delivery counts.
func (b *bar) done(s Stats) {
	if b.tty {
		fmt.Fprintln(b.w)
	}
	fmt.Fprintf(b.w, "%s: %s delivered, %s failed in %s\n", b.label, groupDigits(s.Delivered),
		groupDigits(s.Failed), time.Since(b.start).Round(10*time.Millisecond))
}

// liveStatus reports live traffic: redrawn every second on a terminal, a
// line every 30 seconds elsewhere.
type liveStatus struct {
	w          io.Writer
	tty        bool
	every      time.Duration
	last       time.Time
	lastSent   int64
	firstSent  int64
	start      time.Time
	started    bool
	lineLength int
}

func newLiveStatus(w io.Writer) *liveStatus {
	l := &liveStatus{w: w, tty: isTerminal(w), every: 30 * time.Second, start: time.Now()}
	if l.tty {
		l.every = time.Second
	}
	l.last = l.start
	return l
}

func (l *liveStatus) update(s Stats) {
	if !l.started {
		l.started, l.firstSent, l.lastSent = true, s.Sent, s.Sent
	}
	now := time.Now()
	el := now.Sub(l.last)
	if el < l.every {
		return
	}
	line := fmt.Sprintf("live: %s events  %s ev/s  %s failed", groupDigits(s.Sent-l.firstSent),
		humanRate(float64(s.Sent-l.lastSent)/el.Seconds()), groupDigits(s.Failed))
	l.last, l.lastSent = now, s.Sent
	if l.tty {
		pad := max(l.lineLength-len(line), 0)
		l.lineLength = max(l.lineLength, len(line))
		fmt.Fprintf(l.w, "\r%s%s", line, strings.Repeat(" ", pad))
		return
	}
	fmt.Fprintln(l.w, line)
}

func (l *liveStatus) done(Stats) {
	if l.tty && l.lineLength > 0 {
		fmt.Fprintln(l.w)
	}
}

// groupDigits formats n with thousands separators: 1234567 -> "1,234,567".
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// humanRate formats an events-per-second figure compactly.
func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.1fk", r/1e3)
	default:
		return fmt.Sprintf("%.1f", r)
	}
}

// Progress follows Run's backfill from other goroutines: how many events
// it sends, how many the server has acknowledged (for `ttmon collect`:
// committed to its store), and whether it is over. The monitor of a demo
// shows it in its header while the history arrives. The zero value is
// ready; a nil *Progress ignores every update.
type Progress struct {
	total, acked atomic.Int64
	over         atomic.Bool
	mu           sync.Mutex
	err          error
}

// Backfill reports the events acknowledged so far, the events the
// backfill sends (0 until they are counted), and whether it is over.
func (p *Progress) Backfill() (acked, total int64, over bool) {
	return p.acked.Load(), p.total.Load(), p.over.Load()
}

// Err is why the backfill stopped short; nil while it runs or after it
// delivered everything.
func (p *Progress) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *Progress) start(total int64) {
	if p != nil {
		p.total.Store(total)
	}
}

func (p *Progress) delivered(n int64) {
	if p != nil {
		p.acked.Store(n)
	}
}

func (p *Progress) end(err error) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
	p.over.Store(true)
}
