package jar

import (
	"archive/zip"
	"encoding/binary"
	"hash/maphash"
	"io"
	"sync"

	"github.com/vouchdev/vouch/extract"
)

// A scan often meets the same nested jar more than once: an EAR holds the
// WAR deployed beside it, and with it every jar of that WAR. One
// extractor (one scan of a tree) remembers what it found in each nested
// jar that holds no archive of its own, so that the same bytes under
// another parent are not inflated, hashed and read again. Only the result
// is kept (the artifacts and the SHA-1), never the bytes.
//
// The key is what a zip entry says of its bytes (CRC-32, sizes, method)
// with a 128-bit hash of its compressed bytes, which is the identity, and
// the entry's file name, which identification reads. The hash is two
// hash/maphash sums under seeds drawn at random for each extractor: some
// ten times faster than SHA-1 or SHA-256 (which cost as much as inflating
// and hashing a jar held in a WAR, whose jars deflate stores), and, its
// seeds unknown to whoever wrote the archive, as hard to collide on
// purpose as by chance (2^-128). Only a jar read whole without any problem
// or limit reached is remembered; reusing it charges the per-file limits
// what reading it again would have, and reads it again where that would
// not fit.

// maxCached bounds the nested jars remembered by one extractor.
const maxCached = 100_000

// leafKey identifies the bytes and name of a nested jar.
type leafKey struct {
	crc          uint32
	csize, usize uint64
	method       uint16
	base         string
	sum          [16]byte
}

// leaf is what reading a nested jar without nested archives gave.
type leaf struct {
	sum    string // SHA-1 of the jar's bytes
	own    *ident
	shaded []pom
	opened int   // descriptors opened
	spent  int64 // bytes of descriptors charged to the budget
}

// leafCache holds the leaves of one extractor; Extract runs concurrently.
type leafCache struct {
	mu     sync.Mutex
	leaves map[leafKey]*leaf
	names  map[leafKey]bool // keys with sum zeroed: cheap tests for the prefetcher
	hits   int              // leaves reused, which tests check
	seeds  [2]maphash.Seed
}

func newLeafCache() *leafCache {
	return &leafCache{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// probable reports, without hashing anything, whether f is likely
// remembered, so that it is not inflated ahead for nothing.
func (lc *leafCache) probable(f *zip.File) bool {
	k := cheapKey(f)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.names[k]
}

func cheapKey(f *zip.File) leafKey {
	return leafKey{crc: f.CRC32, csize: f.CompressedSize64, usize: f.UncompressedSize64, method: f.Method, base: extract.Base(f.Name)}
}

func (lc *leafCache) get(k leafKey) *leaf {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	l := lc.leaves[k]
	if l != nil {
		lc.hits++
	}
	return l
}

func (lc *leafCache) put(k leafKey, l *leaf) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.leaves == nil {
		lc.leaves, lc.names = map[leafKey]*leaf{}, map[leafKey]bool{}
	}
	if len(lc.leaves) >= maxCached {
		return
	}
	lc.leaves[k] = l
	ck := k
	ck.sum = [16]byte{}
	lc.names[ck] = true
}

// leafKeyOf returns the key of the nested entry f of parent, hashing its
// compressed bytes (off and size already checked to lie in parent).
func (s *scan) leafKeyOf(parent *archive, f *zip.File, off, size int64) (leafKey, bool) {
	k := cheapKey(f)
	var h1, h2 maphash.Hash
	h1.SetSeed(s.cache.seeds[0])
	h2.SetSeed(s.cache.seeds[1])
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	r := io.NewSectionReader(parent.ra, off, size)
	for {
		if s.ctx.Err() != nil {
			return k, false
		}
		n, err := r.Read(*bp)
		h1.Write((*bp)[:n])
		h2.Write((*bp)[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return k, false
		}
	}
	binary.LittleEndian.PutUint64(k.sum[:8], h1.Sum64())
	binary.LittleEndian.PutUint64(k.sum[8:], h2.Sum64())
	return k, true
}

// reuse charges the per-file limits for the remembered nested jar l, of
// size bytes, as reading it would, reporting false (charging nothing)
// when reading it would reach a limit: it is then read, and the limit
// reported, as without the cache.
func (s *scan) reuse(l *leaf, size int64) bool {
	if s.opened+l.opened > s.lim.maxOpened {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.archives >= s.lim.maxArchives || s.total+size+l.spent > s.lim.maxTotal {
		return false
	}
	s.total += size + l.spent
	s.archives++
	s.opened += l.opened
	return true
}

// spentSoFar returns the bytes charged to the per-file budget.
func (s *scan) spentSoFar() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}
