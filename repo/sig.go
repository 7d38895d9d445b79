package repo

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// sigInfo is what vouch reads from a signature without verifying it:
// which key made it. Verification needs the key and trust decisions a
// history scan cannot make; a change of key is the signal.
type sigInfo struct {
	// Format is "openpgp", "ssh" or "x509".
	Format string
	// Version is the OpenPGP signature packet version (3, 4, 5, 6).
	Version int
	// KeyID is the 16-hex-digit OpenPGP issuer key id (upper case).
	KeyID string
	// Fingerprint is the OpenPGP issuer fingerprint (upper-case hex) or,
	// for SSH, "SHA256:" and the unpadded base64 of the key blob's hash,
	// as ssh-keygen -l prints it.
	Fingerprint string
	// Algorithm is the public-key algorithm ("RSA", "EdDSA", "ssh-ed25519").
	Algorithm string
	Created   time.Time
}

// Armour markers of the signature formats git writes.
const (
	pgpBegin = "-----BEGIN PGP SIGNATURE-----"
	pgpEnd   = "-----END PGP SIGNATURE-----"
	sshBegin = "-----BEGIN SSH SIGNATURE-----"
	sshEnd   = "-----END SSH SIGNATURE-----"
	x509Sig  = "-----BEGIN SIGNED MESSAGE-----"
	// maxArmour bounds the base64 text decoded for one signature.
	maxArmour = 64 << 10
)

var errNoSignature = errors.New("no signature")

// findSignature returns the armoured signature block in data (a tag
// object or a commit's gpgsig header), or nil.
func findSignature(data []byte) []byte {
	for _, begin := range []string{pgpBegin, sshBegin, x509Sig} {
		if i := bytes.Index(data, []byte(begin)); i >= 0 && (i == 0 || data[i-1] == '\n') {
			return data[i:]
		}
	}
	return nil
}

// parseSignature reads an armoured OpenPGP or SSH signature (an x509
// one is recognised but not read).
func parseSignature(armoured []byte) (sigInfo, error) {
	s := string(armoured)
	switch {
	case strings.HasPrefix(s, pgpBegin):
		raw, err := dearmour(s[len(pgpBegin):], pgpEnd, true)
		if err != nil {
			return sigInfo{Format: "openpgp"}, err
		}
		return parsePGPPackets(raw)
	case strings.HasPrefix(s, sshBegin):
		raw, err := dearmour(s[len(sshBegin):], sshEnd, false)
		if err != nil {
			return sigInfo{Format: "ssh"}, err
		}
		return parseSSHSig(raw)
	case strings.HasPrefix(s, x509Sig):
		return sigInfo{Format: "x509"}, nil
	}
	return sigInfo{}, errNoSignature
}

// dearmour decodes the base64 body after a BEGIN line up to the END
// line. OpenPGP armour has header lines ended by a blank line and a
// "=XXXX" checksum line, both skipped.
func dearmour(s, end string, pgp bool) ([]byte, error) {
	lines := strings.Split(s, "\n")
	if len(lines) > 0 {
		lines = lines[1:] // rest of the BEGIN line
	}
	if pgp {
		// Skip armour headers ("Version: ...") up to the blank line, when
		// there is one before the body.
		for i, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" {
				lines = lines[i+1:]
				break
			}
			if !strings.Contains(l, ": ") {
				break
			}
		}
	}
	var b strings.Builder
	closed := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, end) {
			closed = true
			break
		}
		if l == "" || pgp && strings.HasPrefix(l, "=") && len(l) == 5 {
			continue
		}
		if b.Len()+len(l) > maxArmour {
			return nil, fmt.Errorf("signature longer than %d bytes", maxArmour)
		}
		b.WriteString(l)
	}
	if !closed {
		return nil, errors.New("signature armour not closed")
	}
	raw, err := base64.StdEncoding.DecodeString(b.String())
	if err != nil {
		return nil, fmt.Errorf("signature armour: %w", err)
	}
	return raw, nil
}

// pgpAlgorithms names OpenPGP public-key algorithms (RFC 9580 9.1).
var pgpAlgorithms = map[byte]string{
	1: "RSA", 2: "RSA", 3: "RSA", 16: "Elgamal", 17: "DSA", 18: "ECDH", 19: "ECDSA",
	22: "EdDSA", 25: "X25519", 26: "X448", 27: "Ed25519", 28: "Ed448",
}

func pgpAlgorithm(a byte) string {
	if n, ok := pgpAlgorithms[a]; ok {
		return n
	}
	return fmt.Sprintf("algorithm %d", a)
}

// parsePGPPackets finds the first signature packet (tag 2) in raw and
// reads its issuer.
func parsePGPPackets(raw []byte) (sigInfo, error) {
	info := sigInfo{Format: "openpgp"}
	for n := 0; len(raw) > 0 && n < 16; n++ {
		tag, body, rest, err := nextPacket(raw)
		if err != nil {
			return info, err
		}
		raw = rest
		if tag == 2 {
			return parseSigPacket(body)
		}
	}
	return info, errors.New("no openpgp signature packet")
}

// nextPacket splits one OpenPGP packet, old or new format (RFC 9580 4.2).
func nextPacket(b []byte) (tag byte, body, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x80 == 0 {
		return 0, nil, nil, errors.New("not an openpgp packet")
	}
	h := b[0]
	b = b[1:]
	if h&0x40 == 0 { // old format
		tag = (h >> 2) & 0x0f
		var n int
		switch h & 3 {
		case 0:
			n, b = int(b[0]), b[1:]
		case 1:
			if len(b) < 2 {
				return 0, nil, nil, errTruncated
			}
			n, b = int(binary.BigEndian.Uint16(b)), b[2:]
		case 2:
			if len(b) < 4 {
				return 0, nil, nil, errTruncated
			}
			n, b = int(binary.BigEndian.Uint32(b)&0x7fffffff), b[4:]
		case 3:
			n = len(b)
		}
		if n > len(b) {
			return 0, nil, nil, errTruncated
		}
		return tag, b[:n], b[n:], nil
	}
	tag = h & 0x3f
	var out []byte
	for parts := 0; ; parts++ {
		if len(b) == 0 || parts > 64 {
			return 0, nil, nil, errTruncated
		}
		o := b[0]
		var n int
		partial := false
		switch {
		case o < 192:
			n, b = int(o), b[1:]
		case o < 224:
			if len(b) < 2 {
				return 0, nil, nil, errTruncated
			}
			n, b = (int(o)-192)<<8+int(b[1])+192, b[2:]
		case o == 255:
			if len(b) < 5 {
				return 0, nil, nil, errTruncated
			}
			n, b = int(binary.BigEndian.Uint32(b[1:])&0x7fffffff), b[5:]
		default:
			n, b, partial = 1<<(o&0x1f), b[1:], true
		}
		if n > len(b) {
			return 0, nil, nil, errTruncated
		}
		if !partial && parts == 0 {
			return tag, b[:n], b[n:], nil
		}
		out = append(out, b[:n]...)
		b = b[n:]
		if !partial {
			return tag, out, b, nil
		}
	}
}

var errTruncated = errors.New("openpgp packet truncated")

// parseSigPacket reads a signature packet body (RFC 9580 5.2, RFC 4880
// 5.2.2 for version 3).
func parseSigPacket(b []byte) (sigInfo, error) {
	info := sigInfo{Format: "openpgp"}
	if len(b) < 1 {
		return info, errTruncated
	}
	info.Version = int(b[0])
	switch info.Version {
	case 3:
		// version, 5 (hashed length), type, time[4], key id[8], pk algo, hash algo
		if len(b) < 17 || b[1] != 5 {
			return info, errTruncated
		}
		info.Created = time.Unix(int64(binary.BigEndian.Uint32(b[3:7])), 0).UTC()
		info.KeyID = strings.ToUpper(hex.EncodeToString(b[7:15]))
		info.Algorithm = pgpAlgorithm(b[15])
		return info, nil
	case 4, 5, 6:
	default:
		return info, fmt.Errorf("openpgp signature version %d not supported", info.Version)
	}
	if len(b) < 4 {
		return info, errTruncated
	}
	info.Algorithm = pgpAlgorithm(b[2])
	b = b[4:]
	lenSize := 2
	if info.Version == 6 {
		lenSize = 4
	}
	for area := 0; area < 2; area++ {
		if len(b) < lenSize {
			return info, errTruncated
		}
		var n int
		if lenSize == 2 {
			n = int(binary.BigEndian.Uint16(b))
		} else {
			n = int(binary.BigEndian.Uint32(b) & 0x7fffffff)
		}
		b = b[lenSize:]
		if n > len(b) {
			return info, errTruncated
		}
		if err := readSubpackets(b[:n], &info); err != nil {
			return info, err
		}
		b = b[n:]
	}
	if info.KeyID == "" && info.Fingerprint == "" {
		return info, errors.New("openpgp signature names no issuer")
	}
	return info, nil
}

// readSubpackets takes the issuer key id (16), issuer fingerprint (33)
// and creation time (2) from one subpacket area.
func readSubpackets(b []byte, info *sigInfo) error {
	for len(b) > 0 {
		o := b[0]
		var n int
		switch {
		case o < 192:
			n, b = int(o), b[1:]
		case o < 255:
			if len(b) < 2 {
				return errTruncated
			}
			n, b = (int(o)-192)<<8+int(b[1])+192, b[2:]
		default:
			if len(b) < 5 {
				return errTruncated
			}
			n, b = int(binary.BigEndian.Uint32(b[1:])&0x7fffffff), b[5:]
		}
		if n < 1 || n > len(b) {
			return errTruncated
		}
		typ, data := b[0]&0x7f, b[1:n]
		b = b[n:]
		switch typ {
		case 2:
			if len(data) == 4 && info.Created.IsZero() {
				info.Created = time.Unix(int64(binary.BigEndian.Uint32(data)), 0).UTC()
			}
		case 16:
			if len(data) == 8 && info.KeyID == "" {
				info.KeyID = strings.ToUpper(hex.EncodeToString(data))
			}
		case 33:
			if len(data) < 2 || info.Fingerprint != "" {
				continue
			}
			fp := data[1:]
			switch {
			case data[0] == 4 && len(fp) == 20:
				info.Fingerprint = strings.ToUpper(hex.EncodeToString(fp))
				if info.KeyID == "" {
					info.KeyID = info.Fingerprint[24:]
				}
			case (data[0] == 5 || data[0] == 6) && len(fp) == 32:
				info.Fingerprint = strings.ToUpper(hex.EncodeToString(fp))
				if info.KeyID == "" {
					info.KeyID = info.Fingerprint[:16]
				}
			}
		}
	}
	return nil
}

// parseSSHSig reads the SSHSIG blob (OpenSSH PROTOCOL.sshsig): magic,
// version, then the signer's public key, whose SHA-256 is the
// fingerprint ssh-keygen shows.
func parseSSHSig(b []byte) (sigInfo, error) {
	info := sigInfo{Format: "ssh"}
	if !bytes.HasPrefix(b, []byte("SSHSIG")) || len(b) < 10 {
		return info, errors.New("not an ssh signature")
	}
	b = b[10:] // magic and uint32 version
	pub, _, ok := sshString(b)
	if !ok {
		return info, errors.New("ssh signature truncated")
	}
	sum := sha256.Sum256(pub)
	info.Fingerprint = "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
	if typ, _, ok := sshString(pub); ok {
		info.Algorithm = clip(string(typ), 64)
	}
	return info, nil
}

func sshString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}
