//go:build race

package collector

// raceOn shrinks the large bad-input test under -race: the race detector
// slows the transpiled SQLite many times over.
const raceOn = true
