//go:build linux && (amd64 || arm64)

package hugeheap

import (
	"runtime"
	"syscall"
	"unsafe"
)

// Reserve marks the next n bytes of heap the runtime maps for huge pages
// (see the package doc), at most a quarter of the machine's memory: the
// range is never touched, but a kernel that overcommits by heuristic
// refuses one mapping larger than it could ever back, and the runtime
// does not survive a refused heap mapping. It returns a zero Region when
// it cannot.
func Reserve(n int) *Region {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return &Region{}
	}
	n = int(min(uint64(n), uint64(si.Totalram)*uint64(si.Unit)/4))
	if n < 4<<20 {
		return &Region{}
	}
	b := make([]byte, n) // fresh from the OS: mapped, never touched
	start, size := uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b))
	if madvise(start, size, syscall.MADV_HUGEPAGE) != nil {
		return &Region{} // no THP in this kernel: nothing to undo
	}
	runtime.KeepAlive(b)
	runtime.GC() // the range is free for the allocations that follow
	// The range stays the Go heap's for the life of the process; only
	// its advice changes.
	return &Region{release: func() { _ = madvise(start, size, syscall.MADV_NOHUGEPAGE) }}
}

// madvise is madvise(2) on an address range (not a Go value: the range
// outlives the allocation that first held it).
func madvise(start, size uintptr, advice int) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, size, uintptr(advice)); errno != 0 {
		return errno
	}
	return nil
}
