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
// Reserve makes the runtime map n bytes of heap address space at once
// (one allocation it never touches), marks that range MADV_HUGEPAGE and
// lets the allocation go: the allocations that follow reuse the range,
// and their first touch maps 2 MiB at a time. It changes where pages come
// from, never what a program computes; where the kernel or the runtime
// behaves otherwise it has no effect.
package hugeheap

import (
	"sync"
	"sync/atomic"
)

// Region is a reserved range; Release ends its huge pages for new faults.
type Region struct {
	release func() // nil when nothing was reserved
	once    sync.Once
	done    atomic.Bool
}

// Active reports whether the range still asks for huge pages: reserved,
// not released.
func (r *Region) Active() bool { return r != nil && r.release != nil && !r.done.Load() }

// Release marks the range for normal pages again, so that a long-running
// process's memory is not collapsed into huge pages by khugepaged once
// its big load is done. Pages already huge stay so. Safe on a nil or
// zero Region, more than once and from several goroutines.
func (r *Region) Release() {
	if r != nil && r.release != nil {
		r.once.Do(func() {
			r.release()
			r.done.Store(true)
		})
	}
}
