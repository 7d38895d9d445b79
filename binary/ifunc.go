package binary

// The xz backdoor ran from an IFUNC resolver. The dynamic loader calls
// resolvers while it relocates a library, before RELRO makes the GOT
// read-only and before any constructor runs, so code reached from a
// resolver can rewrite other libraries' GOT entries and install an audit
// hook; that is how liblzma 5.6.0/5.6.1 replaced RSA_public_decrypt in
// sshd. A resolver has one legitimate job: read CPU features and return a
// pointer. IFuncs lists a file's resolvers and what they call directly,
// and flags the shapes that job does not explain.
//
// Nothing is disassembled in general: on x86-64 the first bytes of a
// resolver are searched for E8/E9 rel32 (call/jmp) opcodes, and a target
// counts only when it lands where a function starts, by the symbol tables
// or .eh_frame (present in stripped libraries too, for unwinding), or on a
// PLT entry, so an E8 byte inside another instruction rarely passes.

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/finding"
	"github.com/vouchdev/vouch/inventory"
)

// IFuncSource is the Finding.Source of the loader-time checks: IFUNC
// resolvers and the liblzma releases known to be backdoored.
const IFuncSource = "binary-ifunc"

// Finding IDs of the loader-time checks.
const (
	// IDResolverCalls: a liblzma resolver calls code a CPU-feature check
	// does not need (large, in another section, or an unexpected import).
	IDResolverCalls = "ifunc-resolver-calls-out"
	// IDResolverUnverified: a liblzma resolver calls a function whose
	// size or identity the file does not let us check.
	IDResolverUnverified = "ifunc-resolver-calls-unverified"
	// IDResolverSection: a resolver outside .text.
	IDResolverSection = "ifunc-resolver-outside-text"
	// IDForeignName: an IFUNC symbol, or a resolver's call target, named
	// like another library's sensitive API.
	IDForeignName = "ifunc-foreign-name"
	// IDResolversPresent: liblzma has IFUNC resolvers at all.
	IDResolversPresent = "ifunc-resolvers-present"
	// IDBackdooredRelease is the CVE of the liblzma 5.6.0/5.6.1 releases.
	IDBackdooredRelease = "CVE-2024-3094"
)

// Bounds of what IFuncs reads from one file.
const (
	// MaxResolverBytes bounds the bytes decoded from one resolver (and
	// from each function it calls); a CPU-feature check is a few dozen
	// instructions.
	MaxResolverBytes = 256
	// maxSymbols bounds one symbol table; a larger one is skipped and
	// the report marked Truncated.
	maxSymbols = 1 << 18
	// maxRelocs bounds the dynamic relocations read.
	maxRelocs = 1 << 20
	// maxIFuncs bounds the resolvers reported; glibc has about a hundred.
	maxIFuncs = 1024
	// maxFDEs bounds the .eh_frame entries kept.
	maxFDEs = 1 << 20
	// maxEHFrame bounds the .eh_frame section read.
	maxEHFrame = 64 << 20
	// smallHelper is the size up to which an unnamed callee of a liblzma
	// resolver passes as a CPU-feature helper (a non-inlined __get_cpuid
	// is under 100 bytes).
	smallHelper = 256
	// maxHelper bounds a callee named as a known CPU-feature helper
	// (libgcc's __cpu_indicator_init, linked statically, is ~1.6 KiB).
	maxHelper = 4096
	// maxNamesShown bounds the resolver names listed in a summary.
	maxNamesShown = 8
	// maxEvidence bounds the evidence lines of one finding; a hostile
	// file could otherwise yield one per call of a thousand resolvers.
	maxEvidence = 32
)

var lzmaRefs = []string{
	"https://nvd.nist.gov/vuln/detail/CVE-2024-3094",
	"https://www.openwall.com/lists/oss-security/2024/03/29/4",
}

// IFunc is one IFUNC resolver of a file.
type IFunc struct {
	// Symbol is the STT_GNU_IFUNC symbol (.dynsym or .symtab), or "" for
	// an anonymous R_*_IRELATIVE relocation.
	Symbol string `json:"symbol,omitempty"`
	// ResolverName is the function symbol at the resolver's address
	// (crc64_resolve), when the file keeps one.
	ResolverName string `json:"resolver_name,omitempty"`
	// Resolver is the resolver's address (symbol value or addend).
	Resolver uint64 `json:"resolver"`
	// Section holds the resolver; "" when no section does.
	Section string `json:"section,omitempty"`
	// Size is the resolver's size from its symbol or, failing that, its
	// .eh_frame entry; 0 when unknown.
	Size uint64 `json:"size,omitempty"`
	// Calls are the direct call/jmp targets outside the resolver found
	// in its first MaxResolverBytes bytes (x86-64 only).
	Calls []uint64 `json:"calls,omitempty"`
}

// IFuncReport is what IFuncs found in one file.
type IFuncReport struct {
	// Machine is the ELF machine (EM_X86_64).
	Machine string `json:"machine"`
	// IFuncs are ordered by resolver address, then symbol.
	IFuncs []IFunc `json:"ifuncs"`
	// Findings are ordered by decreasing severity.
	Findings []finding.Finding `json:"findings,omitempty"`
	// Truncated is set when a bound (symbols, relocations, resolvers,
	// .eh_frame) left part of the file unread.
	Truncated bool `json:"truncated,omitempty"`
}

// IFuncs lists the IFUNC resolvers of the ELF file of the given size read
// through r and checks them; path names the file in findings and errors,
// and its base name says which library it is (liblzma, glibc). Input that
// is not ELF yields nil, nil; ELF that cannot be read is an error naming
// path.
func IFuncs(ctx context.Context, r io.ReaderAt, size int64, path string) (*IFuncReport, error) {
	return ifuncs(ctx, r, size, path, nil)
}

// ifuncs is IFuncs with extra names the library goes by (its DT_NEEDED
// name in a chain) for telling what library it is.
func ifuncs(ctx context.Context, r io.ReaderAt, size int64, file string, names []string) (*IFuncReport, error) {
	if size < 0 {
		return nil, extract.Errorf(file, 0, "negative size %d", size)
	}
	if size > MaxFileSize {
		return nil, &extract.Error{Path: file, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, size, int64(MaxFileSize))}
	}
	if size < 4 {
		return nil, nil
	}
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, &extract.Error{Path: file, Err: fmt.Errorf("read: %w", err)}
	}
	if string(magic[:]) != elf.ELFMAG {
		return nil, nil
	}
	img, err := loadImage(ctx, r, size, file)
	if err != nil {
		return nil, err
	}
	rep := &IFuncReport{Machine: img.f.Machine.String(), IFuncs: []IFunc{}, Truncated: img.truncated}
	if img.f.Type != elf.ET_EXEC && img.f.Type != elf.ET_DYN {
		// Object files and cores are never relocated by ld.so.
		return rep, nil
	}
	rep.IFuncs = img.ifuncs()
	rep.Truncated = img.truncated
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Findings = img.check(rep.IFuncs, append([]string{path.Base(file)}, names...))
	return rep, nil
}

// fn is one function the file tells the bounds of.
type fn struct {
	start, size uint64
	name        string
}

// relocation is one dynamic relocation entry, as far as IFuncs needs it.
type relocation struct {
	off, typ, sym uint64
	addend        int64
}

// image is an ELF file opened for IFuncs.
type image struct {
	f    *elf.File
	r    io.ReaderAt
	size int64
	path string
	ctx  context.Context

	ifuncSyms []elf.Symbol
	funcs     map[uint64]*fn
	defined   map[string]uint64 // start of each defined function by name
	sections  []*elf.Section    // allocated, by address
	irelative []uint64          // resolver addresses of IRELATIVE relocations
	gotNames  map[uint64]string
	truncated bool
}

// loadImage parses the headers, symbols, relocations and .eh_frame.
// debug/elf is hardened against malformed input, but a panic in it must
// not take the scan down, so one is turned into an error.
func loadImage(ctx context.Context, r io.ReaderAt, size int64, file string) (img *image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, extract.Errorf(file, 0, "malformed elf: %v", p)
		}
	}()
	f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, &extract.Error{Path: file, Err: fmt.Errorf("malformed elf: %w", err)}
	}
	img = &image{f: f, r: r, size: size, path: file, ctx: ctx, funcs: map[uint64]*fn{}, defined: map[string]uint64{}, gotNames: map[uint64]string{}}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 && s.Type != elf.SHT_NULL {
			img.sections = append(img.sections, s)
		}
	}
	sort.SliceStable(img.sections, func(i, j int) bool { return img.sections[i].Addr < img.sections[j].Addr })
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return img, nil
	}
	dyn, err := img.symbols(elf.SHT_DYNSYM, f.DynamicSymbols)
	if err != nil {
		return nil, err
	}
	if _, err := img.symbols(elf.SHT_SYMTAB, f.Symbols); err != nil {
		return nil, err
	}
	if err := img.relocations(dyn); err != nil {
		return nil, err
	}
	img.ehFrame()
	return img, ctx.Err()
}

// symbols reads one symbol table, keeping IFUNC symbols and the bounds of
// functions. It returns the table for relocations to index.
func (img *image) symbols(typ elf.SectionType, read func() ([]elf.Symbol, error)) ([]elf.Symbol, error) {
	sec := img.f.SectionByType(typ)
	if sec == nil {
		return nil, nil
	}
	ent := uint64(24)
	if img.f.Class == elf.ELFCLASS32 {
		ent = 16
	}
	if sec.Size/ent > maxSymbols {
		img.truncated = true
		return nil, nil
	}
	syms, err := read()
	if err != nil {
		if errors.Is(err, elf.ErrNoSymbols) {
			return nil, nil
		}
		return nil, &extract.Error{Path: img.path, Err: fmt.Errorf("malformed elf: %s: %w", sec.Name, err)}
	}
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF || s.Section == elf.SHN_ABS || s.Value == 0 {
			continue
		}
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_GNU_IFUNC:
			img.ifuncSyms = append(img.ifuncSyms, s)
		case elf.STT_FUNC:
			if _, ok := img.defined[s.Name]; !ok && s.Name != "" {
				img.defined[s.Name] = s.Value
			}
			cur := img.funcs[s.Value]
			switch {
			case cur == nil:
				img.funcs[s.Value] = &fn{start: s.Value, size: s.Size, name: s.Name}
			case cur.name == "" || (cur.size == 0 && s.Size > 0) || (s.Size > 0 && s.Name < cur.name):
				// Aliases: keep a sized one, then the first by name, so
				// that the choice does not depend on table order.
				cur.name = s.Name
				if s.Size > 0 {
					cur.size = s.Size
				}
			}
		}
	}
	return syms, nil
}

// irelativeType is each machine's R_*_IRELATIVE relocation type.
var irelativeType = map[elf.Machine]uint64{
	elf.EM_X86_64:    uint64(elf.R_X86_64_IRELATIVE),
	elf.EM_386:       uint64(elf.R_386_IRELATIVE),
	elf.EM_AARCH64:   uint64(elf.R_AARCH64_IRELATIVE),
	elf.EM_ARM:       uint64(elf.R_ARM_IRELATIVE),
	elf.EM_PPC64:     uint64(elf.R_PPC64_IRELATIVE),
	elf.EM_PPC:       248, // R_PPC_IRELATIVE
	elf.EM_S390:      61,  // R_390_IRELATIVE
	elf.EM_RISCV:     58,  // R_RISCV_IRELATIVE
	elf.EM_LOONGARCH: uint64(elf.R_LARCH_IRELATIVE),
}

// gotTypes are the relocations that fill a GOT slot with a symbol's
// address, by which a PLT entry is named.
var gotTypes = map[elf.Machine][2]uint64{
	elf.EM_X86_64: {uint64(elf.R_X86_64_JMP_SLOT), uint64(elf.R_X86_64_GLOB_DAT)},
	elf.EM_386:    {uint64(elf.R_386_JMP_SLOT), uint64(elf.R_386_GLOB_DAT)},
}

// relocations reads the allocated REL/RELA sections, the ones ld.so
// applies, for IRELATIVE resolvers and the GOT slots of PLT entries.
func (img *image) relocations(dyn []elf.Symbol) error {
	f := img.f
	bo := f.ByteOrder
	is64 := f.Class == elf.ELFCLASS64
	irel, hasIrel := irelativeType[f.Machine]
	got := gotTypes[f.Machine]
	seen := map[uint64]bool{}
	total := 0
	for _, sec := range f.Sections {
		if (sec.Type != elf.SHT_RELA && sec.Type != elf.SHT_REL) || sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		rela := sec.Type == elf.SHT_RELA
		ent := map[[2]bool]int{{true, true}: 24, {true, false}: 16, {false, true}: 12, {false, false}: 8}[[2]bool{is64, rela}]
		if sec.Offset > uint64(img.size) || sec.Size > uint64(img.size)-sec.Offset {
			return extract.Errorf(img.path, 0, "malformed elf: section %s [0x%x, +0x%x) lies outside the file of %d bytes", sec.Name, sec.Offset, sec.Size, img.size)
		}
		// The dynamic symbol table is what ld.so resolves against;
		// other links (a static executable's .symtab) name nothing
		// at run time.
		dynLinked := int(sec.Link) < len(f.Sections) && f.Sections[sec.Link].Type == elf.SHT_DYNSYM
		sr := bufio.NewReaderSize(io.NewSectionReader(img.r, int64(sec.Offset), int64(sec.Size)), 64<<10)
		buf := make([]byte, ent)
		for {
			if total >= maxRelocs {
				img.truncated = true
				return nil
			}
			if total%4096 == 0 {
				if err := img.ctx.Err(); err != nil {
					return err
				}
			}
			if _, err := io.ReadFull(sr, buf); err != nil {
				break // a partial last entry is ignored, as ld.so would never see it
			}
			total++
			var rl relocation
			if is64 {
				rl.off = bo.Uint64(buf)
				info := bo.Uint64(buf[8:])
				rl.sym, rl.typ = info>>32, info&0xffffffff
				if rela {
					rl.addend = int64(bo.Uint64(buf[16:]))
				}
			} else {
				rl.off = uint64(bo.Uint32(buf))
				info := bo.Uint32(buf[4:])
				rl.sym, rl.typ = uint64(info>>8), uint64(info&0xff)
				if rela {
					rl.addend = int64(int32(bo.Uint32(buf[8:])))
				}
			}
			switch {
			case hasIrel && rl.typ == irel:
				a := uint64(rl.addend)
				if !rela {
					// REL keeps the addend in the slot itself.
					w, ok := img.word(rl.off)
					if !ok {
						continue
					}
					a = w
				}
				if a != 0 && !seen[a] && len(img.irelative) < maxIFuncs {
					seen[a] = true
					img.irelative = append(img.irelative, a)
				} else if len(img.irelative) >= maxIFuncs {
					img.truncated = true
				}
			case dynLinked && (rl.typ == got[0] || rl.typ == got[1]) && rl.typ != 0:
				// debug/elf drops the null symbol, so index i is dyn[i-1].
				if rl.sym > 0 && rl.sym <= uint64(len(dyn)) {
					if _, ok := img.gotNames[rl.off]; !ok {
						img.gotNames[rl.off] = dyn[rl.sym-1].Name
					}
				}
			}
		}
	}
	return nil
}

// word reads the pointer-sized word at virtual address a.
func (img *image) word(a uint64) (uint64, bool) {
	n := 8
	if img.f.Class == elf.ELFCLASS32 {
		n = 4
	}
	b := img.bytesAt(a, uint64(n))
	if len(b) < n {
		return 0, false
	}
	if n == 4 {
		return uint64(img.f.ByteOrder.Uint32(b)), true
	}
	return img.f.ByteOrder.Uint64(b), true
}

// section returns the allocated section holding address a, preferring an
// executable one where sections overlap.
func (img *image) section(a uint64) *elf.Section {
	i := sort.Search(len(img.sections), func(i int) bool { return img.sections[i].Addr > a })
	var best *elf.Section
	// Real sections do not overlap; looking back a few bounds the work
	// a hostile table can cause.
	for j := i - 1; j >= 0 && j >= i-16; j-- {
		s := img.sections[j]
		if a-s.Addr < s.Size {
			if s.Flags&elf.SHF_EXECINSTR != 0 {
				return s
			}
			if best == nil {
				best = s
			}
		}
	}
	return best
}

// bytesAt reads up to n bytes of the file image at virtual address a,
// fewer where the mapping ends; nil when a is not backed by the file.
func (img *image) bytesAt(a, n uint64) []byte {
	var off, avail uint64
	if s := img.section(a); s != nil {
		if s.Type == elf.SHT_NOBITS {
			return nil
		}
		off, avail = s.Offset+(a-s.Addr), s.Size-(a-s.Addr)
	} else if len(img.f.Sections) == 0 {
		found := false
		for _, p := range img.f.Progs {
			if p.Type == elf.PT_LOAD && a >= p.Vaddr && a-p.Vaddr < p.Filesz {
				off, avail, found = p.Off+(a-p.Vaddr), p.Filesz-(a-p.Vaddr), true
				break
			}
		}
		if !found {
			return nil
		}
	} else {
		return nil
	}
	n = min(n, avail)
	if off >= uint64(img.size) {
		return nil
	}
	n = min(n, uint64(img.size)-off)
	b := make([]byte, n)
	got, _ := img.r.ReadAt(b, int64(off))
	return b[:got]
}

// executable reports whether a lies in code.
func (img *image) executable(a uint64) bool {
	if s := img.section(a); s != nil {
		return s.Flags&elf.SHF_EXECINSTR != 0
	}
	if len(img.f.Sections) > 0 {
		return false
	}
	for _, p := range img.f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && a >= p.Vaddr && a-p.Vaddr < p.Memsz {
			return true
		}
	}
	return false
}

// ehFrame adds the function bounds of .eh_frame's FDEs, which stripped
// libraries keep for unwinding. Parsing stops quietly at the first record
// it cannot read: the bounds are a help, not something to vouch for.
func (img *image) ehFrame() {
	sec := img.f.Section(".eh_frame")
	if sec == nil || sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_COMPRESSED != 0 {
		return
	}
	if sec.Size > maxEHFrame {
		img.truncated = true
		return
	}
	if sec.Offset > uint64(img.size) || sec.Size > uint64(img.size)-sec.Offset {
		return
	}
	data := make([]byte, sec.Size)
	if n, _ := img.r.ReadAt(data, int64(sec.Offset)); uint64(n) != sec.Size {
		return
	}
	ptr := 8
	if img.f.Class == elf.ELFCLASS32 {
		ptr = 4
	}
	e := ehParser{data: data, addr: sec.Addr, ptr: ptr, bo: img.f.ByteOrder, cies: map[int]byte{}}
	fdes := 0
	e.walk(func(start, size uint64) bool {
		fdes++
		if fdes > maxFDEs {
			img.truncated = true
			return false
		}
		if fdes%4096 == 0 && img.ctx.Err() != nil {
			return false
		}
		if cur := img.funcs[start]; cur != nil {
			if cur.size == 0 {
				cur.size = size
			}
		} else {
			img.funcs[start] = &fn{start: start, size: size}
		}
		return true
	})
}

// ehParser reads the call frame information of .eh_frame (LSB 5.0,
// "Exception Frames"), only as far as the ranges of code its FDEs cover.
type ehParser struct {
	data []byte
	addr uint64 // address of data[0]
	ptr  int
	bo   binary.ByteOrder
	cies map[int]byte // FDE pointer encoding by CIE offset; 0xff unusable
}

// record returns the bounds of the record at off: its body (after the
// length) and the end.
func (e *ehParser) record(off int) (body, end int, ok bool) {
	d := e.data
	if off < 0 || off > len(d)-4 {
		return 0, 0, false
	}
	n := uint64(e.bo.Uint32(d[off:]))
	body = off + 4
	if n == 0xffffffff {
		if off > len(d)-12 {
			return 0, 0, false
		}
		n, body = e.bo.Uint64(d[off+4:]), off+12
	}
	if n == 0 || n > uint64(len(d)-body) || n < 4 {
		return 0, 0, false
	}
	return body, body + int(n), true
}

func (e *ehParser) walk(add func(start, size uint64) bool) {
	for off := 0; off < len(e.data); {
		body, end, ok := e.record(off)
		if !ok {
			return
		}
		if id := e.bo.Uint32(e.data[body:]); id != 0 {
			cie := body - int(id)
			enc := e.cie(cie)
			p := body + 4
			start, ok1 := e.encoded(enc, &p, end)
			size, ok2 := e.encoded(enc&0x0f, &p, end)
			if ok1 && ok2 && start != 0 && size > 0 && size < 1<<32 {
				if !add(start, size) {
					return
				}
			}
		}
		off = end
	}
}

// cie returns the FDE pointer encoding the CIE at off declares.
func (e *ehParser) cie(off int) byte {
	if enc, ok := e.cies[off]; ok {
		return enc
	}
	enc := e.parseCIE(off)
	e.cies[off] = enc
	return enc
}

func (e *ehParser) parseCIE(off int) byte {
	const bad = 0xff
	body, end, ok := e.record(off)
	if !ok || e.bo.Uint32(e.data[body:]) != 0 {
		return bad
	}
	p := body + 4
	if p >= end {
		return bad
	}
	version := e.data[p]
	p++
	nul := bytes.IndexByte(e.data[p:end], 0)
	if nul < 0 {
		return bad
	}
	aug := string(e.data[p : p+nul])
	p += nul + 1
	if aug == "" {
		return 0 // DW_EH_PE_absptr
	}
	if aug[0] != 'z' {
		return bad // "eh" and other pre-'z' augmentations change the layout
	}
	if _, ok := e.uleb(&p, end); !ok { // code alignment
		return bad
	}
	if _, ok := e.uleb(&p, end); !ok { // data alignment (sleb, same length)
		return bad
	}
	if version == 1 {
		p++
	} else if _, ok := e.uleb(&p, end); !ok {
		return bad
	}
	if _, ok := e.uleb(&p, end); !ok { // augmentation data length
		return bad
	}
	enc := byte(0)
	for _, c := range aug[1:] {
		if p >= end {
			return bad
		}
		switch c {
		case 'R':
			enc = e.data[p]
			p++
		case 'P':
			penc := e.data[p]
			p++
			if _, ok := e.encoded(penc&0x0f, &p, end); !ok {
				return bad
			}
		case 'L':
			p++
		case 'S', 'B', 'G':
		default:
			return enc
		}
	}
	return enc
}

func (e *ehParser) uleb(p *int, end int) (uint64, bool) {
	var v uint64
	for shift := 0; *p < end && shift < 64; shift += 7 {
		b := e.data[*p]
		*p++
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v, true
		}
	}
	return 0, false
}

// encoded reads a DW_EH_PE-encoded value at *p. Only absolute and
// pc-relative values are supported, the only ones linkers write in FDEs.
func (e *ehParser) encoded(enc byte, p *int, end int) (uint64, bool) {
	if enc == 0xff || enc&0x80 != 0 {
		return 0, false
	}
	at := *p
	var v uint64
	fixed := func(n int) bool {
		if *p > end-n {
			return false
		}
		switch n {
		case 2:
			v = uint64(e.bo.Uint16(e.data[*p:]))
		case 4:
			v = uint64(e.bo.Uint32(e.data[*p:]))
		case 8:
			v = e.bo.Uint64(e.data[*p:])
		}
		*p += n
		return true
	}
	ok := false
	switch enc & 0x0f {
	case 0x00:
		ok = fixed(e.ptr)
	case 0x01, 0x09:
		v, ok = e.uleb(p, end)
		if ok && enc&0x0f == 0x09 {
			// Sign-extend from the bits read.
			if n := uint(7 * (*p - at)); n < 64 && v&(1<<(n-1)) != 0 {
				v |= ^uint64(0) << n
			}
		}
	case 0x02:
		ok = fixed(2)
	case 0x0a:
		ok = fixed(2)
		v = uint64(int64(int16(v)))
	case 0x03:
		ok = fixed(4)
	case 0x0b:
		ok = fixed(4)
		v = uint64(int64(int32(v)))
	case 0x04, 0x0c:
		ok = fixed(8)
	}
	if !ok {
		return 0, false
	}
	switch enc & 0x70 {
	case 0x00:
	case 0x10: // pc-relative
		v += e.addr + uint64(at)
	default:
		return 0, false
	}
	return v, true
}

// ifuncs returns the file's resolvers: IFUNC symbols, then the IRELATIVE
// relocations no symbol names, with calls decoded on x86-64.
func (img *image) ifuncs() []IFunc {
	type key struct {
		sym string
		at  uint64
	}
	seen := map[key]bool{}
	byAddr := map[uint64]bool{}
	out := []IFunc{}
	add := func(sym string, at, symSize uint64) {
		if seen[key{sym, at}] {
			return
		}
		if len(out) >= maxIFuncs {
			img.truncated = true
			return
		}
		seen[key{sym, at}] = true
		byAddr[at] = true
		in := IFunc{Symbol: sym, Resolver: at, Size: symSize}
		if fn := img.funcs[at]; fn != nil {
			in.ResolverName = fn.name
			if fn.size > 0 {
				in.Size = fn.size
			}
		}
		if s := img.section(at); s != nil {
			in.Section = s.Name
		}
		out = append(out, in)
	}
	for _, s := range img.ifuncSyms {
		add(s.Name, s.Value, s.Size)
	}
	for _, a := range img.irelative {
		if !byAddr[a] {
			add("", a, 0)
		}
	}
	slices.SortFunc(out, func(a, b IFunc) int {
		if a.Resolver != b.Resolver {
			if a.Resolver < b.Resolver {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Symbol, b.Symbol)
	})
	if img.f.Machine == elf.EM_X86_64 {
		for i := range out {
			out[i].Calls = img.calls(out[i].Resolver, out[i].Size)
		}
	}
	return out
}

// calls decodes the direct call/jmp targets of the function at start
// (size 0: unknown) that land outside it, where a function or PLT entry
// starts.
func (img *image) calls(start, size uint64) []uint64 {
	n := uint64(MaxResolverBytes)
	if size > 0 && size < n {
		n = size
	}
	code := img.bytesAt(start, n)
	var out []uint64
	for i := 0; i+5 <= len(code); i++ {
		if code[i] != 0xe8 && code[i] != 0xe9 {
			continue
		}
		rel := int64(int32(img.f.ByteOrder.Uint32(code[i+1:])))
		t := start + uint64(i) + 5 + uint64(rel)
		if t-start < uint64(len(code)) || (size > 0 && t-start < size) || slices.Contains(out, t) {
			continue
		}
		if img.codeStart(t) {
			out = append(out, t)
		}
	}
	return out
}

// codeStart reports whether a is where a function or a PLT entry starts.
func (img *image) codeStart(a uint64) bool {
	if !img.executable(a) {
		return false
	}
	if _, ok := img.funcs[a]; ok {
		return true
	}
	if s := img.section(a); s != nil && isPLT(s.Name) {
		ent := s.Entsize
		if ent == 0 {
			ent = 16
		}
		return (a-s.Addr)%ent == 0
	}
	// With no function bounds at all (no symbols, no .eh_frame), any
	// target in code is the best the file allows.
	return len(img.funcs) == 0
}

func isPLT(name string) bool {
	return name == ".plt" || name == ".plt.sec" || name == ".plt.got" || name == ".iplt"
}

// callee is what the checks know of a call target.
type callee struct {
	addr  uint64 // the call's target
	start uint64 // the function's start: addr, or where a local PLT entry leads
	name  string // symbol name, or the imported name of a PLT entry
	plt   bool
	// local is set for a PLT entry of a function the file defines
	// itself (an exported function called through its PLT entry, so
	// that it stays interposable); size and section are then that
	// function's.
	local   bool
	size    uint64 // 0: unknown
	section string
}

func (img *image) callee(a uint64) callee {
	c := callee{addr: a, start: a}
	if s := img.section(a); s != nil {
		c.section = s.Name
		if isPLT(s.Name) {
			c.plt = true
			c.name = img.pltName(a)
			start, ok := img.defined[c.name]
			if !ok {
				return c
			}
			c.local, a = true, start
			c.section = ""
			if s := img.section(a); s != nil {
				c.section = s.Name
			}
		}
	}
	c.start = a
	if fn := img.funcs[a]; fn != nil {
		c.size = fn.size
		if !c.local {
			c.name = fn.name
		}
	}
	return c
}

// pltName names an x86-64 PLT entry by the GOT slot its indirect jump
// reads: [endbr64] [bnd] jmp *disp32(%rip).
func (img *image) pltName(a uint64) string {
	b := img.bytesAt(a, 16)
	i := 0
	if bytes.HasPrefix(b, []byte{0xf3, 0x0f, 0x1e, 0xfa}) {
		i = 4
	}
	if i < len(b) && b[i] == 0xf2 {
		i++
	}
	if i+6 > len(b) || b[i] != 0xff || b[i+1] != 0x25 {
		return ""
	}
	slot := a + uint64(i) + 6 + uint64(int64(int32(img.f.ByteOrder.Uint32(b[i+2:]))))
	return img.gotNames[slot]
}

// describe says what the callee is, for evidence.
func (c callee) describe() string {
	if c.plt && !c.local {
		if c.name == "" {
			return fmt.Sprintf("a PLT entry of unknown import in section %q", c.section)
		}
		return "the PLT entry of " + c.name
	}
	size := "unknown-size"
	if c.size > 0 {
		size = fmt.Sprintf("0x%x-byte", c.size)
	}
	if c.local {
		return fmt.Sprintf("the PLT entry of %s, defined here as a %s function in section %q", c.name, size, c.section)
	}
	if c.name == "" {
		return fmt.Sprintf("an unnamed %s function in section %q", size, c.section)
	}
	return fmt.Sprintf("a %s function %s in section %q", size, c.name, c.section)
}

// cpuHelpers are the functions a resolver may call to learn CPU features:
// GCC's __builtin_cpu_init, <cpuid.h> when not inlined, glibc's accessors
// and getauxval. The backdoor's own helper was named _get_cpuid, one
// underscore, and is deliberately absent.
var cpuHelpers = map[string]bool{
	"__cpu_indicator_init":         true,
	"__get_cpuid":                  true,
	"__get_cpuid_count":            true,
	"__get_cpuid_max":              true,
	"__get_cpu_features":           true,
	"__x86_get_cpu_features":       true,
	"_dl_x86_get_cpu_features":     true,
	"__x86_get_cpuid_feature_leaf": true,
	"init_cpu_features":            true,
	"getauxval":                    true,
	"__getauxval":                  true,
}

// foreignAPIs are names of sensitive interfaces with the libraries that
// own them (by file name stem): a resolver elsewhere has no business
// defining or calling them. ld.so's audit interface (la_*) is owned by
// nobody: only an audit module defines it, never one with IFUNCs.
var foreignAPIs = []struct {
	prefix string
	exact  bool
	owners []string
}{
	{"RSA_", false, []string{"libcrypto"}},
	{"EVP_", false, []string{"libcrypto"}},
	{"BN_", false, []string{"libcrypto"}},
	{"DSA_", false, []string{"libcrypto"}},
	{"ECDSA_", false, []string{"libcrypto"}},
	{"PEM_", false, []string{"libcrypto"}},
	{"SSL_", false, []string{"libssl"}},
	{"_dl_", false, []string{"ld", "ld-linux", "libc"}},
	{"la_", false, nil},
	{"dlopen", true, []string{"libc", "libdl"}},
	{"dlsym", true, []string{"libc", "libdl"}},
	{"dlvsym", true, []string{"libc", "libdl"}},
	{"dladdr", true, []string{"libc", "libdl"}},
	{"__libc_dlopen_mode", true, []string{"libc"}},
	{"__libc_dlsym", true, []string{"libc"}},
	{"pam_", false, []string{"libpam"}},
}

// foreignOwner returns the owners of name when it is another library's
// sensitive interface, and whether it is one.
func foreignOwner(name string) ([]string, bool) {
	if cpuHelpers[name] {
		return nil, false
	}
	for _, f := range foreignAPIs {
		if (f.exact && name == f.prefix) || (!f.exact && strings.HasPrefix(name, f.prefix)) {
			return f.owners, true
		}
	}
	return nil, false
}

// stem is a library file name without ".so" and what follows, and
// without a "-2.31"-style version: libc.so.6 and libc-2.31.so are "libc".
func stem(base string) string {
	if i := strings.Index(base, ".so"); i > 0 && (i+3 == len(base) || base[i+3] == '.') {
		base = base[:i]
	}
	if i := strings.LastIndex(base, "-"); i > 0 && i+1 < len(base) && base[i+1] >= '0' && base[i+1] <= '9' {
		base = base[:i]
	}
	if strings.HasPrefix(base, "ld-linux") || base == "ld64" {
		return "ld-linux"
	}
	return base
}

// runtimeLibs are the glibc and GCC runtime libraries, whose hundreds of
// resolvers (memcpy, strlen, the libm kernels) are the ordinary use of
// IFUNC: no findings for them.
var runtimeLibs = map[string]bool{
	"libc": true, "libm": true, "libmvec": true, "libgcc_s": true, "ld": true, "ld-linux": true,
	"libpthread": true, "libdl": true, "librt": true,
}

// resolverLabel names a resolver in evidence.
func resolverLabel(in IFunc) string {
	var b strings.Builder
	switch {
	case in.ResolverName != "":
		b.WriteString(in.ResolverName)
	case in.Symbol != "":
		b.WriteString("resolver of " + in.Symbol)
	default:
		b.WriteString("anonymous resolver (IRELATIVE)")
	}
	fmt.Fprintf(&b, " @0x%x", in.Resolver)
	var paren []string
	if in.Size > 0 {
		paren = append(paren, fmt.Sprintf("size 0x%x", in.Size))
	}
	if in.Symbol != "" && in.ResolverName != "" && in.Symbol != in.ResolverName {
		paren = append(paren, "IFUNC "+in.Symbol)
	}
	if len(paren) > 0 {
		b.WriteString(" (" + strings.Join(paren, ", ") + ")")
	}
	return b.String()
}

// verdict of one call of a liblzma resolver.
type verdict int

const (
	vOK verdict = iota
	vUnverified
	vHostile
)

// judge rates a callee of a liblzma resolver in section sec.
func (img *image) judge(c callee, sec string) (verdict, string) {
	switch {
	case c.plt && cpuHelpers[c.name]:
		return vOK, ""
	case c.plt && !c.local:
		return vHostile, "an import that is not a CPU-feature helper"
	case c.section != sec:
		return vHostile, fmt.Sprintf("outside the resolver's section %q", sec)
	case cpuHelpers[c.name] && c.size <= maxHelper:
		return vOK, ""
	case c.size == 0:
		return vUnverified, "its size is unknown"
	case c.size <= smallHelper:
		return vOK, ""
	case c.name == "" && c.size <= maxHelper && img.executesCPUID(c):
		return vUnverified, "it executes cpuid, as a statically linked __cpu_indicator_init would, but has no symbol to confirm it"
	}
	return vHostile, fmt.Sprintf("larger than a CPU-feature helper (over %d bytes)", smallHelper)
}

// executesCPUID reports whether the function's bytes hold 0F A2 (cpuid).
func (img *image) executesCPUID(c callee) bool {
	return bytes.Contains(img.bytesAt(c.start, min(c.size, maxHelper)), []byte{0x0f, 0xa2})
}

// check produces the findings for the resolvers of a library known by
// names (file base name first).
func (img *image) check(ins []IFunc, names []string) []finding.Finding {
	lzma, runtime := false, true
	stems := make([]string, len(names))
	for i, n := range names {
		stems[i] = stem(path.Base(n))
		lzma = lzma || stems[i] == "liblzma"
		runtime = runtime && runtimeLibs[stems[i]]
	}
	if len(ins) == 0 || runtime {
		return nil
	}
	owned := func(owners []string) bool {
		for _, o := range owners {
			if slices.Contains(stems, o) {
				return true
			}
		}
		return false
	}
	var high, unsure, section, foreign, labels evidence
	for _, in := range ins {
		label := resolverLabel(in)
		labels.add(label)
		if in.Section != ".text" {
			where := fmt.Sprintf("section %q", in.Section)
			if in.Section == "" {
				where = "no section"
			}
			section.add(fmt.Sprintf("%s is in %s, not .text", label, where))
		}
		if owners, bad := foreignOwner(in.Symbol); bad && !owned(owners) {
			foreign.add(fmt.Sprintf("IFUNC symbol %s (resolver @0x%x) bears the name of %s", in.Symbol, in.Resolver, ownerText(owners)))
		}
		for _, t := range in.Calls {
			c := img.callee(t)
			if owners, bad := foreignOwner(c.name); bad && !owned(owners) {
				foreign.add(fmt.Sprintf("%s calls 0x%x, %s: the name of %s", label, t, c.describe(), ownerText(owners)))
			}
			if !lzma {
				continue
			}
			v, why := img.judge(c, in.Section)
			ev := fmt.Sprintf("%s calls 0x%x outside itself, into %s: %s", label, t, c.describe(), why)
			switch v {
			case vHostile:
				high.add(ev)
			case vUnverified:
				unsure.add(ev)
			case vOK:
				if (c.plt && !c.local) || cpuHelpers[c.name] {
					continue
				}
				// A small helper may be the backdoor's trampoline, as
				// _get_cpuid was: look one call further.
				for _, t2 := range img.calls(c.start, c.size) {
					c2 := img.callee(t2)
					v2, why2 := img.judge(c2, in.Section)
					ev2 := fmt.Sprintf("%s calls 0x%x (%s), which calls 0x%x, into %s: %s", label, t, c.describe(), t2, c2.describe(), why2)
					switch v2 {
					case vHostile:
						high.add(ev2)
					case vUnverified:
						unsure.add(ev2)
					}
				}
			}
		}
	}
	var out []finding.Finding
	mk := func(id string, sev finding.Severity, summary string, ev evidence, refs []string, fix string) {
		out = append(out, finding.Finding{
			ID: id, Aliases: []string{id}, Kind: finding.Integrity, Severity: sev,
			Summary: summary, Locations: []inventory.Location{{Path: img.path}},
			Evidence: ev.list(), References: refs, Source: IFuncSource, Remediation: fix,
		})
	}
	if high.n > 0 {
		mk(IDResolverCalls, finding.High,
			"liblzma IFUNC resolver calls code a CPU-feature check does not need: the shape of the CVE-2024-3094 backdoor, which ran from crc64_resolve before RELRO",
			high, lzmaRefs, "Compare the library with the distribution's build of the same version; replace it from a trusted build if they differ.")
	}
	if section.n > 0 {
		mk(IDResolverSection, finding.Medium,
			"IFUNC resolver outside .text: resolvers run during relocation, before RELRO, and compilers put them in .text",
			section, nil, "Check where the library was built and why its resolver sits in a section of its own.")
	}
	if foreign.n > 0 {
		mk(IDForeignName, finding.Medium,
			"IFUNC symbol or resolver call named after another library's interface, as a hook into it would be",
			foreign, nil, "Check why the library defines or calls that interface from code the loader runs before RELRO.")
	}
	if unsure.n > 0 {
		mk(IDResolverUnverified, finding.Medium,
			"liblzma IFUNC resolver calls a function the file does not let us check",
			unsure, lzmaRefs, "Compare the library with the distribution's build of the same version.")
	}
	if lzma {
		names := resolverNames(ins)
		mk(IDResolversPresent, finding.Low,
			fmt.Sprintf("IFUNC resolvers present (%s): the hook the CVE-2024-3094 backdoor used; compare with the distribution's build", names),
			labels, lzmaRefs, "")
	}
	return out
}

// evidence collects the evidence lines of one finding, keeping the first
// maxEvidence and counting the rest.
type evidence struct {
	lines []string
	n     int
}

func (e *evidence) add(line string) {
	if e.n++; len(e.lines) < maxEvidence {
		e.lines = append(e.lines, line)
	}
}

func (e *evidence) list() []string {
	if e.n > len(e.lines) {
		return append(e.lines, fmt.Sprintf("... and %d more", e.n-len(e.lines)))
	}
	return e.lines
}

func ownerText(owners []string) string {
	if len(owners) == 0 {
		return "ld.so's audit interface"
	}
	return strings.Join(owners, "/") + "'s interface"
}

// resolverNames lists the resolvers by name for a summary, bounded.
func resolverNames(ins []IFunc) string {
	var names []string
	for _, in := range ins {
		n := in.ResolverName
		if n == "" {
			n = in.Symbol
		}
		if n == "" {
			n = fmt.Sprintf("@0x%x", in.Resolver)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > maxNamesShown {
		return strings.Join(names[:maxNamesShown], ", ") + fmt.Sprintf(" and %d more", len(names)-maxNamesShown)
	}
	return strings.Join(names, ", ")
}

// BackdooredRelease returns the CVE-2024-3094 finding when name (a
// library's file name or path) is liblzma of version 5.6.0 or 5.6.1, the
// two releases whose tarballs carried the backdoor, whatever a signature
// scan of the file says: the implant may have been altered past the
// signatures, and distributions that rebuilt without it changed the version
// (5.6.1+really5.4.5 installs liblzma.so.5.4.5).
func BackdooredRelease(name string) (finding.Finding, bool) {
	base := path.Base(name)
	if stem(base) != "liblzma" {
		return finding.Finding{}, false
	}
	return backdooredRelease(name, base, versionOf(base))
}

// backdooredRelease is BackdooredRelease for the file at file whose
// version the name from says.
func backdooredRelease(file, from, version string) (finding.Finding, bool) {
	if version != "5.6.0" && version != "5.6.1" {
		return finding.Finding{}, false
	}
	return finding.Finding{
		ID:          IDBackdooredRelease,
		Aliases:     []string{IDBackdooredRelease},
		Kind:        finding.Malicious,
		Severity:    finding.Critical,
		Summary:     "liblzma 5.6.0/5.6.1 (CVE-2024-3094 backdoored releases)",
		Name:        "liblzma",
		Version:     version,
		Locations:   []inventory.Location{{Path: file}},
		Evidence:    []string{fmt.Sprintf("file name %s gives version %s", from, version)},
		References:  lzmaRefs,
		Source:      IFuncSource,
		Remediation: "Replace liblzma with a release other than 5.6.0/5.6.1 from the distribution, and treat the host as possibly compromised.",
	}, true
}

// loaderChecks adds to lib, read through f, the findings of the checks
// that concern what the loader runs early: the liblzma release by version
// and the IFUNC resolvers. The version check needs only the names, so it
// runs even when the file cannot be read.
func (w *chainWalk) loaderChecks(ctx context.Context, f *os.File, lib *Library) error {
	base := path.Base(lib.RealPath)
	if strings.HasPrefix(lib.Name, "liblzma") || stem(base) == "liblzma" {
		from := base
		if lib.Version == "" {
			lib.Version, from = versionOf(lib.Name), lib.Name
		}
		if fd, ok := backdooredRelease(lib.RealPath, from, lib.Version); ok {
			lib.Findings = append(lib.Findings, fd)
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := ifuncs(ctx, f, fi.Size(), lib.RealPath, []string{lib.Name})
	if err != nil || rep == nil {
		return err
	}
	if len(rep.Findings) > 0 {
		lib.IFuncs = rep.IFuncs
		lib.Findings = append(lib.Findings, rep.Findings...)
	}
	return nil
}
