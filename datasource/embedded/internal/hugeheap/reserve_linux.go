//go:build linux && (amd64 || arm64)

package hugeheap

import (
	"runtime"
	"syscall"
	"unsafe"
)

// block is the size of the blocks Reserve allocates: the runtime's unit of
// heap mapping. A block that lands on pages the heap used before is
// zeroed (they are resident, so that is a memclr); one big allocation
// straddling such pages would have had all of its n bytes zeroed, which
// touches them.
const block = 4 << 20

// Reserve marks the next n bytes of heap the runtime maps for huge pages
// (see the package doc), at most a quarter of the machine's memory: a
// kernel that overcommits by heuristic refuses mappings it could never
// back, and the runtime does not survive a refused heap mapping. It
// returns an inactive Region when it cannot.
func Reserve(n int) *Region {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return &Region{}
	}
	n = int(min(uint64(n), uint64(si.Totalram)*uint64(si.Unit)/4))
	if n < block {
		return &Region{}
	}
	blocks := make([][]byte, n/block)
	lo, hi := ^uintptr(0), uintptr(0)
	for i := range blocks {
		blocks[i] = make([]byte, block)
		at := uintptr(unsafe.Pointer(unsafe.SliceData(blocks[i])))
		lo, hi = min(lo, at), max(hi, at+block)
	}
	r := &Region{start: lo, size: hi - lo}
	r.advised = adviseHuge(lo, hi-lo, true)
	runtime.KeepAlive(blocks)
	runtime.GC() // the range is free for the allocations that follow
	if !r.advised {
		return &Region{}
	}
	return r
}

// adviseHuge madvises the mapped parts of [start, start+size), huge or
// not; it reports whether the kernel took the advice (ENOMEM only says
// the range has holes, which it skips).
func adviseHuge(start, size uintptr, huge bool) bool {
	advice := syscall.MADV_NOHUGEPAGE
	if huge {
		advice = syscall.MADV_HUGEPAGE
	}
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, size, uintptr(advice))
	return errno == 0 || errno == syscall.ENOMEM
}
