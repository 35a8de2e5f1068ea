//go:build race

package embedded

// raceOn shrinks the randomized test under -race: the race detector slows
// the transpiled SQLite ~50x, and the concurrency tests are what -race is for.
const raceOn = true
