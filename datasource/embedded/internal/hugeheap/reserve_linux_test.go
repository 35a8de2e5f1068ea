//go:build linux && (amd64 || arm64)

package hugeheap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestReservedRangeServesAllocations: after Reserve, a big allocation
// lands in the reserved range, in a mapping the kernel holds for huge
// pages (VmFlags hg), and Release takes the advice back (nh). This is
// the runtime behaviour the package counts on; if a Go release stops
// reusing the range, this says so instead of the benchmarks quietly
// slowing down.
func TestReservedRangeServesAllocations(t *testing.T) {
	r := Reserve(256 << 20)
	if !r.Active() {
		t.Skip("madvise(MADV_HUGEPAGE) refused: no transparent huge pages in this kernel")
	}
	b := make([]byte, 64<<20)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	// The runtime may start the allocation on free pages just before the
	// range (one run in many here began 96 KiB early): most of it in the
	// range is what the decoding's page faults need.
	lo, hi := max(start, r.start), min(start+uintptr(len(b)), r.start+r.size)
	if hi <= lo || hi-lo < uintptr(len(b))*15/16 {
		t.Fatalf("a 64 MiB allocation at %#x is mostly outside the reserved [%#x, +%#x)", start, r.start, r.size)
	}
	addr := lo // inside the range, whose mapping has the advice
	if flags := vmFlags(t, addr); !strings.Contains(flags, " hg") {
		t.Fatalf("the allocation's mapping has flags %q, want hg", flags)
	}
	r.Release()
	r.Release() // twice is fine
	if flags := vmFlags(t, addr); !strings.Contains(flags, " nh") || r.Active() {
		t.Fatalf("after Release the mapping has flags %q (active %v), want nh", flags, r.Active())
	}
	b[0] = 1
}

// vmFlags returns the VmFlags line of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line + " ")[0], "-"); ok && !strings.HasSuffix(lo, ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			in = err1 == nil && err2 == nil && uint64(addr) >= a && uint64(addr) < b
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return line
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}
