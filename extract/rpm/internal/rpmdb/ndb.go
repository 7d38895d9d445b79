package rpmdb

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"io"
	"slices"
)

// rpm's own "ndb" package database, Packages.db (SUSE since SLES 15 SP3 and
// openSUSE Leap 15.3), as rpm's lib/backend/ndb/rpmpkg.c writes it. All
// numbers are little-endian uint32s.
//
// The file starts with slot pages of 4096 bytes. The first 32 bytes are
// the database header: magic "RpmP", version 0, generation, number of slot
// pages, next package index. Then come 16-byte slots: magic "Slot",
// package index, block offset, block count (a block is 16 bytes); a slot
// with block offset 0 is free. A slot's blocks hold a blob: a 16-byte head
// (magic "BlbS", package index, generation, blob length), the header blob,
// zero padding to the block size, and a 12-byte tail (Adler-32 of head,
// blob and padding; blob length; magic "BlbE").
//
// A damaged slot or blob is reported and skipped; the others are read.

const (
	ndbMagic       = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbHeadMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbTailMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'E'<<24
	ndbHeaderSize  = 32
	ndbPageSize    = 4096
	ndbSlotSize    = 16
	ndbBlockSize   = 16
	ndbBlobHead    = 16
	ndbBlobTail    = 12
	ndbMaxVersion  = 0
	ndbSlotsInPage = ndbPageSize / ndbSlotSize
)

// ReadNDB reads the package records of an NDB Packages.db of size bytes,
// calling emit for each, damaged ones included.
func ReadNDB(ctx context.Context, ra io.ReaderAt, size int64, emit func(Record) error) error {
	le := binary.LittleEndian
	head := make([]byte, ndbHeaderSize)
	if size < ndbPageSize {
		return fmt.Errorf("ndb: %w: %d bytes, shorter than one slot page", ErrTruncated, size)
	}
	if _, err := ra.ReadAt(head, 0); err != nil {
		return fmt.Errorf("ndb: read header: %w", err)
	}
	if m := le.Uint32(head); m != ndbMagic {
		return fmt.Errorf("ndb: bad magic %#x at offset 0", m)
	}
	if v := le.Uint32(head[4:]); v != ndbMaxVersion {
		return fmt.Errorf("ndb: version %d, only %d is known", v, ndbMaxVersion)
	}
	slotPages := int64(le.Uint32(head[12:]))
	if slotPages == 0 || slotPages*ndbPageSize > size {
		return fmt.Errorf("ndb: %d slot pages in a file of %d bytes", slotPages, size)
	}
	fileBlocks := size / ndbBlockSize
	minBlock := slotPages * (ndbPageSize / ndbBlockSize)

	// Slots are all read first, so that blobs claiming overlapping blocks
	// can be told apart: each byte of the file is then read for one blob
	// at most, whatever the slots say.
	type slot struct {
		idx              uint32
		blockOff, blocks int64
		at               string
	}
	var slots []slot
	page := make([]byte, ndbPageSize)
	seen := map[uint32]bool{}
	for pg := int64(0); pg < slotPages; pg++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := ra.ReadAt(page, pg*ndbPageSize); err != nil {
			return fmt.Errorf("ndb: read slot page %d: %w", pg, err)
		}
		first := 0
		if pg == 0 {
			first = ndbHeaderSize / ndbSlotSize
		}
		for i := first; i < ndbSlotsInPage; i++ {
			slotNo := int(pg)*ndbSlotsInPage + i
			s := page[i*ndbSlotSize : (i+1)*ndbSlotSize]
			off := pg*ndbPageSize + int64(i*ndbSlotSize)
			if le.Uint32(s) != ndbSlotMagic {
				// rpm refuses the whole database here; what follows is not
				// slots either.
				return fmt.Errorf("ndb: slot %d at offset %d: bad magic", slotNo, off)
			}
			idx, blockOff, blocks := le.Uint32(s[4:]), int64(le.Uint32(s[8:])), int64(le.Uint32(s[12:]))
			if blockOff == 0 {
				continue // free
			}
			var err error
			switch {
			case idx == 0 || blocks == 0:
				err = fmt.Errorf("slot with package index %d and %d blocks", idx, blocks)
			case blockOff < minBlock || blockOff+blocks > fileBlocks:
				err = fmt.Errorf("slot blocks %d..%d outside the blob area %d..%d", blockOff, blockOff+blocks, minBlock, fileBlocks)
			case seen[idx]:
				err = fmt.Errorf("package index %d in two slots", idx)
			}
			at := fmt.Sprintf("slot %d (offset %d)", slotNo, off)
			if err != nil {
				if err := emit(Record{Key: idx, At: at, Err: err}); err != nil {
					return err
				}
				continue
			}
			if len(slots) == MaxRecords {
				return fmt.Errorf("ndb: more than %d packages", MaxRecords)
			}
			seen[idx] = true
			slots = append(slots, slot{idx: idx, blockOff: blockOff, blocks: blocks, at: at})
		}
	}
	slices.SortFunc(slots, func(a, b slot) int { return cmp.Compare(a.blockOff, b.blockOff) })
	end := int64(0)
	for i, s := range slots {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var blob []byte
		var err error
		if s.blockOff < end {
			err = fmt.Errorf("blocks %d..%d overlap the previous blob", s.blockOff, s.blockOff+s.blocks)
		} else {
			end = s.blockOff + s.blocks
			blob, err = ndbBlob(ra, s.idx, s.blockOff, s.blocks)
			if err != nil {
				s.at = fmt.Sprintf("blob of package %d (offset %d)", s.idx, s.blockOff*ndbBlockSize)
			}
		}
		if err := emit(Record{Key: s.idx, At: s.at, Blob: blob, Err: err}); err != nil {
			return err
		}
	}
	return nil
}

// ndbBlob reads and checks the blob of package idx in blocks blockOff up
// to blockOff+blocks, already known to be inside the file.
func ndbBlob(ra io.ReaderAt, idx uint32, blockOff, blocks int64) ([]byte, error) {
	le := binary.LittleEndian
	buf := make([]byte, blocks*ndbBlockSize)
	if _, err := ra.ReadAt(buf, blockOff*ndbBlockSize); err != nil {
		return nil, err
	}
	if len(buf) < ndbBlobHead+ndbBlobTail {
		return nil, fmt.Errorf("blob of %d bytes", len(buf))
	}
	if le.Uint32(buf) != ndbHeadMagic {
		return nil, fmt.Errorf("blob head: bad magic")
	}
	if i := le.Uint32(buf[4:]); i != idx {
		return nil, fmt.Errorf("blob head names package %d", i)
	}
	n := int64(le.Uint32(buf[12:]))
	if (ndbBlobHead+n+ndbBlobTail+ndbBlockSize-1)/ndbBlockSize != blocks {
		return nil, fmt.Errorf("blob of %d bytes in %d blocks", n, blocks)
	}
	tail := buf[len(buf)-ndbBlobTail:]
	if le.Uint32(tail[8:]) != ndbTailMagic || int64(le.Uint32(tail[4:])) != n {
		return nil, fmt.Errorf("blob tail does not match its head")
	}
	if sum := adler32.Checksum(buf[:len(buf)-ndbBlobTail]); sum != le.Uint32(tail) {
		return nil, fmt.Errorf("blob checksum %#x, tail records %#x", sum, le.Uint32(tail))
	}
	return buf[ndbBlobHead : ndbBlobHead+n], nil
}
