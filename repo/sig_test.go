package repo

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSignature(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ed := read("ed25519.asc")
	// A v4 signature with only the unhashed issuer subpacket, in the old
	// packet format with a two-octet length, and one in the new format.
	v4old := armour([]byte{0x89, 0, 18, 4, 0, 1, 8, 0, 0, 0, 10, 9, 16, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0})
	v4new := armour([]byte{0xc2, 18, 4, 0, 22, 8, 0, 0, 0, 10, 9, 16, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 0, 0})
	v3 := armour([]byte{0x88, 19, 3, 5, 0, 0x5f, 0x5e, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 17, 2, 0, 0})
	tests := []struct {
		name    string
		in      string
		want    sigInfo
		wantErr string
	}{
		{name: "ed25519", in: ed, want: sigInfo{Format: "openpgp", Version: 4, KeyID: "C390B0E52FB612C0",
			Fingerprint: "75405BFD93C48ABFFE437A13C390B0E52FB612C0", Algorithm: "EdDSA", Created: time.Unix(1795655865, 0).UTC()}},
		{name: "rsa2048", in: read("rsa2048.asc"), want: sigInfo{Format: "openpgp", Version: 4, KeyID: "5528B03C1CEB901F",
			Fingerprint: "6C6BE9DD50DA3D5ACDC8AA965528B03C1CEB901F", Algorithm: "RSA", Created: time.Unix(1795655865, 0).UTC()}},
		{name: "ssh-ed25519", in: read("ssh-ed25519.sig"), want: sigInfo{Format: "ssh",
			Fingerprint: "SHA256:RKIXWNm+u/O3QOlp0OdKNNA3FZBpigoQ2KHN8lRhJos", Algorithm: "ssh-ed25519"}},
		{name: "v4-old-format", in: v4old, want: sigInfo{Format: "openpgp", Version: 4, KeyID: "0102030405060708", Algorithm: "RSA"}},
		{name: "v4-new-format", in: v4new, want: sigInfo{Format: "openpgp", Version: 4, KeyID: "AABBCCDD01020304", Algorithm: "EdDSA"}},
		{name: "v3", in: v3, want: sigInfo{Format: "openpgp", Version: 3, KeyID: "DEADBEEF00000001", Algorithm: "DSA",
			Created: time.Unix(0x5f5e1000, 0).UTC()}},
		{name: "x509", in: "-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----\n", want: sigInfo{Format: "x509"}},
		{name: "truncated", in: ed[:len(ed)/2], want: sigInfo{Format: "openpgp"}, wantErr: "not closed"},
		{name: "not-base64", in: pgpBegin + "\n\n!!!!\n" + pgpEnd + "\n", want: sigInfo{Format: "openpgp"}, wantErr: "illegal base64"},
		{name: "short-packet", in: armour([]byte{0xc2, 40, 4, 0}), want: sigInfo{Format: "openpgp"}, wantErr: "truncated"},
		{name: "no-issuer", in: armour([]byte{0xc2, 10, 4, 0, 1, 8, 0, 0, 0, 0, 0, 0}), want: sigInfo{Format: "openpgp", Version: 4, Algorithm: "RSA"}, wantErr: "no issuer"},
		{name: "not-a-signature", in: "hello", wantErr: "no signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSignature([]byte(tc.in))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseSignature (-want +got):\n%s", diff)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func armour(pkt []byte) string {
	return pgpBegin + "\n\n" + base64.StdEncoding.EncodeToString(pkt) + "\n=AAAA\n" + pgpEnd + "\n"
}

func FuzzParseSignature(f *testing.F) {
	for _, n := range []string{"ed25519.asc", "rsa2048.asc", "ssh-ed25519.sig"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(armour([]byte{0xc2, 18, 4, 0, 22, 8, 0, 0, 0, 10, 9, 16, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 0, 0})))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseSignature(data)
		if err == nil && info.Format == "openpgp" && info.KeyID == "" && info.Fingerprint == "" {
			t.Errorf("openpgp signature accepted without an issuer")
		}
		if len(info.KeyID) != 0 && len(info.KeyID) != 16 {
			t.Errorf("key id %q", info.KeyID)
		}
	})
}
