package embedded

import "testing"

// Helpers for the external test package (embedded_test), whose benchmarks
// need the collector, which imports this package.

// BenchPath generates (once) and returns the cached store of size events.
func BenchPath(tb testing.TB, size int) string { return benchPath(tb, size) }

// BenchSizes lists the data sets to run on (see benchSizes).
func BenchSizes() []int { return benchSizes() }

// SizeName names a data set size ("1M").
func SizeName(n int) string { return sizeName(n) }

// Groups is how many transactions the writer has started.
func Groups(s *Store) int64 { return s.w.groups.Load() }
