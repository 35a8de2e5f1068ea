package index

import (
	"context"
	"testing"
	"time"
)

// TestFGGate: background work waits in idle while a query runs and goes on
// when the last one leaves, when its context ends, or after maxYield when
// queries never stop.
func TestFGGate(t *testing.T) {
	var g fgGate
	g.idle(context.Background()) // no query: returns at once
	old := maxYield
	t.Cleanup(func() { maxYield = old })
	maxYield = time.Hour // only the queries leaving end this wait
	leave1, leave2 := g.enter(), g.enter()
	done := make(chan struct{})
	go func() {
		g.idle(context.Background())
		close(done)
	}()
	leave1()
	select {
	case <-done:
		t.Fatal("idle returned while a query still ran")
	default:
	}
	leave2()
	<-done

	ctx, cancel := context.WithCancel(context.Background())
	leave := g.enter()
	stopped := make(chan struct{})
	go func() {
		g.idle(ctx)
		close(stopped)
	}()
	cancel()
	<-stopped

	maxYield = time.Millisecond // a server that is never idle
	g.idle(context.Background())
	leave()
}
