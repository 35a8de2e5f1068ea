//go:build !race

package embedded

// raceOn is false without -race; see race_on_test.go.
const raceOn = false
