package sshserve

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when the test advances it. Every
// deadline a timer is set to is reported on armed, so a test can wait
// until the idle timer has been (re)armed instead of sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), armed: make(chan time.Time, 64)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	t := &fakeTimer{clk: c, c: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves the time on by d and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.on && !t.at.After(c.now) {
			t.on = false
			select {
			case t.c <- c.now:
			default:
			}
		}
	}
}

// waitArmed waits until a timer is set to fire at the given time.
func (c *fakeClock) waitArmed(t *testing.T, at time.Time) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-c.armed:
			if got.Equal(at) {
				return
			}
		case <-timeout:
			t.Fatalf("no timer armed for %s", at)
		}
	}
}

type fakeTimer struct {
	clk *fakeClock
	c   chan time.Time
	at  time.Time
	on  bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Reset(d time.Duration) {
	t.clk.mu.Lock()
	t.at, t.on = t.clk.now.Add(d), true
	at := t.at
	t.clk.mu.Unlock()
	t.clk.armed <- at
}

func (t *fakeTimer) Stop() {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	t.on = false
}
