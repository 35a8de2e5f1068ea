package sshserve

import "time"

// clock is where a session's idle timer reads the time and gets its timer
// from. The server uses the wall clock; tests drive a fake one, so the
// idle timeout is tested by moving time, not by waiting for it.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) timer
}

// timer is the part of *time.Timer the idle timer uses.
type timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer(d time.Duration) timer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time   { return w.t.C }
func (w wallTimer) Reset(d time.Duration) { w.t.Reset(d) }
func (w wallTimer) Stop()                 { w.t.Stop() }
