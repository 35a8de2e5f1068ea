package index

// Folding chunks into a digest (hbdigest.go). A query lists the full
// chunks whose user pairs are derived and that are not folded yet, as
// copies of their slice headers taken under x.mu (a full chunk's arrays
// never change, so the copies are read without it), and folds them
// itself (DigestsInline) or leaves them to one background goroutine
// (DigestsBackground), which folds them in batches under h.mu: a query
// waits at most one batch for the digest. A chunk counts as folded only
// once its hours are written to the entries, so a query never reads an
// hour half folded.

// foldBatch is how many chunks a background fold folds per hold of h.mu
// (16 chunks of every event: a few milliseconds).
const foldBatch = 16

// foldJob is one chunk to fold.
type foldJob struct {
	ci int
	c  chunk
	cp chunkPairs
}

// foldable lists the chunks of todo to fold; h.mu must be held, and x.mu
// for reading.
func (h *hbDigest) foldable(x *Index, todo []int, pv *pairView) []foldJob {
	var out []foldJob
	for _, ci := range todo {
		c := x.chunks[ci]
		if ci < len(h.folded) && h.folded[ci] {
			continue
		}
		if int64(c.len()) != chunkSize || ci >= len(pv.chunks) || len(pv.chunks[ci].loc) != c.len() ||
			(h.all && len(c.did) < c.len()) {
			continue
		}
		out = append(out, foldJob{ci: ci, c: *c, cp: pv.chunks[ci]})
	}
	return out
}

// foldJobs folds jobs and marks them folded; h.mu must be held. dids is
// how many distinct ids there were when they were listed.
func (h *hbDigest) foldJobs(jobs []foldJob, dids int) {
	h.last = grow(h.last, int64(dids)-1)
	for i := range jobs {
		if j := &jobs[i]; j.ci >= len(h.folded) || !h.folded[j.ci] {
			h.foldChunk(&j.c, &j.cp)
		}
	}
	for l := range h.cur {
		if cw := &h.cur[l]; cw.bits != 0 {
			h.ents[l].or(cw.w, cw.bits)
			cw.bits = 0
		}
	}
	for _, j := range jobs {
		h.folded = grow(h.folded, int64(j.ci))
		h.folded[j.ci] = true
	}
}

// foldChunk adds c's heartbeats (or all its events) to the current words.
func (h *hbDigest) foldChunk(c *chunk, cp *chunkPairs) {
	var hr, hLo, hHi int64 // [hLo, hHi) is hour hr
	add := func(i int, did uint32) {
		if ms := c.ms(i); ms < hLo || ms >= hHi {
			hr = hourOf(ms)
			hLo, hHi = hr*hourMs, (hr+1)*hourMs
		}
		l := h.entry(did, cp.tab[cp.loc[i]], c.tupOf(i))
		cw := &h.cur[l]
		if w := hr >> 6; cw.w != w {
			if cw.bits != 0 {
				h.ents[l].or(cw.w, cw.bits)
			}
			cw.w, cw.bits = w, 0
		}
		cw.bits |= 1 << (hr & 63)
	}
	if h.all {
		for i, did := range c.did[:c.len()] {
			add(i, did)
		}
		return
	}
	for j, o := range c.hb {
		add(int(o), c.hbDID(j, int(o)))
	}
}

// foldLater starts the background fold of jobs unless one runs; h.mu must
// be held. The chunks it does not take are listed again by a later query.
func (x *Index) foldLater(h *hbDigest, jobs []foldJob, dids int) {
	if h.folding || len(jobs) == 0 || x.ctx.Err() != nil {
		return
	}
	h.folding = true
	x.folds.Add(1)
	go func() {
		defer x.folds.Done()
		for len(jobs) > 0 && x.ctx.Err() == nil {
			n := min(len(jobs), foldBatch)
			h.mu.Lock()
			h.foldJobs(jobs[:n], dids)
			h.mu.Unlock()
			jobs = jobs[n:]
		}
		h.mu.Lock()
		h.folding = false
		h.mu.Unlock()
	}()
}
