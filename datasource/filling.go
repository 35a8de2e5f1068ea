package datasource

// Filler is implemented by a source whose history is still arriving, such
// as a demo's store while its simulated week is sent: the monitor opens
// at once and, while Filling says something, polls it every second
// instead of its usual interval, so the panes fill as the history comes
// in, and shows what Filling says in its header.
type Filler interface {
	// Filling says in a few words how far the history is ("demo backfill
	// 42%"); "" once it is all in.
	Filling() string
}
