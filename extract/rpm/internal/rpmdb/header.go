package rpmdb

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An RPM header as the databases store it (without the lead and the
// 8-byte magic of a header in a package file):
//
//	il  uint32   number of index entries (big-endian, as all of it)
//	dl  uint32   length of the data store
//	il × {tag int32, type uint32, offset int32, count uint32}
//	dl bytes of data
//
// The first entry is usually a region tag (HEADERIMMUTABLE) whose data is
// a trailer entry describing the immutable part; entries after the region
// ("dribbles", added at install time) override same-numbered ones inside
// it. Only the tags below are read, and for each the last entry wins.

// Tags read, with the type rpm gives them.
const (
	TagSigMD5           = 261  // BIN: MD5 of header and payload, rpm's package id
	TagSHA1Header       = 269  // STRING: hex SHA-1 of the immutable header
	TagSHA256Header     = 273  // STRING: hex SHA-256 of the immutable header
	TagName             = 1000 // STRING
	TagVersion          = 1001 // STRING
	TagRelease          = 1002 // STRING
	TagEpoch            = 1003 // INT32
	TagSize             = 1009 // INT32: installed size
	TagVendor           = 1011 // STRING
	TagLicense          = 1014 // STRING
	TagArch             = 1022 // STRING
	TagSourceRPM        = 1044 // STRING: bash-5.1.8-9.el9.src.rpm
	TagProvideName      = 1047 // STRING_ARRAY
	TagRequireFlags     = 1048 // INT32 array
	TagRequireName      = 1049 // STRING_ARRAY
	TagRequireVersion   = 1050 // STRING_ARRAY
	TagProvideFlags     = 1112 // INT32 array
	TagProvideVersion   = 1113 // STRING_ARRAY
	TagDirIndexes       = 1116 // INT32 array
	TagBaseNames        = 1117 // STRING_ARRAY
	TagDirNames         = 1118 // STRING_ARRAY
	TagLongSize         = 5009 // INT64: installed size, when over 4 GiB
	TagPayloadDigest    = 5092 // STRING_ARRAY: hex digest of the compressed payload
	TagPayloadDigestAlg = 5093 // INT32: PGP hash algorithm of PAYLOADDIGEST
)

// Entry types.
const (
	TypeNull        = 0
	TypeChar        = 1
	TypeInt8        = 2
	TypeInt16       = 3
	TypeInt32       = 4
	TypeInt64       = 5
	TypeString      = 6
	TypeBin         = 7
	TypeStringArray = 8
	TypeI18NString  = 9
)

// Header limits. rpm itself refuses more than 65535 entries and a data
// store over 256 MiB; the database readers bound a blob by the file size.
const (
	maxIndexEntries = 0xffff
	maxDataLength   = 256 << 20
	entrySize       = 16
)

// RPMSENSE flags of a dependency's version comparison.
const (
	SenseLess    = 1 << 1
	SenseGreater = 1 << 2
	SenseEqual   = 1 << 3
)

// Header is what is kept of one installed package's header.
type Header struct {
	Name, Version, Release, Arch string
	// Epoch is nil when the header has no EPOCH tag, which rpm compares
	// as 0 but does not show.
	Epoch                      *int32
	SourceRPM, Vendor, License string
	// Size is the installed size in bytes, when HasSize.
	Size    int64
	HasSize bool
	// SigMD5 is the hex MD5 of header and payload, rpm's package id.
	SigMD5 string
	// SHA1Header and SHA256Header are hex digests of the immutable header.
	SHA1Header, SHA256Header string
	// PayloadDigest is "<algorithm>:<hex>" of the compressed payload.
	PayloadDigest      string
	Provides, Requires []Dep
	// The file list: file i is DirNames[DirIndexes[i]] + BaseNames[i].
	DirNames, BaseNames []string
	DirIndexes          []int32
}

// Dep is one entry of a provides or requires list: a capability, the
// RPMSENSE flags of its version comparison, and the version.
type Dep struct {
	Name, Version string
	Flags         uint32
}

// entry is one index entry, its offset checked against the data store.
type entry struct {
	typ    uint32
	offset uint32
	count  uint32
}

// wanted says which tags ParseHeader decodes; the others are skipped
// without being looked at.
var wanted = map[int32]bool{
	TagSigMD5: true, TagSHA1Header: true, TagSHA256Header: true,
	TagName: true, TagVersion: true, TagRelease: true, TagEpoch: true,
	TagSize: true, TagVendor: true, TagLicense: true, TagArch: true,
	TagSourceRPM: true, TagProvideName: true, TagRequireFlags: true,
	TagRequireName: true, TagRequireVersion: true, TagProvideFlags: true,
	TagProvideVersion: true, TagDirIndexes: true, TagBaseNames: true,
	TagDirNames: true, TagLongSize: true, TagPayloadDigest: true,
	TagPayloadDigestAlg: true,
}

// ErrHeader is wrapped by every header parse error.
var ErrHeader = errors.New("bad header")

func headerErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrHeader, fmt.Sprintf(format, args...))
}

// ParseHeader reads an RPM header blob. The blob must be exactly the
// header: trailing bytes are an error, as they are to rpm.
func ParseHeader(blob []byte) (*Header, error) {
	if len(blob) < 8 {
		return nil, headerErr("%d bytes, shorter than the 8-byte preamble", len(blob))
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il == 0 || il > maxIndexEntries {
		return nil, headerErr("%d index entries", il)
	}
	if dl > maxDataLength {
		return nil, headerErr("data store of %d bytes", dl)
	}
	want := 8 + uint64(il)*entrySize + uint64(dl)
	if uint64(len(blob)) != want {
		return nil, headerErr("%d bytes, but %d index entries and %d data bytes make %d", len(blob), il, dl, want)
	}
	index := blob[8 : 8+il*entrySize]
	data := blob[8+il*entrySize:]

	entries := map[int32]entry{}
	for i := uint32(0); i < il; i++ {
		e := index[i*entrySize : (i+1)*entrySize]
		tag := int32(binary.BigEndian.Uint32(e[0:4]))
		typ := binary.BigEndian.Uint32(e[4:8])
		off := int32(binary.BigEndian.Uint32(e[8:12]))
		count := binary.BigEndian.Uint32(e[12:16])
		if typ > TypeI18NString {
			return nil, headerErr("index entry %d (tag %d): unknown type %d", i, tag, typ)
		}
		if !wanted[tag] {
			continue
		}
		if off < 0 || uint32(off) > dl {
			return nil, headerErr("index entry %d (tag %d): offset %d outside the %d-byte data store", i, tag, off, dl)
		}
		if count == 0 || count > dl {
			return nil, headerErr("index entry %d (tag %d): count %d", i, tag, count)
		}
		entries[tag] = entry{typ: typ, offset: uint32(off), count: count}
	}

	r := reader{data: data, entries: entries}
	h := &Header{}
	var err error
	str := func(tag int32, dst *string) {
		if err == nil {
			*dst, err = r.str(tag)
		}
	}
	str(TagName, &h.Name)
	str(TagVersion, &h.Version)
	str(TagRelease, &h.Release)
	str(TagArch, &h.Arch)
	str(TagSourceRPM, &h.SourceRPM)
	str(TagVendor, &h.Vendor)
	str(TagLicense, &h.License)
	str(TagSHA1Header, &h.SHA1Header)
	str(TagSHA256Header, &h.SHA256Header)
	if err != nil {
		return nil, err
	}
	if h.Name == "" {
		return nil, headerErr("no NAME")
	}
	if h.Version == "" || h.Release == "" {
		return nil, headerErr("package %.80q has no VERSION or RELEASE", h.Name)
	}
	if v, ok, err := r.ints32(TagEpoch); err != nil {
		return nil, err
	} else if ok {
		e := v[0]
		h.Epoch = &e
	}
	if v, ok, err := r.ints64(TagLongSize); err != nil {
		return nil, err
	} else if ok {
		h.Size, h.HasSize = v[0], true
	} else if v, ok, err := r.ints32(TagSize); err != nil {
		return nil, err
	} else if ok {
		h.Size, h.HasSize = int64(uint32(v[0])), true
	}
	if b, ok, err := r.bin(TagSigMD5); err != nil {
		return nil, err
	} else if ok {
		h.SigMD5 = hex.EncodeToString(b)
	}
	if d, ok, err := r.strs(TagPayloadDigest); err != nil {
		return nil, err
	} else if ok && d[0] != "" {
		algo := "unknown"
		if a, ok, err := r.ints32(TagPayloadDigestAlg); err != nil {
			return nil, err
		} else if ok {
			algo = hashName(a[0])
		}
		h.PayloadDigest = algo + ":" + strings.ToLower(d[0])
	}
	if h.Provides, err = r.deps(TagProvideName, TagProvideFlags, TagProvideVersion); err != nil {
		return nil, err
	}
	if h.Requires, err = r.deps(TagRequireName, TagRequireFlags, TagRequireVersion); err != nil {
		return nil, err
	}
	if h.BaseNames, _, err = r.strs(TagBaseNames); err != nil {
		return nil, err
	}
	if h.DirNames, _, err = r.strs(TagDirNames); err != nil {
		return nil, err
	}
	if h.DirIndexes, _, err = r.ints32(TagDirIndexes); err != nil {
		return nil, err
	}
	if len(h.DirIndexes) != len(h.BaseNames) {
		return nil, headerErr("package %.80q: %d base names but %d directory indexes", h.Name, len(h.BaseNames), len(h.DirIndexes))
	}
	for _, i := range h.DirIndexes {
		if i < 0 || int(i) >= len(h.DirNames) {
			return nil, headerErr("package %.80q: directory index %d of %d directories", h.Name, i, len(h.DirNames))
		}
	}
	return h, nil
}

// hashName names a PGP hash algorithm as rpm numbers them.
func hashName(a int32) string {
	switch a {
	case 1:
		return "md5"
	case 2:
		return "sha1"
	case 8:
		return "sha256"
	case 9:
		return "sha384"
	case 10:
		return "sha512"
	case 11:
		return "sha224"
	}
	return "algo" + strconv.Itoa(int(a))
}

// reader decodes the entries of one header.
type reader struct {
	data    []byte
	entries map[int32]entry
}

// strs returns the strings of tag (a STRING, STRING_ARRAY or I18NSTRING
// entry), and whether it is present.
func (r reader) strs(tag int32) ([]string, bool, error) {
	e, ok := r.entries[tag]
	if !ok {
		return nil, false, nil
	}
	switch e.typ {
	case TypeString:
		if e.count != 1 {
			return nil, false, headerErr("tag %d: string with count %d", tag, e.count)
		}
	case TypeStringArray, TypeI18NString:
	default:
		return nil, false, headerErr("tag %d: type %d where strings were expected", tag, e.typ)
	}
	out := make([]string, 0, e.count)
	p := e.offset
	for i := uint32(0); i < e.count; i++ {
		end := indexNUL(r.data, p)
		if end < 0 {
			return nil, false, headerErr("tag %d: string %d runs past the data store", tag, i)
		}
		out = append(out, string(r.data[p:end]))
		p = uint32(end) + 1
	}
	return out, true, nil
}

// str returns the first string of tag, "" when absent.
func (r reader) str(tag int32) (string, error) {
	s, ok, err := r.strs(tag)
	if err != nil || !ok {
		return "", err
	}
	return s[0], nil
}

func indexNUL(b []byte, from uint32) int {
	if int(from) >= len(b) {
		return -1
	}
	for i := int(from); i < len(b); i++ {
		if b[i] == 0 {
			return i
		}
	}
	return -1
}

// ints32 returns the values of an INT32 entry.
func (r reader) ints32(tag int32) ([]int32, bool, error) {
	e, ok := r.entries[tag]
	if !ok {
		return nil, false, nil
	}
	if e.typ != TypeInt32 {
		return nil, false, headerErr("tag %d: type %d where INT32 was expected", tag, e.typ)
	}
	if uint64(e.offset)+uint64(e.count)*4 > uint64(len(r.data)) {
		return nil, false, headerErr("tag %d: %d INT32 values run past the data store", tag, e.count)
	}
	out := make([]int32, e.count)
	for i := range out {
		out[i] = int32(binary.BigEndian.Uint32(r.data[e.offset+uint32(i)*4:]))
	}
	return out, true, nil
}

// ints64 returns the values of an INT64 entry.
func (r reader) ints64(tag int32) ([]int64, bool, error) {
	e, ok := r.entries[tag]
	if !ok {
		return nil, false, nil
	}
	if e.typ != TypeInt64 {
		return nil, false, headerErr("tag %d: type %d where INT64 was expected", tag, e.typ)
	}
	if uint64(e.offset)+uint64(e.count)*8 > uint64(len(r.data)) {
		return nil, false, headerErr("tag %d: %d INT64 values run past the data store", tag, e.count)
	}
	out := make([]int64, e.count)
	for i := range out {
		out[i] = int64(binary.BigEndian.Uint64(r.data[e.offset+uint32(i)*8:]))
	}
	return out, true, nil
}

// bin returns the bytes of a BIN entry.
func (r reader) bin(tag int32) ([]byte, bool, error) {
	e, ok := r.entries[tag]
	if !ok {
		return nil, false, nil
	}
	if e.typ != TypeBin {
		return nil, false, headerErr("tag %d: type %d where BIN was expected", tag, e.typ)
	}
	if uint64(e.offset)+uint64(e.count) > uint64(len(r.data)) {
		return nil, false, headerErr("tag %d: %d bytes run past the data store", tag, e.count)
	}
	return r.data[e.offset : e.offset+e.count], true, nil
}

// deps zips a name list with its flags and versions, which must be as long
// when present.
func (r reader) deps(nameTag, flagsTag, versionTag int32) ([]Dep, error) {
	names, ok, err := r.strs(nameTag)
	if err != nil || !ok {
		return nil, err
	}
	flags, hasFlags, err := r.ints32(flagsTag)
	if err != nil {
		return nil, err
	}
	versions, hasVersions, err := r.strs(versionTag)
	if err != nil {
		return nil, err
	}
	if hasFlags && len(flags) != len(names) || hasVersions && len(versions) != len(names) {
		return nil, headerErr("tag %d: %d names, %d flags, %d versions", nameTag, len(names), len(flags), len(versions))
	}
	out := make([]Dep, len(names))
	for i, n := range names {
		out[i].Name = n
		if hasFlags {
			out[i].Flags = uint32(flags[i])
		}
		if hasVersions {
			out[i].Version = versions[i]
		}
	}
	return out, nil
}
