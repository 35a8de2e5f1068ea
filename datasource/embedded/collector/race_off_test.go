//go:build !race

package collector

// raceOn is false without -race; see race_on_test.go.
const raceOn = false
