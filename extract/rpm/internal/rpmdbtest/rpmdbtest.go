// Package rpmdbtest builds the synthetic inputs the tests of extract/rpm
// and its readers need beyond the fixtures rpm made: header blobs with
// chosen tags, and NDB files laid out as rpm's lib/backend/ndb/rpmpkg.c
// writes them (written from that source, not from the reader, so that
// the two check each other). It is imported only by tests.
package rpmdbtest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/adler32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
)

// TV is one tag of a synthetic header: its type and value (string,
// []string, int32, []int32, int64 or []byte).
type TV struct {
	Tag int32
	Typ uint32
	Val any
}

// MakeHeader writes a header blob holding entries, in the order given,
// with INT32 and INT64 data aligned as rpm aligns it.
func MakeHeader(entries ...TV) []byte {
	var index, data bytes.Buffer
	for _, e := range entries {
		align := 1
		switch e.Typ {
		case rpmdb.TypeInt32:
			align = 4
		case rpmdb.TypeInt64:
			align = 8
		}
		for data.Len()%align != 0 {
			data.WriteByte(0)
		}
		off := data.Len()
		count := 0
		switch v := e.Val.(type) {
		case string:
			data.WriteString(v)
			data.WriteByte(0)
			count = 1
		case []string:
			for _, s := range v {
				data.WriteString(s)
				data.WriteByte(0)
			}
			count = len(v)
		case int32:
			data.Write(binary.BigEndian.AppendUint32(nil, uint32(v)))
			count = 1
		case []int32:
			for _, x := range v {
				data.Write(binary.BigEndian.AppendUint32(nil, uint32(x)))
			}
			count = len(v)
		case int64:
			data.Write(binary.BigEndian.AppendUint64(nil, uint64(v)))
			count = 1
		case []byte:
			data.Write(v)
			count = len(v)
		default:
			panic("rpmdbtest.MakeHeader: unsupported value")
		}
		for _, x := range []uint32{uint32(e.Tag), e.Typ, uint32(off), uint32(count)} {
			index.Write(binary.BigEndian.AppendUint32(nil, x))
		}
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	out = binary.BigEndian.AppendUint32(out, uint32(data.Len()))
	out = append(out, index.Bytes()...)
	return append(out, data.Bytes()...)
}

// PkgHeader is the header of a package name-version-release.arch built
// from the source package src ("" for none), with extra tags.
func PkgHeader(name, version, release, arch, src string, extra ...TV) []byte {
	entries := []TV{
		{rpmdb.TagName, rpmdb.TypeString, name},
		{rpmdb.TagVersion, rpmdb.TypeString, version},
		{rpmdb.TagRelease, rpmdb.TypeString, release},
	}
	if arch != "" {
		entries = append(entries, TV{rpmdb.TagArch, rpmdb.TypeString, arch})
	}
	if src != "" {
		entries = append(entries, TV{rpmdb.TagSourceRPM, rpmdb.TypeString, src})
	}
	return MakeHeader(append(entries, extra...)...)
}

// Requires returns the REQUIRENAME, REQUIREFLAGS and REQUIREVERSION tags
// of requirements written {"name"} or {"name", "=", "version"} (also ">="
// and "<").
func Requires(reqs ...[]string) []TV {
	var names, versions []string
	var flags []int32
	for _, r := range reqs {
		names = append(names, r[0])
		f, v := int32(0), ""
		if len(r) == 3 {
			v = r[2]
			switch r[1] {
			case "=":
				f = rpmdb.SenseEqual
			case ">=":
				f = rpmdb.SenseGreater | rpmdb.SenseEqual
			case "<":
				f = rpmdb.SenseLess
			}
		}
		flags = append(flags, f)
		versions = append(versions, v)
	}
	return []TV{
		{rpmdb.TagRequireName, rpmdb.TypeStringArray, names},
		{rpmdb.TagRequireFlags, rpmdb.TypeInt32, flags},
		{rpmdb.TagRequireVersion, rpmdb.TypeStringArray, versions},
	}
}

// Provides returns the PROVIDENAME, PROVIDEFLAGS and PROVIDEVERSION tags
// of capabilities written {"name"} or {"name", "version"}.
func Provides(caps ...[]string) []TV {
	var names, versions []string
	var flags []int32
	for _, c := range caps {
		names = append(names, c[0])
		if len(c) == 2 {
			flags = append(flags, rpmdb.SenseEqual)
			versions = append(versions, c[1])
		} else {
			flags = append(flags, 0)
			versions = append(versions, "")
		}
	}
	return []TV{
		{rpmdb.TagProvideName, rpmdb.TypeStringArray, names},
		{rpmdb.TagProvideFlags, rpmdb.TypeInt32, flags},
		{rpmdb.TagProvideVersion, rpmdb.TypeStringArray, versions},
	}
}

// Files returns the BASENAMES, DIRNAMES and DIRINDEXES tags of paths.
func Files(paths ...string) []TV {
	var bases, dirs []string
	var idx []int32
	for _, p := range paths {
		d, b := filepath.Split(p)
		i := slices.Index(dirs, d)
		if i < 0 {
			i = len(dirs)
			dirs = append(dirs, d)
		}
		bases = append(bases, b)
		idx = append(idx, int32(i))
	}
	return []TV{
		{rpmdb.TagBaseNames, rpmdb.TypeStringArray, bases},
		{rpmdb.TagDirNames, rpmdb.TypeStringArray, dirs},
		{rpmdb.TagDirIndexes, rpmdb.TypeInt32, idx},
	}
}

// Cat joins tag lists.
func Cat(lists ...[]TV) []TV {
	var out []TV
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// The NDB layout, from rpmpkg.c.
const (
	pageSize   = 4096
	headerSize = 32
	slotSize   = 16
	blockSize  = 16
	blobHead   = 16
	blobTail   = 12
)

func magic(s string) uint32 { return binary.LittleEndian.Uint32([]byte(s)) }

// NDBFile lays blobs (by package index) out as an NDB Packages.db: as
// many slot pages as the blobs need, then the blobs in index order.
func NDBFile(blobs map[uint32][]byte) []byte {
	le := binary.LittleEndian
	var idxs []uint32
	for i := range blobs {
		idxs = append(idxs, i)
	}
	slices.Sort(idxs)
	first := headerSize / slotSize
	slotsPerPage := pageSize / slotSize
	pages := (first + len(idxs) + slotsPerPage - 1) / slotsPerPage
	out := make([]byte, pages*pageSize)
	le.PutUint32(out[0:], magic("RpmP"))
	le.PutUint32(out[8:], 1) // generation
	le.PutUint32(out[12:], uint32(pages))
	le.PutUint32(out[16:], uint32(len(idxs)+1))
	for s := first; s < pages*slotsPerPage; s++ {
		le.PutUint32(out[s*slotSize:], magic("Slot"))
	}
	for n, idx := range idxs {
		blob := blobs[idx]
		blocks := (blobHead + len(blob) + blobTail + blockSize - 1) / blockSize
		slot := out[(first+n)*slotSize:]
		le.PutUint32(slot[4:], idx)
		le.PutUint32(slot[8:], uint32(len(out)/blockSize))
		le.PutUint32(slot[12:], uint32(blocks))
		b := make([]byte, blocks*blockSize)
		le.PutUint32(b[0:], magic("BlbS"))
		le.PutUint32(b[4:], idx)
		le.PutUint32(b[8:], 1)
		le.PutUint32(b[12:], uint32(len(blob)))
		copy(b[blobHead:], blob)
		tail := b[len(b)-blobTail:]
		le.PutUint32(tail[0:], adler32.Checksum(b[:len(b)-blobTail]))
		le.PutUint32(tail[4:], uint32(len(blob)))
		le.PutUint32(tail[8:], magic("BlbE"))
		out = append(out, b...)
	}
	return out
}

// Fixture returns the content of the fixture database name in dir (the
// testdata/db of extract/rpm), gunzipped when it ends in ".gz".
func Fixture(t testing.TB, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(name) != ".gz" {
		return data
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if data, err = io.ReadAll(zr); err != nil {
		t.Fatal(err)
	}
	return data
}

// Patch returns a copy of data with b written at offset off.
func Patch(data []byte, off int, b ...byte) []byte {
	out := bytes.Clone(data)
	copy(out[off:], b)
	return out
}

// LE32 is v as 4 little-endian bytes, for Patch.
func LE32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// T is the tag tag of type typ holding val.
func T(tag int32, typ uint32, val any) TV { return TV{Tag: tag, Typ: typ, Val: val} }
