package rpmdb_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdb"
	"github.com/vouchdev/vouch/extract/rpm/internal/rpmdbtest"
)

// fixtures is where extract/rpm keeps the databases rpm made.
const fixtures = "../../testdata/db"

func TestParseHeader(t *testing.T) {
	epoch := int32(3)
	blob := rpmdbtest.MakeHeader(
		// A region tag first, as in every installed header: not read.
		rpmdbtest.T(63, rpmdb.TypeBin, make([]byte, 16)),
		rpmdbtest.T(rpmdb.TagName, rpmdb.TypeString, "openssl-libs"),
		rpmdbtest.T(rpmdb.TagVersion, rpmdb.TypeString, "3.0.7"),
		rpmdbtest.T(rpmdb.TagRelease, rpmdb.TypeString, "27.el9"),
		rpmdbtest.T(rpmdb.TagEpoch, rpmdb.TypeInt32, epoch),
		rpmdbtest.T(rpmdb.TagArch, rpmdb.TypeString, "x86_64"),
		rpmdbtest.T(rpmdb.TagLicense, rpmdb.TypeString, "ASL 2.0"),
		rpmdbtest.T(rpmdb.TagVendor, rpmdb.TypeString, "Red Hat, Inc."),
		rpmdbtest.T(rpmdb.TagSourceRPM, rpmdb.TypeString, "openssl-3.0.7-27.el9.src.rpm"),
		rpmdbtest.T(rpmdb.TagSize, rpmdb.TypeInt32, int32(-1)), // 4294967295: SIZE is unsigned
		rpmdbtest.T(rpmdb.TagSigMD5, rpmdb.TypeBin, []byte{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),
		rpmdbtest.T(rpmdb.TagSHA256Header, rpmdb.TypeString, "ABCDEF"),
		rpmdbtest.T(rpmdb.TagSHA1Header, rpmdb.TypeString, "012345"),
		rpmdbtest.T(rpmdb.TagPayloadDigest, rpmdb.TypeStringArray, []string{"AA11"}),
		rpmdbtest.T(rpmdb.TagPayloadDigestAlg, rpmdb.TypeInt32, int32(8)),
		rpmdbtest.T(1004, rpmdb.TypeI18NString, []string{"A TLS library"}), // SUMMARY: skipped
		rpmdbtest.T(rpmdb.TagProvideName, rpmdb.TypeStringArray, []string{"libcrypto.so.3()(64bit)", "openssl-libs"}),
		rpmdbtest.T(rpmdb.TagProvideFlags, rpmdb.TypeInt32, []int32{0, rpmdb.SenseEqual}),
		rpmdbtest.T(rpmdb.TagProvideVersion, rpmdb.TypeStringArray, []string{"", "1:3.0.7-27.el9"}),
		rpmdbtest.T(rpmdb.TagRequireName, rpmdb.TypeStringArray, []string{"ca-certificates"}),
		rpmdbtest.T(rpmdb.TagDirNames, rpmdb.TypeStringArray, []string{"/usr/lib64/", "/etc/pki/tls/"}),
		rpmdbtest.T(rpmdb.TagBaseNames, rpmdb.TypeStringArray, []string{"libcrypto.so.3", "openssl.cnf"}),
		rpmdbtest.T(rpmdb.TagDirIndexes, rpmdb.TypeInt32, []int32{0, 1}),
		// A dribble entry after the region overrides the vendor.
		rpmdbtest.T(rpmdb.TagVendor, rpmdb.TypeString, "Red Hat"),
	)
	h, err := rpmdb.ParseHeader(blob)
	if err != nil {
		t.Fatal(err)
	}
	want := &rpmdb.Header{
		Name: "openssl-libs", Version: "3.0.7", Release: "27.el9", Arch: "x86_64", Epoch: &epoch,
		SourceRPM: "openssl-3.0.7-27.el9.src.rpm", Vendor: "Red Hat", License: "ASL 2.0",
		Size: 4294967295, HasSize: true,
		SigMD5:     "deadbeef000102030405060708090a0b",
		SHA1Header: "012345", SHA256Header: "ABCDEF", PayloadDigest: "sha256:aa11",
		Provides: []rpmdb.Dep{{Name: "libcrypto.so.3()(64bit)"}, {Name: "openssl-libs", Version: "1:3.0.7-27.el9", Flags: rpmdb.SenseEqual}},
		Requires: []rpmdb.Dep{{Name: "ca-certificates"}},
		DirNames: []string{"/usr/lib64/", "/etc/pki/tls/"}, BaseNames: []string{"libcrypto.so.3", "openssl.cnf"},
		DirIndexes: []int32{0, 1},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	nv := []rpmdbtest.TV{rpmdbtest.T(rpmdb.TagName, rpmdb.TypeString, "a"), rpmdbtest.T(rpmdb.TagVersion, rpmdb.TypeString, "1"), rpmdbtest.T(rpmdb.TagRelease, rpmdb.TypeString, "1")}
	with := func(extra ...rpmdbtest.TV) []byte { return rpmdbtest.MakeHeader(append(nv[:3:3], extra...)...) }
	// entry rewrites index entry i of blob: tag, type, offset, count.
	entry := func(blob []byte, i int, fields ...uint32) []byte {
		out := append([]byte(nil), blob...)
		for j, f := range fields {
			binary.BigEndian.PutUint32(out[8+16*i+4*j:], f)
		}
		return out
	}
	good := with()
	tests := []struct {
		name string
		blob []byte
		msg  string
	}{
		{"empty", nil, "0 bytes, shorter than the 8-byte preamble"},
		{"no-entries", []byte{0, 0, 0, 0, 0, 0, 0, 0}, "0 index entries"},
		{"too-many-entries", []byte{0, 1, 0, 0, 0, 0, 0, 0}, "65536 index entries"},
		{"huge-data", []byte{0, 0, 0, 1, 0x40, 0, 0, 0}, "data store of 1073741824 bytes"},
		{"truncated", good[:len(good)-1], "bytes, but 3 index entries and 6 data bytes make 62"},
		{"trailing", append(append([]byte(nil), good...), 0), "63 bytes, but 3 index entries"},
		{"unknown-type", entry(good, 1, rpmdb.TagVersion, 42), "index entry 1 (tag 1001): unknown type 42"},
		{"offset-outside", entry(good, 1, rpmdb.TagVersion, rpmdb.TypeString, 7), "index entry 1 (tag 1001): offset 7 outside the 6-byte data store"},
		{"negative-offset", entry(good, 1, rpmdb.TagVersion, rpmdb.TypeString, 0xfffffff0), "offset -16 outside"},
		{"zero-count", entry(good, 0, rpmdb.TagName, rpmdb.TypeString, 0, 0), "index entry 0 (tag 1000): count 0"},
		{"unterminated", entry(good, 2, rpmdb.TagRelease, rpmdb.TypeStringArray, 4, 2), "tag 1002: string 1 runs past the data store"},
		{"string-count", entry(good, 0, rpmdb.TagName, rpmdb.TypeString, 0, 2), "tag 1000: string with count 2"},
		{"string-type", entry(good, 0, rpmdb.TagName, rpmdb.TypeInt32, 0, 1), "tag 1000: type 4 where strings were expected"},
		{"no-name", rpmdbtest.MakeHeader(nv[1], nv[2]), "no NAME"},
		{"no-release", rpmdbtest.MakeHeader(nv[0], nv[1]), `package "a" has no VERSION or RELEASE`},
		{"epoch-type", with(rpmdbtest.T(rpmdb.TagEpoch, rpmdb.TypeString, "1")), "tag 1003: type 6 where INT32 was expected"},
		{"epoch-past-end", entry(with(rpmdbtest.T(rpmdb.TagEpoch, rpmdb.TypeInt32, int32(1))), 3, rpmdb.TagEpoch, rpmdb.TypeInt32, 8, 2), "tag 1003: 2 INT32 values run past the data store"},
		{"longsize-type", with(rpmdbtest.T(rpmdb.TagLongSize, rpmdb.TypeInt32, int32(1))), "tag 5009: type 4 where INT64 was expected"},
		{"sigmd5-past-end", entry(with(rpmdbtest.T(rpmdb.TagSigMD5, rpmdb.TypeBin, []byte{1, 2})), 3, rpmdb.TagSigMD5, rpmdb.TypeBin, 6, 3), "tag 261: 3 bytes run past the data store"},
		{"deps-mismatch", with(rpmdbtest.T(rpmdb.TagRequireName, rpmdb.TypeStringArray, []string{"x", "y"}), rpmdbtest.T(rpmdb.TagRequireFlags, rpmdb.TypeInt32, []int32{0})), "tag 1049: 2 names, 1 flags, 0 versions"},
		{"dirindex-count", with(rpmdbtest.Files("/a/b", "/a/c")[0], rpmdbtest.Files("/a/b")[1], rpmdbtest.Files("/a/b")[2]), `package "a": 2 base names but 1 directory indexes`},
		{"dirindex-range", with(rpmdbtest.Files("/a/b")[0], rpmdbtest.Files("/a/b")[1], rpmdbtest.T(rpmdb.TagDirIndexes, rpmdb.TypeInt32, []int32{5})), `package "a": directory index 5 of 1 directories`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := rpmdb.ParseHeader(tt.blob)
			if h != nil || err == nil {
				t.Fatalf("header %+v, error %v; want an error", h, err)
			}
			if !errors.Is(err, rpmdb.ErrHeader) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q, want one about %q", err, tt.msg)
			}
		})
	}
}

// FuzzHeader checks that no blob makes the header parser panic or return
// a header without the fields it promises.
func FuzzHeader(f *testing.F) {
	f.Add(rpmdbtest.PkgHeader("a", "1", "2", "noarch", "a-1-2.src.rpm", rpmdbtest.Cat(rpmdbtest.Requires([]string{"b", ">=", "1"}), rpmdbtest.Provides([]string{"c", "1"}), rpmdbtest.Files("/usr/bin/a"))...))
	f.Add(rpmdbtest.MakeHeader(rpmdbtest.T(rpmdb.TagName, rpmdb.TypeString, "x")))
	f.Add(rpmdbtest.Fixture(f, fixtures, "Packages.db")[4096+16 : 4096+16+1904])
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := rpmdb.ParseHeader(blob)
		if err != nil {
			if h != nil || !errors.Is(err, rpmdb.ErrHeader) {
				t.Fatalf("header %v with error %v", h, err)
			}
			return
		}
		if h.Name == "" || h.Version == "" || h.Release == "" || len(h.BaseNames) != len(h.DirIndexes) {
			t.Fatalf("incomplete header %+v", h)
		}
		for _, i := range h.DirIndexes {
			_ = h.DirNames[i] // must not panic
		}
	})
}
