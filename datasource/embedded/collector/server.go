package collector

import (
	"io"
	"log"
	"log/slog"
	"net/http"
	"time"
)

// NewServer returns an http.Server for h with every timeout set, so slow or
// stalled clients cannot hold connections forever: headers within 10 s, the
// whole request within 60 s (a 20 MiB batch over a slow link), the answer
// within 90 s (the store's commit included), idle keep-alives for 120 s.
// Headers are capped at 256 KiB: GET payloads travel in the URL. The
// server's own error log goes to the collector's logger when h is a
// *Collector, and nowhere otherwise, never to stderr.
func NewServer(addr string, h http.Handler) *http.Server {
	errLog := log.New(io.Discard, "", 0)
	if c, ok := h.(*Collector); ok {
		errLog = slog.NewLogLogger(c.log.Handler(), slog.LevelWarn)
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    256 << 10,
		ErrorLog:          errLog,
	}
}
