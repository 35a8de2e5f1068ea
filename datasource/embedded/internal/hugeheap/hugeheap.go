// Package hugeheap lets a process that is about to fill a few hundred
// megabytes of Go heap at once (the embedded store decoding a month of
// column chunks in a new process) get that memory in transparent huge
// pages.
//
// Touching fresh memory costs a page fault per 4 KiB page. On the
// reference machine (a 2-core virtual machine) that is about 10 us a
// fault, so a 30-day `ttmon snapshot` at 10M events spent half its CPU
// in page faults under memmove: filling fresh memory ran at 0.4 GB/s,
// against 11 GB/s in 2 MiB pages. Go does not ask for huge pages for its
// heap, and most distributions enable them only where a program asks
// (/sys/kernel/mm/transparent_hugepage/enabled = madvise).
//
// Reserve has the runtime map n bytes of heap at once, as blocks it
// never touches, marks their range MADV_HUGEPAGE and lets the blocks go:
// the allocations that follow reuse the range (the runtime allocates at
// the lowest free address), and their first touch maps 2 MiB at a time.
// Advising the heap after it grows does not do: the runtime maps it 4 MiB
// at a time and allocates from each mapping at once. It changes where
// pages come from, never what a program computes; where the kernel does
// not take the advice it has no effect.
package hugeheap

import "sync"

// Region is the reserved range.
type Region struct {
	start, size uintptr // zero when nothing was reserved
	mu          sync.Mutex
	advised     bool
	released    bool
}

// Release marks the range for normal pages again, so that a long-running
// process's heap is not collapsed into huge pages by khugepaged once its
// big load is done. Pages already huge stay so. Safe on a nil Region,
// more than once and from several goroutines.
func (r *Region) Release() {
	if r == nil || r.size == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.advised && !r.released {
		adviseHuge(r.start, r.size, false)
	}
	r.released = true
}

// Active reports whether the range asks for huge pages: advised, not
// released.
func (r *Region) Active() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.advised && !r.released
}
