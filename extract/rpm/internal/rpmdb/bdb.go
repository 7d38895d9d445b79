package rpmdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The Berkeley DB hash file rpm kept its Packages database in until the
// move to SQLite (RHEL and CentOS up to 8, Amazon Linux 2, SLES up to 15
// SP2). Only what rpm's database uses is read: a hash database (not a
// btree), unencrypted, with a 4-byte key (the header number, in the byte
// order of the host that wrote it, as the file's own fields) per header.
//
// Page 0 is the metadata page:
//
//	 0  lsn        8 bytes
//	 8  pgno       uint32
//	12  magic      uint32, 0x061561 for a hash database
//	16  version    uint32
//	20  pagesize   uint32, a power of two from 512 to 65536
//	24  encrypt    uint8, 0 unless encrypted
//	25  type       uint8, 8 (hash metadata)
//	26  metaflags  uint8, bit 0: pages carry checksums
//	32  last_pgno  uint32
//
// Every other page starts with a 26-byte header (lsn, pgno, prev_pgno at
// 12, next_pgno at 16, entries at 20, hf_offset at 22, level, type at 25),
// followed on a checksummed database by 6 bytes of alignment and checksum.
// Hash pages (type 13, or 2 for the unsorted pages of old versions) hold
// an array of entries 2-byte item offsets after the header; items come in
// key/data pairs, each starting with its kind: 1 (H_KEYDATA, the bytes
// follow, the item running to the previous item's start or the page end)
// or 3 (H_OFFPAGE: 3 unused bytes, the first overflow page and the total
// length as uint32s). Overflow pages (type 7) hold hf_offset bytes of the
// value after the header and chain through next_pgno.
//
// The reader walks the pages in order rather than the hash buckets, so a
// broken bucket chain cannot hide the records after it. Each overflow page
// may be used by one value only: a page met twice (a cycle, or two values
// claiming it) breaks the value, which bounds the work by the file size.

const (
	bdbHashMagic     = 0x061561
	bdbBtreeMagic    = 0x053162
	bdbPageHeader    = 26
	bdbChecksumExtra = 6 // alignment and the 4-byte checksum
	bdbMetaChecksum  = 0x01

	bdbPageHashUnsorted = 2
	bdbPageOverflow     = 7
	bdbPageHashMeta     = 8
	bdbPageHash         = 13

	bdbKeyData = 1
	bdbOffPage = 3
)

// bdb is an open Berkeley DB hash file.
type bdb struct {
	ra       io.ReaderAt
	order    binary.ByteOrder
	pageSize int64
	overhead int64  // bytes before a page's item index or overflow data
	last     uint32 // last page number to read
	used     []bool // overflow pages already part of a value
	page     []byte // the hash page being read
	over     []byte // the overflow page being read
}

// ReadBDB reads the package records of a Berkeley DB hash Packages file of
// size bytes, calling emit for each, damaged ones included.
func ReadBDB(ctx context.Context, ra io.ReaderAt, size int64, emit func(Record) error) error {
	meta := make([]byte, 72)
	if size < int64(len(meta)) {
		return fmt.Errorf("berkeley db: %w: %d bytes, shorter than the metadata page", ErrTruncated, size)
	}
	if _, err := ra.ReadAt(meta, 0); err != nil {
		return fmt.Errorf("berkeley db: read metadata: %w", err)
	}
	db := &bdb{ra: ra}
	switch {
	case binary.LittleEndian.Uint32(meta[12:]) == bdbHashMagic:
		db.order = binary.LittleEndian
	case binary.BigEndian.Uint32(meta[12:]) == bdbHashMagic:
		db.order = binary.BigEndian
	case binary.LittleEndian.Uint32(meta[12:]) == bdbBtreeMagic, binary.BigEndian.Uint32(meta[12:]) == bdbBtreeMagic:
		return errors.New("berkeley db: a btree database, not the hash database rpm keeps packages in")
	default:
		return fmt.Errorf("berkeley db: bad magic %#x at offset 12", binary.LittleEndian.Uint32(meta[12:]))
	}
	ps := db.order.Uint32(meta[20:])
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("berkeley db: page size %d at offset 20 is not a power of two from 512 to 65536", ps)
	}
	db.pageSize = int64(ps)
	if meta[24] != 0 {
		return fmt.Errorf("berkeley db: encrypted (algorithm %d), cannot be read", meta[24])
	}
	if meta[25] != bdbPageHashMeta {
		return fmt.Errorf("berkeley db: metadata page of type %d, want %d (hash)", meta[25], bdbPageHashMeta)
	}
	db.overhead = bdbPageHeader
	if meta[26]&bdbMetaChecksum != 0 {
		db.overhead += bdbChecksumExtra
	}
	last := db.order.Uint32(meta[32:])
	pages := size / db.pageSize
	var truncated error
	if int64(last) >= pages {
		truncated = fmt.Errorf("berkeley db: %w: last page %d, but the file holds %d pages", ErrTruncated, last, pages)
		if pages == 0 {
			return truncated
		}
		last = uint32(pages - 1)
	}
	db.last = last
	db.used = make([]bool, int64(last)+1)
	db.page = make([]byte, db.pageSize)
	db.over = make([]byte, db.pageSize)

	for pg := uint32(1); pg <= db.last; pg++ {
		if pg%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := db.readPage(pg, db.page); err != nil {
			return err
		}
		if t := db.page[25]; t != bdbPageHash && t != bdbPageHashUnsorted {
			continue
		}
		if err := db.hashPage(pg, emit); err != nil {
			return err
		}
	}
	if truncated != nil {
		return emit(Record{At: "the end of the file", Err: truncated})
	}
	return nil
}

func (db *bdb) readPage(pg uint32, buf []byte) error {
	off := int64(pg) * db.pageSize
	if _, err := db.ra.ReadAt(buf, off); err != nil {
		return fmt.Errorf("berkeley db: read page %d at offset %d: %w", pg, off, err)
	}
	return nil
}

// hashPage emits the records of the hash page in db.page.
func (db *bdb) hashPage(pg uint32, emit func(Record) error) error {
	p := db.page
	at := func(i int) string {
		return fmt.Sprintf("page %d item %d (offset %d)", pg, i, int64(pg)*db.pageSize)
	}
	n := int(db.order.Uint16(p[20:]))
	indexEnd := db.overhead + 2*int64(n)
	if n%2 != 0 || indexEnd > db.pageSize {
		return emit(Record{At: at(0), Err: fmt.Errorf("hash page with %d entries", n)})
	}
	// item returns the bytes of item i, bounded by the previous item's
	// start (items are laid out from the page end down).
	item := func(i int) ([]byte, error) {
		start := int64(db.order.Uint16(p[db.overhead+2*int64(i):]))
		end := db.pageSize
		if i > 0 {
			end = int64(db.order.Uint16(p[db.overhead+2*int64(i-1):]))
		}
		if start < indexEnd || start >= end || end > db.pageSize {
			return nil, fmt.Errorf("item at %d..%d outside the page", start, end)
		}
		return p[start:end], nil
	}
	for i := 0; i < n; i += 2 {
		k, err := item(i)
		if err == nil && (k[0] != bdbKeyData || len(k) != 5) {
			err = fmt.Errorf("key of kind %d and %d bytes, want a 4-byte header number", k[0], len(k)-1)
		}
		if err != nil {
			if err := emit(Record{At: at(i), Err: err}); err != nil {
				return err
			}
			continue
		}
		key := db.order.Uint32(k[1:])
		if key == 0 {
			continue // rpm's record of the last header number used
		}
		v, err := item(i + 1)
		var blob []byte
		if err == nil {
			blob, err = db.value(v)
		}
		if err := emit(Record{Key: key, At: at(i + 1), Blob: blob, Err: err}); err != nil {
			return err
		}
	}
	return nil
}

// value returns the data an item holds, inline or on overflow pages.
func (db *bdb) value(v []byte) ([]byte, error) {
	switch v[0] {
	case bdbKeyData:
		return append([]byte(nil), v[1:]...), nil
	case bdbOffPage:
	default:
		return nil, fmt.Errorf("data item of kind %d, want %d or %d", v[0], bdbKeyData, bdbOffPage)
	}
	if len(v) < 12 {
		return nil, fmt.Errorf("off-page item of %d bytes", len(v))
	}
	pg := db.order.Uint32(v[4:])
	total := int64(db.order.Uint32(v[8:]))
	if total > int64(db.last+1)*db.pageSize {
		return nil, fmt.Errorf("value of %d bytes, more than the file holds", total)
	}
	// Grown as pages are read, not sized from the claimed total: a
	// hostile total would otherwise cost an allocation per item.
	out := make([]byte, 0, min(total, 16*db.pageSize))
	for int64(len(out)) < total {
		if pg == 0 || pg > db.last {
			return nil, fmt.Errorf("overflow chain %w: %d of %d bytes, next page %d", ErrTruncated, len(out), total, pg)
		}
		if db.used[pg] {
			return nil, fmt.Errorf("overflow page %d used twice", pg)
		}
		db.used[pg] = true
		if err := db.readPage(pg, db.over); err != nil {
			return nil, err
		}
		if db.over[25] != bdbPageOverflow {
			return nil, fmt.Errorf("overflow chain reaches page %d of type %d", pg, db.over[25])
		}
		n := int64(db.order.Uint16(db.over[22:]))
		if n > db.pageSize-db.overhead || int64(len(out))+n > total {
			return nil, fmt.Errorf("overflow page %d holds %d bytes, more than the page or the value", pg, n)
		}
		if n == 0 {
			return nil, fmt.Errorf("overflow page %d is empty", pg)
		}
		out = append(out, db.over[db.overhead:db.overhead+n]...)
		pg = db.order.Uint32(db.over[16:])
	}
	return out, nil
}
