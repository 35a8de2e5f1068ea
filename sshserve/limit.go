package sshserve

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// limiter is a token bucket per client address: burst connections at
// once, then one more every `every`. It runs before the SSH handshake, so
// a client hammering the port costs an accept and a close, not a key
// exchange. (wish's ratelimiter middleware runs after authentication and
// needs golang.org/x/time, which ttmon does not otherwise use.)
type limiter struct {
	burst int
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
	warned bool // a refusal was logged since the last accepted connection
}

// maxBuckets bounds memory under a scan from many addresses; full buckets
// (addresses quiet for burst*every) are dropped first.
const maxBuckets = 4096

func newLimiter(burst int, every time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: burst, every: every, now: now, buckets: map[netip.Addr]*bucket{}}
}

// allow takes a token for addr. first is true for the first refusal after
// an accepted connection, so that a flood is logged once, not per attempt.
func (l *limiter) allow(addr netip.Addr) (ok, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, found := l.buckets[addr]
	if !found {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[addr] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		first = !b.warned
		b.warned = true
		return false, first
	}
	b.tokens--
	b.warned = false
	return true, false
}

func (l *limiter) refill(b *bucket, now time.Time) {
	if l.every > 0 {
		b.tokens += float64(now.Sub(b.at)) / float64(l.every)
	}
	b.tokens = min(b.tokens, float64(l.burst))
	b.at = now
}

// sweep drops full buckets and, if that is not enough, all of them (l.mu
// held): forgetting an address only ever gives it a fresh burst.
func (l *limiter) sweep(now time.Time) {
	for a, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.burst) {
			delete(l.buckets, a)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// remoteAddr is the client's IP address, unmapped from IPv4-in-IPv6.
func remoteAddr(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(tcp.IP); ok {
			return ip.Unmap()
		}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
