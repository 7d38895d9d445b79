// Package jar reads Java archives and the archives nested in them, so that
// a log4j-core buried in a Spring Boot jar inside a WAR is found, with the
// path through the archives that brings it in.
//
// Claiming: files (not directories: an exploded WAR is one) named, in any
// letter case, *.jar, *.war, *.ear, *.par (JBoss/Hibernate persistence
// archives), *.sar (JBoss service archives), *.jpi and *.hpi (Jenkins
// plugins), *.kar (Apache Karaf features), *.nar (Apache NiFi bundles) and
// *.lpkg (Liferay packages): the extensions syft reads as Java archives
// (osv-scanner's list is the same without .kar, with .jmod). Not
// claimed: *.jmod (JDK modules, not Maven artifacts), *.aar (Android
// archives, which carry no Maven descriptor), *.zip (distributions: their
// unpacked jars are found directly) and *.rar, which outside an EAR is a
// RAR file. Inside an archive, entries with any of those extensions, and
// *.rar (a JCA resource adapter inside an EAR, read only when it is a zip),
// are read as nested archives, wherever they sit: WEB-INF/lib in a WAR,
// lib/ and the modules of an EAR, BOOT-INF/lib and WEB-INF/lib-provided of
// Spring Boot, META-INF/bundled-dependencies of a NAR, repository/ of a KAR.
//
// Reading: the outer file goes through in.ReaderAt with archive/zip; only
// META-INF/MANIFEST.MF (main section only, streamed until its first blank
// line), top-level META-INF/maven/<group>/<artifact>/pom.properties and
// nested archives are ever opened, so a jar of thousands of classes costs
// its central directory and a few small reads, plus one streaming pass for
// its SHA-1. A nested archive STORED in its parent (Spring Boot stores
// BOOT-INF/lib uncompressed) is read in place through a section of the
// parent, without a copy; a compressed one is decompressed into memory,
// up to 64 MiB, and a larger one is listed by its file name with the
// "not_read" property and an error. Limits per outer file: nesting depth 4
// below it, 1 GiB of nested archives and descriptors read, 10,000 nested
// archives, 100,000 entries opened; per archive: an 8 MiB central
// directory, 1,024 pom.properties, a compression ratio of 100:1 for any
// entry over 1 MiB (zip bombs). Entry names are only ever used as text in
// locations: nothing is written to disk, and a name such as
// "../../x.jar" is reported as it is written.
//
// Identifying each archive's own artifact, in order:
//  1. pom.properties: the one whose artifactId the file name starts with
//     ("wagon-http" for wagon-http-3.5.3-shaded.jar, which holds five; an
//     exact "artifactId-version" first, the longest artifactId next), else
//     the one whose artifactId the manifest names (see 2), else the only
//     one, unless the manifest names another artifact: Debian's guice.jar
//     holds just the pom.properties of the cglib shaded into it. The
//     others are artifacts shaded into this one.
//  2. MANIFEST.MF: Implementation-Title, Specification-Title or Bundle-Name
//     when it is one word shaped like an artifactId ("jcl-over-slf4j", not
//     "Apache Log4j Core"), with Implementation-Version, else Bundle-Version,
//     else Specification-Version (else the file name's version).
//  3. The file name, Maven's "artifactId-version[-classifier]" cut at the
//     first "-" followed by a digit (log4j-core-2.14.1.jar gives log4j-core
//     2.14.1); when it has no version, the manifest's version is taken.
//  4. The manifest's Bundle-SymbolicName (OSGi directives cut), which names
//     a package rather than an artifact, so it comes after the file name.
//
// Group: Maven names are "groupId:artifactId", and only pom.properties
// records the groupId. Without one, the evidence is taken in this order,
// and the "group_from" property says which gave the group:
//  1. known_artifact: a table of artifacts whose published jars carry no
//     pom.properties (Gradle and Ant builds) and whose manifests mostly do
//     not name the group: Spring Framework's modules, Tomcat's, MongoDB's
//     drivers, Kotlin's standard library, Bouncy Castle's, guice, xz and
//     xercesImpl (group "xerces"; its Bundle-SymbolicName says
//     "org.apache.xerces").
//  2. Implementation-Vendor-Id, which older maven-archivers wrote as the
//     groupId and Ant builds set by hand (bcprov: "org.bouncycastle"; c3p0:
//     "com.mchange", its group since 0.9.2 and the one advisories name),
//     when the archive backs it: it equals the artifactId (the legacy
//     commons-io:commons-io), or the Bundle-SymbolicName,
//     Automatic-Module-Name or Extension-Name is it or sits under it, or a
//     class does. Parent POMs write their organisation there instead, so
//     "org.apache" (commons-parent, log4j, httpcomponents: the legacy
//     commons-logging:commons-logging would become org.apache:...),
//     "com.sun" (javax.mail) and "org.glassfish" (Java EE API jars) are
//     never taken.
//  3. artifactId: the artifactId stands in, as syft and osv-scanner do when
//     they find nothing. It is right for the legacy artifacts that predate
//     reverse-domain groups (log4j:log4j, commons-io:commons-io,
//     junit:junit), whose advisories then match, and it is flagged with
//     "group_guessed".
//
// Not taken as a group: Bundle-SymbolicName and Automatic-Module-Name name
// a package or a module. Read back through maven-bundle-plugin's default
// (groupId "." artifactId, less a segment the two share), the symbolic
// name gives a group for 138 of the 261 jars in Debian's /usr/share/java
// whose coordinates /usr/share/maven-repo records: the right one for 89,
// a wrong one for 49 (org.apache.commons for commons-io:commons-io,
// org.apache for Tomcat's org.apache.tomcat, org.objectweb.asm for
// org.ow2.asm). The peers take such names; vouch keeps the stand-in,
// which matches the legacy artifacts' advisories, and flags it.
//
// Graph: one root per outer file (kind binary), named by the archive's own
// artifact when identified. That artifact is also a component (so that
// advisories about the jar itself match), direct, with an edge from the
// root and the SHA-1 of the file's bytes, which is what Maven Central's
// search identifies a jar by. What sits directly inside the outer file
// (shaded artifacts, nested archives' own artifacts) is direct, with an
// edge from the root; what sits inside a nested archive hangs off that
// archive's component, so `vouch why` walks app.war → fat.jar's artifact →
// log4j-core. A nested archive that cannot be identified at all has no
// component, and its contents hang off its parent. Scope is runtime.
// Locations use the "outer!/inner" convention:
// app.war!/WEB-INF/lib/fat.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar; a
// shaded artifact's location is its pom.properties inside the archive.
//
// Errors: a file that is no zip archive, or whose central directory is
// corrupt, is an error; its root is still returned, with the artifact its
// file name gives. Problems inside (a nested archive not read, a broken
// manifest line, a pom.properties without coordinates) are reported as one
// error for the file, naming the path inside the archive, while everything
// else is still returned.
//
// Component properties:
//
//	identified_by  how the artifact was identified: "pom.properties",
//	               "manifest" or "filename" (the source of its name)
//	group_guessed  "true" when no groupId was recorded and the artifactId
//	               stands in for it
//	group_from     where the group of an archive without pom.properties
//	               came from: "known_artifact" (the table above),
//	               "Implementation-Vendor-Id" or "artifactId" (the stand-in)
//	shaded         "true" for an artifact whose pom.properties sits in
//	               another artifact's archive (its classes were merged in;
//	               it has no bytes, so no hash, of its own)
//	not_read       why a nested archive was listed by its name but not
//	               read: "too_large" (compressed in its parent and over
//	               64 MiB once decompressed, or with a central directory
//	               over 8 MiB), "too_deep" (nested more than 4 levels),
//	               "compression_ratio" (a zip bomb), "read_limit" (the
//	               per-file budget was spent) or "invalid_zip"
package jar

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Property keys and values; see the package comment.
const (
	propIdentifiedBy = "identified_by"
	propGroupGuessed = "group_guessed"
	propGroupFrom    = "group_from"
	propShaded       = "shaded"
	propNotRead      = "not_read"

	byPom      = "pom.properties"
	byManifest = "manifest"
	byFilename = "filename"

	notReadTooLarge = "too_large"
	notReadTooDeep  = "too_deep"
	notReadRatio    = "compression_ratio"
	notReadBudget   = "read_limit"
	notReadInvalid  = "invalid_zip"

	groupFromKnown    = "known_artifact"
	groupFromVendorID = "Implementation-Vendor-Id"
	groupFromArtifact = "artifactId"
)

// Limits on hostile input. Real archives nest two or three levels (an EAR
// holding a WAR holding jars), hold nested jars of a few MiB and central
// directories of at most a few MiB (the largest jars have ~100,000
// entries).
const (
	defaultMaxDepth     = 4
	defaultMaxNested    = 64 << 20
	defaultMaxTotal     = 1 << 30
	defaultMaxArchives  = 10_000
	defaultMaxOpened    = 100_000
	defaultMaxDirectory = 8 << 20
	// maxRatio bounds uncompressed/compressed size of an entry larger than
	// ratioFloor; deflate reaches ~1000:1 on zeros, real jars ~10:1 at most.
	maxRatio   = 100
	ratioFloor = 1 << 20
	// maxManifest bounds the main section of a MANIFEST.MF; OSGi bundles
	// with long Export-Package headers reach some tens of KiB.
	maxManifest = 1 << 20
	// maxPomProperties bounds one pom.properties (real ones: ~100 bytes).
	maxPomProperties = 64 << 10
	// maxPoms bounds the pom.properties of one archive; the largest shaded
	// jars hold a few hundred.
	maxPoms = 1024
	// maxField bounds a groupId, artifactId or version.
	maxField = 256
)

// outerExts are the extensions claimed; see the package comment.
var outerExts = map[string]bool{
	"jar": true, "war": true, "ear": true, "par": true, "sar": true,
	"jpi": true, "hpi": true, "kar": true, "nar": true, "lpkg": true,
}

// limits holds the bounds of one extractor; tests lower them.
type limits struct {
	maxDepth     int   // archives nested below the outer file
	maxNested    int64 // a compressed nested archive read into memory
	maxTotal     int64 // bytes of nested archives and descriptors read per outer file
	maxArchives  int   // nested archives read per outer file
	maxOpened    int   // entries opened per outer file
	maxDirectory int64 // central directory of one archive
	helpers      int   // goroutines inflating nested archives ahead (read.go); 0 for none
	ahead        int64 // bytes those hold per archive before the scan takes them
}

// Extractor reads Java archives (JAR, WAR, EAR and their kin, nested).
type Extractor struct {
	lim   limits
	cache *leafCache // nested jars already read (cache.go)
}

// New returns the extractor.
func New() *Extractor {
	return &Extractor{lim: limits{
		maxDepth:     defaultMaxDepth,
		maxNested:    defaultMaxNested,
		maxTotal:     defaultMaxTotal,
		maxArchives:  defaultMaxArchives,
		maxOpened:    defaultMaxOpened,
		maxDirectory: defaultMaxDirectory,
		helpers:      min(runtime.GOMAXPROCS(0), maxHelpers),
		ahead:        defaultAhead,
	}, cache: newLeafCache()}
}

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "jar" }

// Claims implements extract.Extractor: files with a Java archive extension.
func (*Extractor) Claims(path string, info fs.FileInfo) bool {
	if info != nil && info.IsDir() {
		return false // an exploded WAR is a directory named app.war
	}
	return outerExts[extension(extract.Base(path))]
}

// extension returns the lower-case extension of a file name, without the
// dot ("" for none).
func extension(base string) string {
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(base[i+1:])
}

// stem returns a file name without its extension.
func stem(base string) string {
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[:i]
	}
	return base
}

// nestedArchive reports whether an entry name is read as a nested archive.
func nestedArchive(name string) bool {
	if strings.HasSuffix(name, "/") {
		return false
	}
	base := extract.Base(name)
	if strings.HasPrefix(base, "._") {
		return false // macOS resource forks copied into archives
	}
	ext := extension(base)
	return outerExts[ext] || ext == "rar"
}

// archive is one archive being read: the outer file or a nested one.
type archive struct {
	ra    io.ReaderAt
	size  int64
	inner string      // path inside the outer file, "!/"-joined; "" for the outer file
	loc   string      // location: the outer path, then inner
	base  string      // file name
	depth int         // 0 for the outer file
	pf    *prefetcher // inflates the nested archives ahead while they are read; may be nil
}

// where names a path inside the archive in messages, relative to the
// outer file.
func (a *archive) where(name string) string {
	if a.inner == "" {
		return name
	}
	return a.inner + "!/" + name
}

// child returns the archive of the nested entry name (not yet opened).
func (a *archive) child(name string) *archive {
	return &archive{inner: a.where(name), loc: a.loc + "!/" + name, base: extract.Base(name), depth: a.depth + 1}
}

// ident is an archive's or a descriptor's Maven identity.
type ident struct {
	group, artifact, version string
	groupGuessed             bool
	groupFrom                string // group_from; "" when pom.properties gave the group
	by                       string // identified_by
}

func (id ident) name() string { return id.group + ":" + id.artifact }

func (id ident) purl() string { return purl.For(purl.Maven, id.name(), id.version, nil) }

// component returns the component of id, found at loc.
func (id ident) component(loc string, direct bool) inventory.Component {
	props := map[string]string{propIdentifiedBy: id.by}
	if id.groupGuessed {
		props[propGroupGuessed] = "true"
	}
	if id.groupFrom != "" {
		props[propGroupFrom] = id.groupFrom
	}
	return inventory.Component{
		PURL:       id.purl(),
		Ecosystem:  purl.Maven,
		Name:       id.name(),
		Version:    id.version,
		Direct:     direct,
		Scope:      inventory.ScopeRuntime,
		Properties: props,
		Locations:  []inventory.Location{{Path: loc}},
	}
}

// pom is one META-INF/maven/<group>/<artifact>/pom.properties.
type pom struct {
	ident
	path string // entry name
}

// contents is what one archive holds that the extractor cares about.
type contents struct {
	poms     []pom
	manifest manifest
	nested   []*zip.File
	files    []*zip.File // every entry, to look for classes under a group
}

// scan is the reading of one outer file.
type scan struct {
	ctx      context.Context
	lim      limits
	path     string
	g        *inventory.Graph
	problems extract.Problems
	nprob    int // problems recorded
	opened   int // entries opened
	cache    *leafCache

	mu       sync.Mutex // guards total, archives and reserved, which the prefetchers read
	total    int64      // bytes of nested archives and descriptors read
	archives int        // nested archives read
	reserved int64      // bytes being inflated ahead by prefetchers

	bufs [][]byte // inflated nested archives being read (read.go)
}

// problem records an error about the outer file, whose message names the
// place inside it.
func (s *scan) problem(format string, args ...any) {
	s.nprob++
	s.problems.Add(&extract.Error{Path: s.path, Err: fmt.Errorf(format, args...)})
}

// Extract implements extract.Extractor.
func (e *Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}
	ra, size, err := source(in)
	if err != nil {
		return nil, err
	}
	s := &scan{ctx: ctx, lim: e.lim, path: in.Path, g: inventory.New(), cache: e.cache}
	a := &archive{ra: ra, size: size, loc: in.Path, base: extract.Base(in.Path)}
	// The file's SHA-1 is computed beside the reading of its directory
	// and descriptors (io.ReaderAt allows parallel reads).
	sumc := s.digestAsync(ra, size)
	root := inventory.Root{ID: in.Path, Kind: inventory.KindBinary}
	zr, zerr := s.openZip(ra, size)
	var c contents
	if zerr == nil {
		c = s.inspect(zr, a)
	}
	d := <-sumc
	sum, err := d.sum, d.err
	if err != nil {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("read: %w", err)}
	}
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}
	own, shaded := identify(c, a.base)
	if own != nil {
		root.PURL, root.Name, root.Version = own.purl(), own.name(), own.version
		comp := own.component(in.Path, true)
		comp.Hashes = []inventory.Hash{{Algorithm: "SHA-1", Value: sum}}
		s.g.Add(comp)
		s.g.AddEdge(in.Path, comp.PURL)
	}
	s.g.AddRoot(root)
	if zerr != nil {
		// Returned on its own: the inner problems of a file that could not
		// be opened would only be noise.
		return s.g, &extract.Error{Path: in.Path, Err: zerr}
	}
	s.add(a, c, shaded, in.Path, true)
	if err := ctx.Err(); err != nil {
		return nil, &extract.Error{Path: in.Path, Err: err}
	}
	return s.g, s.problems.Err()
}

// source returns the outer file for random access, with its size.
func source(in *extract.Input) (io.ReaderAt, int64, error) {
	if in.ReaderAt != nil {
		if in.Info != nil {
			return in.ReaderAt, in.Info.Size(), nil
		}
		if s, ok := in.ReaderAt.(interface{ Size() int64 }); ok {
			return in.ReaderAt, s.Size(), nil
		}
		if st, ok := in.ReaderAt.(interface{ Stat() (fs.FileInfo, error) }); ok {
			if info, err := st.Stat(); err == nil {
				return in.ReaderAt, info.Size(), nil
			}
		}
	}
	if in.Reader == nil {
		return nil, 0, &extract.Error{Path: in.Path, Err: errors.New("no content to read")}
	}
	data, err := extract.ReadAll(in, extract.DefaultMaxFileSize)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// add records what archive a holds below node (the root's id, or the
// PURL of the archive's component): the artifacts shaded into it and the
// nested archives. Those are direct when node is the root.
func (s *scan) add(a *archive, c contents, shaded []pom, node string, direct bool) {
	for _, p := range shaded {
		comp := p.component(a.loc+"!/"+p.path, direct)
		comp.Properties[propShaded] = "true"
		s.g.Add(comp)
		s.g.AddEdge(node, comp.PURL)
	}
	a.pf = s.prefetch(a, c.nested)
	defer a.pf.close()
	for _, f := range c.nested {
		if s.ctx.Err() != nil {
			return
		}
		mark := len(s.bufs)
		s.nested(a, f, node, direct)
		a.pf.release(f)
		s.giveBack(mark) // nothing refers to f's bytes any more

	}
}

// nested reads the nested archive f of parent and records it below node.
func (s *scan) nested(parent *archive, f *zip.File, node string, direct bool) {
	a := parent.child(f.Name)
	if extension(a.base) == "rar" && !isZip(f) {
		return // a RAR file, not a resource adapter
	}
	key, keyed := s.lookup(parent, f, a)
	if keyed {
		if l := s.cache.get(key); l != nil && s.reuse(l, int64(f.UncompressedSize64)) {
			s.record(a, contents{}, l.own, l.shaded, l.sum, "", node, direct)
			return
		}
	}
	nprob, opened, spent := s.nprob, s.opened, s.spentSoFar()
	var c contents
	notRead, sum := s.open(parent, f, a)
	if notRead == "" {
		zr, err := s.openZip(a.ra, a.size)
		switch {
		case errors.Is(err, errDirectoryTooLarge):
			s.problem("%s: %w", a.inner, err)
			notRead = notReadTooLarge
		case err != nil:
			s.problem("%s: %w", a.inner, err)
			notRead = notReadInvalid
		default:
			c = s.inspect(zr, a)
		}
	}
	own, shaded := identify(c, a.base)
	if keyed && notRead == "" && len(c.nested) == 0 && s.nprob == nprob && s.ctx.Err() == nil {
		s.cache.put(key, &leaf{sum: sum, own: own, shaded: shaded, opened: s.opened - opened,
			spent: s.spentSoFar() - spent - int64(f.UncompressedSize64)})
	}
	s.record(a, c, own, shaded, sum, notRead, node, direct)
}

// lookup returns the cache key of the nested archive f of parent, when it
// may be remembered: a jar within the depth limit, lying inside parent.
func (s *scan) lookup(parent *archive, f *zip.File, a *archive) (leafKey, bool) {
	// Only jars: WARs, EARs and their kin hold archives, so are never
	// remembered, and hashing them would be wasted.
	if s.cache == nil || a.depth > s.lim.maxDepth || extension(a.base) != "jar" ||
		(f.Method != zip.Store && f.Method != zip.Deflate) {
		return leafKey{}, false
	}
	size := int64(f.CompressedSize64)
	off, err := f.DataOffset()
	if err != nil || size < 0 || off < 0 || off > parent.size-size {
		return leafKey{}, false
	}
	return s.leafKeyOf(parent, f, off, size)
}

// record adds the nested archive a, holding c and identified as own (nil when nothing
// names it) with the artifacts shaded into it, below node.
func (s *scan) record(a *archive, c contents, own *ident, shaded []pom, sum, notRead, node string, direct bool) {
	if own != nil {
		comp := own.component(a.loc, direct)
		if sum != "" {
			comp.Hashes = []inventory.Hash{{Algorithm: "SHA-1", Value: sum}}
		}
		if notRead != "" {
			comp.Properties[propNotRead] = notRead
		}
		s.g.Add(comp)
		s.g.AddEdge(node, comp.PURL)
		node, direct = comp.PURL, false
	}
	if notRead == "" {
		s.add(a, c, shaded, node, direct)
	}
}

// isZip reports whether the entry f starts as a zip archive does.
func isZip(f *zip.File) bool {
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(rc, head)
	return bytes.Equal(head[:n], []byte("PK\x03\x04")) || bytes.Equal(head[:n], []byte("PK\x05\x06"))
}

// open makes the nested archive a readable (a.ra, a.size) from its entry f
// in parent, within the limits. It returns why it was not read ("" when
// it was) and the archive's SHA-1 when it was.
func (s *scan) open(parent *archive, f *zip.File, a *archive) (notRead, sum string) {
	if a.depth > s.lim.maxDepth {
		s.problem("%s: archive nested more than %d levels deep: not read", a.inner, s.lim.maxDepth)
		return notReadTooDeep, ""
	}
	s.mu.Lock()
	archives := s.archives
	s.mu.Unlock()
	if archives >= s.lim.maxArchives {
		s.problem("%s: more than %d nested archives: not read", a.inner, s.lim.maxArchives)
		return notReadBudget, ""
	}
	// Checked before anything is allocated: what an entry claims to
	// hold must fit in its parent.
	size := int64(f.CompressedSize64)
	off, err := f.DataOffset()
	if err != nil || size < 0 || off < 0 || off > parent.size-size {
		s.problem("%s: entry runs past the end of its parent archive: not read", a.inner)
		return notReadInvalid, ""
	}
	if f.Method == zip.Store {
		if f.CompressedSize64 != f.UncompressedSize64 {
			s.problem("%s: stored entry whose recorded sizes differ: not read", a.inner)
			return notReadInvalid, ""
		}
		if !s.spend(a.inner, size) {
			return notReadBudget, ""
		}
		a.ra, a.size = io.NewSectionReader(parent.ra, off, size), size
		sum, err := s.digest(a.ra, a.size)
		if err != nil {
			s.problem("%s: read: %w", a.inner, err)
			return notReadInvalid, ""
		}
		s.countArchive()
		return "", sum
	}
	u := f.UncompressedSize64
	if u > uint64(s.lim.maxNested) {
		s.problem("%s: nested archive of %d bytes over the %d-byte limit: not read", a.inner, u, s.lim.maxNested)
		return notReadTooLarge, ""
	}
	if bomb(f) {
		s.problem("%s: compression ratio over %d:1: not read", a.inner, maxRatio)
		return notReadRatio, ""
	}
	size = int64(u)
	if !s.spend(a.inner, size) {
		return notReadBudget, ""
	}
	data, sum, err := parent.pf.inflate(f, size)
	if err != nil {
		s.problem("%s: %w", a.inner, err)
		return notReadInvalid, ""
	}
	s.countArchive()
	s.held(data)
	a.ra, a.size = bytes.NewReader(data), size
	return "", sum
}

func (s *scan) countArchive() {
	s.mu.Lock()
	s.archives++
	s.mu.Unlock()
}

// spend charges n bytes read at where to the per-file budget, reporting
// false (and the problem) when it is spent.
func (s *scan) spend(where string, n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total+n > s.lim.maxTotal {
		s.problem("%s: over the %d-byte read limit for nested archives: not read", where, s.lim.maxTotal)
		return false
	}
	s.total += n
	return true
}

// bomb reports whether f compresses implausibly well.
func bomb(f *zip.File) bool {
	return f.UncompressedSize64 > ratioFloor && f.UncompressedSize64/max(f.CompressedSize64, 1) > maxRatio
}

// errDirectoryTooLarge is returned by openZip for a central directory
// over the limit, which archive/zip would hold in memory whole.
var errDirectoryTooLarge = errors.New("central directory too large")

// directoryBudget is a ReaderAt that fails once more than left bytes have
// been read while on, so archive/zip parses at most that much directory.
type directoryBudget struct {
	r    io.ReaderAt
	left int64
	on   bool
}

// ReadAt implements io.ReaderAt.
func (d *directoryBudget) ReadAt(p []byte, off int64) (int, error) {
	if d.on {
		if int64(len(p)) > d.left {
			return 0, errDirectoryTooLarge
		}
		d.left -= int64(len(p))
	}
	return d.r.ReadAt(p, off)
}

// openZip reads an archive's central directory, within the directory
// limit (plus what archive/zip reads looking for the directory's end).
func (s *scan) openZip(ra io.ReaderAt, size int64) (*zip.Reader, error) {
	d := &directoryBudget{r: ra, left: s.lim.maxDirectory + 80<<10, on: true}
	zr, err := zip.NewReader(d, size)
	d.on = false
	if zr != nil {
		zr.RegisterDecompressor(zip.Deflate, newFlateReader)
	}
	switch {
	case err == nil:
	case errors.Is(err, zip.ErrInsecurePath) && zr != nil:
		err = nil // names are only text here; nothing is extracted
	case errors.Is(err, errDirectoryTooLarge):
		err = fmt.Errorf("%w: over %d bytes: not read", err, s.lim.maxDirectory)
	default:
		err = fmt.Errorf("not a zip archive: %w", err)
	}
	return zr, err
}

// inspect lists what archive a holds and reads its descriptors.
func (s *scan) inspect(zr *zip.Reader, a *archive) contents {
	var (
		c        = contents{files: zr.File}
		mf       *zip.File
		pomFiles []*zip.File
	)
	for i, f := range zr.File {
		if i%256 == 0 && s.ctx.Err() != nil {
			return contents{}
		}
		switch {
		case strings.EqualFold(f.Name, "META-INF/MANIFEST.MF"):
			if mf == nil {
				mf = f
			}
		case isPomProperties(f.Name):
			if len(pomFiles) == maxPoms {
				s.problem("%s: more than %d pom.properties: the rest not read", a.where("META-INF/maven"), maxPoms)
			}
			if len(pomFiles) < maxPoms {
				pomFiles = append(pomFiles, f)
			}
		case nestedArchive(f.Name):
			c.nested = append(c.nested, f)
		}
	}
	if mf != nil {
		c.manifest = s.readManifest(mf, a)
	}
	for _, f := range pomFiles {
		if p, ok := s.readPom(f, a); ok {
			c.poms = append(c.poms, p)
		}
	}
	return c
}

// isPomProperties reports whether name is META-INF/maven/<g>/<a>/pom.properties.
func isPomProperties(name string) bool {
	const prefix, suffix = "META-INF/maven/", "/pom.properties"
	if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || len(name) < len(prefix)+len(suffix) {
		return false
	}
	g, art, ok := strings.Cut(name[len(prefix):len(name)-len(suffix)], "/")
	return ok && g != "" && art != "" && !strings.Contains(art, "/")
}

// openSmall opens a descriptor entry within the per-file limits.
func (s *scan) openSmall(f *zip.File, a *archive, max int64) (io.ReadCloser, bool) {
	if s.opened >= s.lim.maxOpened {
		if s.opened == s.lim.maxOpened {
			s.problem("%s: more than %d entries opened: the rest not read", a.where(f.Name), s.lim.maxOpened)
		}
		s.opened++
		return nil, false
	}
	s.opened++
	if bomb(f) {
		s.problem("%s: compression ratio over %d:1: not read", a.where(f.Name), maxRatio)
		return nil, false
	}
	if !s.spend(a.where(f.Name), int64(min(f.UncompressedSize64, uint64(max)))) {
		return nil, false
	}
	rc, err := f.Open()
	if err != nil {
		s.problem("%s: open: %w", a.where(f.Name), err)
		return nil, false
	}
	return rc, true
}

// readManifest reads the main section of a's MANIFEST.MF.
func (s *scan) readManifest(f *zip.File, a *archive) manifest {
	rc, ok := s.openSmall(f, a, maxManifest)
	if !ok {
		return nil
	}
	defer rc.Close()
	m, err := parseManifest(rc, maxManifest)
	var me *manifestError
	switch {
	case errors.As(err, &me):
		s.problem("%s:%d: %s", a.where(f.Name), me.line, me.msg)
	case err != nil:
		s.problem("%s: %w", a.where(f.Name), err)
		return nil
	}
	return m
}

// readPom reads one pom.properties of a.
func (s *scan) readPom(f *zip.File, a *archive) (pom, bool) {
	rc, ok := s.openSmall(f, a, maxPomProperties)
	if !ok {
		return pom{}, false
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPomProperties+1))
	if err != nil {
		s.problem("%s: %w", a.where(f.Name), err)
		return pom{}, false
	}
	if len(data) > maxPomProperties {
		s.problem("%s: longer than %d bytes", a.where(f.Name), maxPomProperties)
		return pom{}, false
	}
	props := parseProperties(data)
	// The path names the group and artifact too; the file wins where
	// it says.
	dir := strings.TrimSuffix(strings.TrimPrefix(f.Name, "META-INF/maven/"), "/pom.properties")
	g, art, _ := strings.Cut(dir, "/")
	p := pom{path: f.Name, ident: ident{group: g, artifact: art, version: props["version"], by: byPom}}
	if v := props["groupId"]; v != "" {
		p.group = v
	}
	if v := props["artifactId"]; v != "" {
		p.artifact = v
	}
	if !isArtifactID(p.group) || !isArtifactID(p.artifact) || !isVersion(p.version) {
		s.problem("%s: no valid groupId, artifactId and version", a.where(f.Name))
		return pom{}, false
	}
	return p, true
}

// identify returns the archive's own artifact (nil when nothing names it)
// and the artifacts shaded into it, by the rules of the package comment.
func identify(c contents, base string) (*ident, []pom) {
	if i := ownPom(c.poms, base, c.manifest); i >= 0 {
		own := c.poms[i].ident
		shaded := make([]pom, 0, len(c.poms)-1)
		shaded = append(shaded, c.poms[:i]...)
		return &own, append(shaded, c.poms[i+1:]...)
	}
	fname, fversion := parseFilename(base)
	id := ident{by: byManifest}
	switch {
	case c.manifest.name() != "":
		id.artifact, id.version = c.manifest.name(), first(c.manifest.version(), fversion)
	case fname != "":
		id.by, id.artifact, id.version = byFilename, fname, first(fversion, c.manifest.version())
	case c.manifest.symbolicName() != "":
		id.artifact, id.version = c.manifest.symbolicName(), c.manifest.version()
	default:
		return nil, c.poms
	}
	id.group, id.groupFrom = c.group(id.artifact)
	id.groupGuessed = id.groupFrom == groupFromArtifact
	return &id, c.poms
}

// group returns the groupId of an archive that no pom.properties names,
// and where it came from, by the order of the package comment.
func (c contents) group(artifact string) (group, from string) {
	if g := knownGroup(artifact); g != "" {
		return g, groupFromKnown
	}
	if v := c.manifest.vendorID(); v != "" && c.backs(v, artifact) {
		return v, groupFromVendorID
	}
	return artifact, groupFromArtifact
}

// umbrellaVendorIDs are Implementation-Vendor-Ids that parent POMs write
// for every project of an organisation, whatever its groupId.
var umbrellaVendorIDs = map[string]bool{"org.apache": true, "com.sun": true, "org.glassfish": true}

// backs reports whether the archive supports the Implementation-Vendor-Id
// v as the groupId of artifact; see the package comment.
func (c contents) backs(v, artifact string) bool {
	if v == artifact {
		return true
	}
	if !strings.Contains(v, ".") || umbrellaVendorIDs[v] {
		return false
	}
	for _, k := range []string{"bundle-symbolicname", "automatic-module-name", "extension-name"} {
		name, _, _ := strings.Cut(c.manifest[k], ";")
		if name = strings.TrimSpace(name); name == v || strings.HasPrefix(name, v+".") {
			return true
		}
	}
	dir := strings.ReplaceAll(v, ".", "/") + "/"
	for _, f := range c.files {
		if !strings.HasSuffix(f.Name, ".class") {
			continue
		}
		name := f.Name
		for _, root := range []string{"WEB-INF/classes/", "BOOT-INF/classes/"} {
			name = strings.TrimPrefix(name, root)
		}
		if strings.HasPrefix(name, dir) {
			return true
		}
	}
	return false
}

// knownGroups maps artifactIds to their groupId, for artifacts whose
// published jars carry no pom.properties (Gradle and Ant builds) and whose
// manifests do not name the group. Each is the only artifact of that name
// in Maven Central's current coordinates; Debian's /usr/share/maven-repo
// records the same for those it ships.
var knownGroups = map[string]string{
	// Debian builds guice without pom.properties; its manifest names
	// com.google.inject only as a Bundle-SymbolicName.
	"guice": "com.google.inject",
	// Xerces-J's Ant build: Bundle-SymbolicName org.apache.xerces.
	"xercesImpl": "xerces", "xmlParserAPIs": "xerces",
	// XZ for Java's Ant build.
	"xz": "org.tukaani",
	// Kotlin's Gradle build.
	"kotlin-stdlib": "org.jetbrains.kotlin", "kotlin-stdlib-common": "org.jetbrains.kotlin",
	"kotlin-stdlib-jdk7": "org.jetbrains.kotlin", "kotlin-stdlib-jdk8": "org.jetbrains.kotlin",
	"kotlin-reflect": "org.jetbrains.kotlin",
	// MongoDB's Gradle build.
	"bson": "org.mongodb", "mongo-java-driver": "org.mongodb", "mongodb-driver": "org.mongodb",
	"mongodb-driver-async": "org.mongodb", "mongodb-driver-core": "org.mongodb",
	"mongodb-driver-legacy": "org.mongodb", "mongodb-driver-reactivestreams": "org.mongodb",
	"mongodb-driver-sync": "org.mongodb",
	// Spring Framework's Gradle build (Spring Boot's jars carry
	// pom.properties).
	"spring-aop": "org.springframework", "spring-aspects": "org.springframework",
	"spring-beans": "org.springframework", "spring-context": "org.springframework",
	"spring-context-indexer": "org.springframework", "spring-context-support": "org.springframework",
	"spring-core": "org.springframework", "spring-expression": "org.springframework",
	"spring-instrument": "org.springframework", "spring-jcl": "org.springframework",
	"spring-jdbc": "org.springframework", "spring-jms": "org.springframework",
	"spring-messaging": "org.springframework", "spring-orm": "org.springframework",
	"spring-oxm": "org.springframework", "spring-r2dbc": "org.springframework",
	"spring-test": "org.springframework", "spring-tx": "org.springframework",
	"spring-web": "org.springframework", "spring-webflux": "org.springframework",
	"spring-webmvc": "org.springframework", "spring-websocket": "org.springframework",
	// Tomcat's Ant build.
	"tomcat-annotations-api": "org.apache.tomcat", "tomcat-api": "org.apache.tomcat",
	"tomcat-catalina": "org.apache.tomcat", "tomcat-catalina-ant": "org.apache.tomcat",
	"tomcat-catalina-ha": "org.apache.tomcat", "tomcat-coyote": "org.apache.tomcat",
	"tomcat-dbcp": "org.apache.tomcat", "tomcat-el-api": "org.apache.tomcat",
	"tomcat-jasper": "org.apache.tomcat", "tomcat-jasper-el": "org.apache.tomcat",
	"tomcat-jaspic-api": "org.apache.tomcat", "tomcat-jdbc": "org.apache.tomcat",
	"tomcat-jni": "org.apache.tomcat", "tomcat-jsp-api": "org.apache.tomcat",
	"tomcat-juli": "org.apache.tomcat", "tomcat-servlet-api": "org.apache.tomcat",
	"tomcat-ssi": "org.apache.tomcat", "tomcat-storeconfig": "org.apache.tomcat",
	"tomcat-tribes": "org.apache.tomcat", "tomcat-util": "org.apache.tomcat",
	"tomcat-util-scan": "org.apache.tomcat", "tomcat-websocket": "org.apache.tomcat",
	"tomcat-websocket-api": "org.apache.tomcat", "tomcat-websocket-client-api": "org.apache.tomcat",
	"tomcat-embed-core": "org.apache.tomcat.embed", "tomcat-embed-el": "org.apache.tomcat.embed",
	"tomcat-embed-jasper": "org.apache.tomcat.embed", "tomcat-embed-websocket": "org.apache.tomcat.embed",
}

// bouncyCastle are the prefixes of Bouncy Castle's artifactIds
// (bcprov-jdk18on, bcpkix-jdk15on, bcprov-ext-jdk15to18, ...), which its
// Gradle and Ant builds publish without pom.properties.
var bouncyCastle = []string{"bcprov-", "bcpkix-", "bcutil-", "bctls-", "bcpg-", "bcmail-", "bcjmail-"}

// knownGroup returns the groupId the tables above give artifact, or "".
func knownGroup(artifact string) string {
	if g := knownGroups[artifact]; g != "" {
		return g
	}
	for _, p := range bouncyCastle {
		if strings.HasPrefix(artifact, p) {
			return "org.bouncycastle"
		}
	}
	return ""
}

// ownPom returns the index of the pom.properties describing the archive
// itself, or -1: the one the file name starts with, else the one the
// manifest names, else the only one, unless the manifest names another
// artifact (Debian's guice.jar holds only the pom.properties of the cglib
// shaded into it, and a manifest naming guice).
func ownPom(poms []pom, base string, m manifest) int {
	stem := strings.ToLower(stem(base))
	best, bestScore := -1, 0
	for i, p := range poms {
		art := strings.ToLower(p.artifact)
		score := 0
		switch {
		case stem == art+"-"+strings.ToLower(p.version):
			score = 3 << 16
		case strings.HasPrefix(stem, art+"-"+strings.ToLower(p.version)+"-"):
			score = 2 << 16 // a classifier: wagon-http-3.5.3-shaded
		case stem == art || strings.HasPrefix(stem, art+"-"):
			score = 1 << 16
		default:
			continue
		}
		score += len(art) // the longest artifactId: foo-core before foo
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best >= 0 {
		return best
	}
	if name := m.name(); name != "" {
		for i, p := range poms {
			if p.artifact == name {
				return i
			}
		}
		return -1
	}
	if len(poms) == 1 {
		return 0
	}
	return -1
}

// parseFilename cuts a file name as Maven writes it,
// "artifactId-version[-classifier].ext", at the first "-" followed by a
// digit. The name is "" when it is not shaped like an artifactId.
func parseFilename(base string) (name, version string) {
	stem := stem(base)
	name = stem
	for i := 0; i+1 < len(stem); i++ {
		if stem[i] == '-' && stem[i+1] >= '0' && stem[i+1] <= '9' {
			name, version = stem[:i], stem[i+1:]
			break
		}
	}
	if !isArtifactID(name) {
		return "", ""
	}
	if !isVersion(version) {
		version = ""
	}
	return name, version
}

// isArtifactID reports whether s is shaped like a Maven groupId or
// artifactId: letters, digits, "-", "_" and ".", starting with a letter
// or digit.
func isArtifactID(s string) bool {
	if s == "" || len(s) > maxField {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '-' || c == '_' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

// isVersion reports whether s can be a version: printable, without
// spaces, and not an unresolved Maven property ("${project.version}").
func isVersion(s string) bool {
	if s == "" || len(s) > maxField || strings.Contains(s, "${") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// first returns the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// bufPool holds the buffers of the SHA-1 passes, which run for every
// archive of a tree.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

// digest returns the hex SHA-1 of the size bytes of ra, read in one
// streaming pass that stops when the scan is cancelled.
func (s *scan) digest(ra io.ReaderAt, size int64) (string, error) {
	h := sha1.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for off := int64(0); off < size; {
		if err := s.ctx.Err(); err != nil {
			return "", err
		}
		n := int(min(int64(len(buf)), size-off))
		m, err := ra.ReadAt(buf[:n], off)
		h.Write(buf[:m])
		off += int64(m)
		if m < n {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("at byte %d: %w", off, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// manifest holds the attributes of a MANIFEST.MF main section that
// identify an artifact, keyed by lower-case name (attribute names are
// case-insensitive).
type manifest map[string]string

// manifestKeys are the attributes kept.
var manifestKeys = map[string]bool{
	"implementation-title": true, "implementation-version": true,
	"specification-title": true, "specification-version": true,
	"bundle-name": true, "bundle-symbolicname": true, "bundle-version": true,
	"implementation-vendor-id": true, "automatic-module-name": true, "extension-name": true,
}

// name returns the artifactId the manifest states, or "".
func (m manifest) name() string {
	for _, k := range []string{"implementation-title", "specification-title", "bundle-name"} {
		if v := m[k]; isArtifactID(v) {
			return v
		}
	}
	return ""
}

// version returns the version the manifest states, or "".
func (m manifest) version() string {
	for _, k := range []string{"implementation-version", "bundle-version", "specification-version"} {
		if v := m[k]; isVersion(v) {
			return v
		}
	}
	return ""
}

// vendorID returns Implementation-Vendor-Id when it is shaped like a
// groupId, or "".
func (m manifest) vendorID() string {
	if v := m["implementation-vendor-id"]; isArtifactID(v) {
		return v
	}
	return ""
}

// symbolicName returns Bundle-SymbolicName without its directives
// ("org.foo;singleton:=true"), or "".
func (m manifest) symbolicName() string {
	v, _, _ := strings.Cut(m["bundle-symbolicname"], ";")
	if v = strings.TrimSpace(v); isArtifactID(v) {
		return v
	}
	return ""
}

// manifestError is a malformed line of a manifest, which is skipped.
type manifestError struct {
	line int
	msg  string
}

func (e *manifestError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// errManifestTooLong is returned for a main section over the limit.
var errManifestTooLong = errors.New("manifest main section too long")

// parseManifest reads the main section of a manifest (up to its first
// blank line) from r, reading at most max bytes. Lines end with CR LF, LF
// or CR; a line starting with one space continues the previous
// attribute's value, as writers do to keep lines within 72 bytes. A
// malformed line is skipped and the first is returned as a
// *manifestError with the attributes; other errors come with none.
func parseManifest(r io.Reader, max int) (manifest, error) {
	br := bufio.NewReaderSize(r, 16<<10)
	m := manifest{}
	var (
		line    []byte
		lineNo  int
		read    int
		key     string // attribute being read, "" when none
		keep    bool   // whether key is kept
		val     []byte
		problem *manifestError
		seen    bool // an attribute has been read
	)
	flush := func() {
		if key != "" && keep {
			m[key] = strings.TrimSpace(string(val))
		}
		key, keep, val = "", false, val[:0]
	}
	// handle takes one line and reports whether the main section ended.
	handle := func() bool {
		lineNo++
		l := line
		line = line[:0]
		if len(l) == 0 {
			return seen // blank lines before any attribute are skipped
		}
		if l[0] == ' ' {
			if key == "" {
				if problem == nil {
					problem = &manifestError{line: lineNo, msg: "continuation line without an attribute"}
				}
				return false
			}
			if keep {
				val = append(val, l[1:]...)
			}
			return false
		}
		flush()
		i := bytes.IndexByte(l, ':')
		if i <= 0 || !isAttributeName(l[:i]) {
			if problem == nil {
				problem = &manifestError{line: lineNo, msg: "line is not an attribute"}
			}
			return false
		}
		seen = true
		key = strings.ToLower(string(l[:i]))
		keep = manifestKeys[key]
		if keep {
			v := l[i+1:]
			if len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			val = append(val, v...)
		}
		return false
	}
	pendingCR := false // a chunk ended with CR: a LF opening the next is the same line end
	// feed takes bytes read and reports whether the main section ended.
	feed := func(b []byte) bool {
		for len(b) > 0 {
			if pendingCR {
				pendingCR = false
				if b[0] == '\n' {
					b = b[1:]
					continue
				}
			}
			i := bytes.IndexAny(b, "\r\n")
			if i < 0 {
				line = append(line, b...)
				return false
			}
			line = append(line, b[:i]...)
			pendingCR = b[i] == '\r'
			b = b[i+1:]
			if handle() {
				return true
			}
		}
		return false
	}
	for {
		chunk, err := br.ReadSlice('\n')
		if read += len(chunk); read > max {
			return nil, fmt.Errorf("%w: over %d bytes", errManifestTooLong, max)
		}
		if feed(chunk) {
			break
		}
		if err == io.EOF {
			if len(line) > 0 {
				handle()
			}
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return nil, err
		}
	}
	flush()
	if problem != nil {
		return m, problem
	}
	return m, nil
}

// isAttributeName reports whether b is a manifest attribute name:
// letters, digits, "-" and "_".
func isAttributeName(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// parseProperties reads the groupId, artifactId and version of a
// pom.properties, a Java properties file: "#" and "!" comments, "=", ":"
// or white space between key and value, a trailing backslash continuing a
// line, and backslash escapes (\t, \n, \uXXXX, ...).
func parseProperties(data []byte) map[string]string {
	out := map[string]string{}
	var logical []byte
	continuing := false
	for len(data) > 0 {
		var l []byte
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			l, data = data, nil
		} else {
			l = data[:i]
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			data = data[i+1:]
		}
		l = bytes.TrimLeft(l, " \t\f")
		if !continuing && (len(l) == 0 || l[0] == '#' || l[0] == '!') {
			continue
		}
		// An odd number of trailing backslashes continues the line.
		n := 0
		for n < len(l) && l[len(l)-1-n] == '\\' {
			n++
		}
		continuing = n%2 == 1
		if continuing {
			l = l[:len(l)-1]
		}
		logical = append(logical, l...)
		if continuing {
			continue
		}
		propertyLine(logical, out)
		logical = logical[:0]
	}
	if len(logical) > 0 {
		propertyLine(logical, out)
	}
	return out
}

// propertyKeys are the pom.properties keys kept.
var propertyKeys = map[string]bool{"groupId": true, "artifactId": true, "version": true}

// propertyLine splits one logical properties line into out.
func propertyLine(l []byte, out map[string]string) {
	end := len(l)
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' {
			i++
			continue
		}
		if l[i] == '=' || l[i] == ':' || l[i] == ' ' || l[i] == '\t' || l[i] == '\f' {
			end = i
			break
		}
	}
	key := unescape(l[:end])
	if !propertyKeys[key] {
		return
	}
	rest := bytes.TrimLeft(l[end:], " \t\f")
	if len(rest) > 0 && (rest[0] == '=' || rest[0] == ':') {
		rest = bytes.TrimLeft(rest[1:], " \t\f")
	}
	out[key] = strings.TrimSpace(unescape(rest))
}

// unescape resolves a properties file's backslash escapes; a malformed
// \u escape is kept as written.
func unescape(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch b[i] {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			var r rune
			ok := i+4 < len(b)
			for j := 1; ok && j <= 4; j++ {
				d := hexDigit(b[i+j])
				ok = d >= 0
				r = r<<4 | rune(d)
			}
			if !ok {
				sb.WriteString(`\u`)
				continue
			}
			sb.WriteRune(r)
			i += 4
		default:
			sb.WriteByte(b[i])
		}
	}
	return sb.String()
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

var _ extract.Extractor = (*Extractor)(nil)
