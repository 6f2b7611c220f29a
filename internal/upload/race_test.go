//go:build race

package upload

// raceEnabled: the race detector doubles or more what a process holds
// resident, so resident memory is not measured under it.
const raceEnabled = true
