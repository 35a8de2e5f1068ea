package index

import (
	"context"
	"testing"
)

// TestFGGate: background work waits in idle while a query runs and goes on
// when the last one leaves, or when its context ends (Stop's wake).
func TestFGGate(t *testing.T) {
	var g fgGate
	g.idle(context.Background()) // no query: returns at once
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
	defer leave()
	stopped := make(chan struct{})
	go func() {
		g.idle(ctx)
		close(stopped)
	}()
	cancel()
	g.wake()
	<-stopped
}
