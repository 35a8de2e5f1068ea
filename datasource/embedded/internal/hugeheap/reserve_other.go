//go:build !linux || !(amd64 || arm64)

package hugeheap

// Reserve does nothing here: transparent huge pages are Linux's, and a
// 32-bit address space has no room to reserve.
func Reserve(int) *Region { return &Region{} }

func adviseHuge(uintptr, uintptr, bool) bool { return false }
