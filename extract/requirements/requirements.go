// Package requirements reads pip requirements files.
//
// It claims, by the file's base name compared without regard to case,
// requirements*.txt, *requirements.txt (dev-requirements.txt),
// constraints*.txt, and any *.txt directly inside a directory named
// "requirements" (requirements/base.txt).
//
// Each file is a root of its own. Every requirement line becomes a direct
// component: a pin ("==1.2.3", "===1.2.3") gives the version; any other
// specifier, or none, makes the component unpinned, with the specifier kept.
// Direct references ("name @ https://…", "git+https://…@v1.2#egg=name",
// local paths, "-e") set Source; their version comes from a git ref that is
// a release tag, or from a wheel or sdist file name, and is otherwise
// empty and unpinned (a git commit is a pin without a version). The scope
// is dev when the name of the file the line is in, or of a file that
// included it, has a word dev, devel, develop, development, test, tests or
// testing (requirements-dev.txt, requirements/test.txt, test_requirements.txt),
// runtime otherwise.
//
// "-r"/"--requirement" files are read as if their lines were in the
// including file; "-c"/"--constraint" files only pin the versions of
// requirements named elsewhere. Both are read through the scanned tree,
// relative to the including file, at most 10 deep and 64 files in all;
// a path that leaves the tree, a URL, a cycle or a file that cannot be
// read is reported at the including line and the rest is still read. A
// constraints*.txt file scanned on its own is read like a requirements
// file, since that is how it is used with "pip install -r".
//
// pip-compile's "# via" annotations become edges from the named packages
// to the requirement they annotate, so paths through the graph survive.
//
// Read errors never stop the file: the graph of every line that could be
// read is returned together with an *extract.Error for the first bad line
// (and a count of the others).
//
// Component properties:
//   - declared_name: the name as written, when it differs from the PEP 503
//     form.
//   - specifier: the version specifier of an unpinned requirement.
//   - extras: the requested extras, comma-separated.
//   - marker: the environment marker after ";".
//   - editable: "true" for "-e" lines.
//   - constraint: the specifier a constraints file gave the requirement.
//
// Root properties: index_url, extra_index_urls and find_links (credentials
// removed, several separated by spaces), no_index and require_hashes
// ("true" when given), includes and constraints (the files read through
// "-r" and "-c", space-separated).
package requirements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/pyproject"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

// Limits on what one requirements file may pull in through includes.
const (
	maxDepth = 10
	maxFiles = 64
)

// Extractor reads pip requirements files.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "requirements" }

// Claims implements extract.Extractor.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	base := strings.ToLower(extract.Base(path))
	if !strings.HasSuffix(base, ".txt") {
		return false
	}
	return strings.HasPrefix(base, "requirements") ||
		strings.HasSuffix(base, "requirements.txt") ||
		strings.HasPrefix(base, "constraints") ||
		strings.EqualFold(extract.Base(extract.Dir(path)), "requirements")
}

// requirement is one requirement line as read.
type requirement struct {
	name     string
	version  string
	unpinned bool
	spec     string
	extras   []string
	marker   string
	source   string
	editable bool
	hashes   []inventory.Hash
	path     string
	line     int
	dev      bool
}

// constraint is one pin or range from a "-c" file.
type constraint struct {
	spec, version string
}

// reader holds the state of reading one root file and its includes.
type reader struct {
	ctx   context.Context
	fsys  fs.FS
	probs extract.Problems
	reqs  []requirement
	cons  map[string]constraint
	via   map[int][]string // requirement index → names of packages that need it
	// viaTarget is the requirement that "# via" comments annotate, -1
	// when there is none; inVia is set inside a multi-line "# via" block.
	viaTarget int
	inVia     bool
	stack     []string
	seen      map[string]bool
	files     int
	budget    int64
	props     map[string]string
	// lists hold the multi-valued root properties, in order, joined
	// when the graph is built; listed the values already in them.
	lists  map[string][]string
	listed map[string]map[string]bool
}

// Extract implements extract.Extractor.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	if in.Info != nil && in.Info.Size() > extract.DefaultMaxFileSize {
		return nil, &extract.Error{Path: in.Path, Err: fmt.Errorf("%w: %d bytes, limit %d", extract.ErrTooLarge, in.Info.Size(), int64(extract.DefaultMaxFileSize))}
	}
	r := &reader{
		ctx:    ctx,
		fsys:   in.Root,
		cons:   map[string]constraint{},
		via:    map[int][]string{},
		seen:   map[string]bool{},
		budget: extract.DefaultMaxFileSize,
		props:  map[string]string{},
		lists:  map[string][]string{},
		listed: map[string]map[string]bool{},

		viaTarget: -1,
	}
	if err := r.read(in.Path, in.Reader, false, false); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// A line too long or a read failure stops the file; what was
		// read before it still stands.
		r.probs.AddErr(in.Path, err)
	}
	return r.graph(in.Path), r.probs.Err()
}

// read reads one file. constraints says it was named by "-c"; dev that a
// file on the include chain has a dev name. A failure to read the file
// (or a cancelled context) is returned; problems with its lines are
// recorded in r.probs.
func (r *reader) read(path string, src io.Reader, constraints, dev bool) error {
	r.stack = append(r.stack, path)
	defer func() { r.stack = r.stack[:len(r.stack)-1] }()
	r.files++
	r.viaTarget = -1
	dev = dev || devName(path)

	var pending strings.Builder
	pendingLine := 0
	skipping := false // inside a continued line that grew too long
	err := extract.Lines(path, &budgetReader{r: src, left: &r.budget}, func(n int, line string) error {
		if n%4096 == 0 {
			if err := r.ctx.Err(); err != nil {
				return &extract.Error{Path: path, Err: err}
			}
		}
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		comment := isComment(line)
		continued := strings.HasSuffix(line, `\`) && !comment
		if skipping {
			skipping = continued
			return nil
		}
		if continued {
			if pending.Len() == 0 {
				pendingLine = n
			}
			if pending.Len()+len(line) > extract.MaxLineLength {
				r.probs.Add(extract.Errorf(path, pendingLine, "continued line longer than %d bytes", extract.MaxLineLength))
				pending.Reset()
				skipping = true
				return nil
			}
			pending.WriteString(strings.TrimSuffix(line, `\`))
			return nil
		}
		if pending.Len() > 0 {
			// A comment line ends a continuation, as in pip.
			if !comment {
				pending.WriteString(line)
			}
			logical := pending.String()
			pending.Reset()
			r.line(path, pendingLine, logical, constraints, dev)
			return nil
		}
		if comment {
			r.annotation(line)
			return nil
		}
		r.line(path, n, line, constraints, dev)
		return nil
	})
	if pending.Len() > 0 {
		r.line(path, pendingLine, pending.String(), constraints, dev)
	}
	return err
}

// budgetReader fails with ErrTooLarge once the bytes read through every
// file of one root pass the shared budget.
type budgetReader struct {
	r    io.Reader
	left *int64
}

// Read implements io.Reader.
func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.left <= 0 {
		return 0, fmt.Errorf("%w: requirements and their includes pass %d bytes", extract.ErrTooLarge, int64(extract.DefaultMaxFileSize))
	}
	if int64(len(p)) > *b.left {
		p = p[:*b.left]
	}
	n, err := b.r.Read(p)
	*b.left -= int64(n)
	return n, err
}

func isComment(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), "#")
}

// stripComment removes a "#" comment that starts the line or follows
// whitespace; a "#" inside a URL ("…#egg=name") stays.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// line handles one logical line.
func (r *reader) line(path string, n int, text string, constraints, dev bool) {
	r.endAnnotation()
	text = strings.TrimSpace(stripComment(text))
	if text == "" {
		return
	}
	if text[0] == '-' {
		r.option(path, n, text, constraints, dev)
		return
	}
	req, opts := splitOptions(text)
	q, err := parseRequirement(req, extract.Dir(path))
	if err != nil {
		r.probs.Add(extract.Errorf(path, n, "%v", err))
		return
	}
	q.path, q.line, q.dev = path, n, dev
	for i := 0; i < len(opts); i++ {
		name, value, hasValue := strings.Cut(opts[i], "=")
		switch name {
		case "--hash":
			if !hasValue && i+1 < len(opts) {
				i++
				value = opts[i]
			}
			h, ok := pyproject.ParseHash(value)
			if !ok {
				r.probs.Add(extract.Errorf(path, n, "unreadable hash %q", pyproject.Clip(value)))
				continue
			}
			q.hashes = append(q.hashes, h)
		case "--config-settings", "--global-option", "--install-option", "-C":
			if !hasValue {
				i++
			}
		default:
			r.probs.Add(extract.Errorf(path, n, "unknown option %q after a requirement", pyproject.Clip(name)))
		}
	}
	if constraints {
		r.viaTarget = -1
		if q.name != "" && q.source == "" {
			r.cons[purl.NormalizePyPI(q.name)] = constraint{spec: q.spec, version: q.version}
		}
		return
	}
	if q.name == "" {
		// A local project with no name to give it ("-e ." and the like).
		return
	}
	r.reqs = append(r.reqs, q)
	r.lastReq(len(r.reqs) - 1)
}

// splitOptions separates a requirement from the per-requirement options
// after it, as pip does: at the first space-separated token starting "-".
func splitOptions(text string) (string, []string) {
	tokens := strings.Fields(text)
	for i, t := range tokens {
		if strings.HasPrefix(t, "-") {
			// Keep the requirement's own spacing for the parser.
			idx := indexToken(text, tokens[:i])
			return strings.TrimSpace(text[:idx]), tokens[i:]
		}
	}
	return text, nil
}

// indexToken returns the offset in text just past the given leading
// tokens.
func indexToken(text string, tokens []string) int {
	off := 0
	for _, t := range tokens {
		i := strings.Index(text[off:], t)
		if i < 0 {
			return len(text)
		}
		off += i + len(t)
	}
	return off
}

// option handles a line that starts with "-".
func (r *reader) option(path string, n int, text string, constraints, dev bool) {
	r.viaTarget = -1
	name, value := text, ""
	if i := strings.IndexAny(text, " \t="); i >= 0 {
		name, value = text[:i], strings.TrimSpace(text[i+1:])
	} else if len(text) > 2 && text[1] != '-' {
		// Short options take their value attached: "-rbase.txt".
		name, value = text[:2], text[2:]
	}
	value = strings.TrimSpace(stripComment(value))
	needValue := func() bool {
		if value == "" {
			r.probs.Add(extract.Errorf(path, n, "option %s needs a value", name))
			return false
		}
		return true
	}
	switch name {
	case "-r", "--requirement":
		if needValue() {
			r.include(path, n, value, constraints, dev)
		}
	case "-c", "--constraint":
		if needValue() {
			r.include(path, n, value, true, dev)
		}
	case "-e", "--editable":
		if !needValue() {
			return
		}
		q, err := parseRequirement(value, extract.Dir(path))
		if err != nil {
			r.probs.Add(extract.Errorf(path, n, "editable: %v", err))
			return
		}
		if q.source == "" {
			r.probs.Add(extract.Errorf(path, n, "editable %q is not a path or URL", pyproject.Clip(value)))
			return
		}
		q.editable, q.path, q.line, q.dev = true, path, n, dev
		if q.name != "" && !constraints {
			r.reqs = append(r.reqs, q)
			r.lastReq(len(r.reqs) - 1)
		}
	case "-i", "--index-url":
		if needValue() {
			r.props["index_url"] = extract.RedactURL(value)
		}
	case "--extra-index-url":
		if needValue() {
			r.appendProp("extra_index_urls", extract.RedactURL(value))
		}
	case "-f", "--find-links":
		if needValue() {
			r.appendProp("find_links", extract.RedactURL(value))
		}
	case "--no-index":
		r.props["no_index"] = "true"
	case "--require-hashes":
		r.props["require_hashes"] = "true"
	case "--pre", "--prefer-binary", "--trusted-host", "--only-binary", "--no-binary",
		"--use-feature", "-Z", "--always-unzip", "--process-dependency-links":
		// Install behaviour that does not change what is listed.
	default:
		r.probs.Add(extract.Errorf(path, n, "unknown option %q", pyproject.Clip(name)))
	}
}

// maxListed bounds the values kept for one multi-valued root property.
const maxListed = 64

// appendProp adds v to the space-separated list in root property k, once.
func (r *reader) appendProp(k, v string) {
	if r.listed[k] == nil {
		r.listed[k] = map[string]bool{}
	}
	if r.listed[k][v] || len(r.listed[k]) >= maxListed {
		return
	}
	r.listed[k][v] = true
	r.lists[k] = append(r.lists[k], v)
}

// include reads a "-r" or "-c" file named at path:n.
func (r *reader) include(path string, n int, value string, constraints, dev bool) {
	what := "requirements"
	if constraints {
		what = "constraints"
	}
	target := strings.ReplaceAll(value, `\`, "/")
	switch {
	case strings.Contains(target, "://"):
		r.probs.Add(extract.Errorf(path, n, "%s %q: remote files are not read", what, pyproject.Clip(value)))
		return
	case strings.HasPrefix(target, "/") || len(target) > 1 && target[1] == ':':
		r.probs.Add(extract.Errorf(path, n, "%s %q: absolute paths are not read", what, pyproject.Clip(value)))
		return
	}
	full, ok := extract.Join(extract.Dir(path), target)
	if !ok || full == "." {
		r.probs.Add(extract.Errorf(path, n, "%s %q: outside the scanned tree", what, pyproject.Clip(value)))
		return
	}
	for i, p := range r.stack {
		if p == full {
			chain := append(append([]string{}, r.stack[i:]...), full)
			r.probs.Add(extract.Errorf(path, n, "%s %q: include cycle %s", what, pyproject.Clip(value), strings.Join(chain, " -> ")))
			return
		}
	}
	key := what + ":" + full
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	switch {
	case len(r.stack) >= maxDepth:
		r.probs.Add(extract.Errorf(path, n, "%s %q: includes nested more than %d deep", what, pyproject.Clip(value), maxDepth))
		return
	case r.files >= maxFiles:
		r.probs.Add(extract.Errorf(path, n, "%s %q: more than %d files included", what, pyproject.Clip(value), maxFiles))
		return
	case r.fsys == nil:
		r.probs.Add(extract.Errorf(path, n, "%s %q: no scanned tree to read it from", what, pyproject.Clip(value)))
		return
	}
	f, err := r.fsys.Open(full)
	if err != nil {
		r.probs.Add(extract.Errorf(path, n, "%s %q: %v", what, pyproject.Clip(value), err))
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		r.probs.Add(extract.Errorf(path, n, "%s %q: is a directory", what, pyproject.Clip(value)))
		return
	}
	if constraints {
		r.appendProp("constraints", full)
	} else {
		r.appendProp("includes", full)
	}
	if err := r.read(full, f, constraints, dev); err != nil {
		var e *extract.Error
		if !errors.As(err, &e) {
			e = &extract.Error{Path: full, Err: err}
		}
		r.probs.Add(e)
	}
}

// Annotations: pip-compile writes, after each requirement,
//
//	# via flask
//
// or
//
//	# via
//	#   click
//	#   pytest
var (
	viaLine  = regexp.MustCompile(`^\s*#\s+via(?:\s+(.*))?$`)
	viaEntry = regexp.MustCompile(`^\s*#\s{2,}(\S+)\s*$`)
)

// lastReq makes requirement i the one that "# via" comments annotate.
func (r *reader) lastReq(i int) {
	r.viaTarget = i
	r.inVia = false
}

func (r *reader) endAnnotation() { r.inVia = false }

func (r *reader) annotation(line string) {
	if r.viaTarget < 0 {
		return
	}
	if m := viaLine.FindStringSubmatch(line); m != nil {
		r.inVia = m[1] == ""
		if m[1] != "" {
			for _, name := range strings.Split(m[1], ",") {
				r.addVia(strings.TrimSpace(name))
			}
		}
		return
	}
	if r.inVia {
		if m := viaEntry.FindStringSubmatch(line); m != nil {
			r.addVia(m[1])
			return
		}
		r.inVia = false
	}
}

func (r *reader) addVia(name string) {
	// "-r requirements.in" and "-c constraints.txt" name files.
	if name == "" || strings.HasPrefix(name, "-") || !pyproject.ValidName(name) {
		return
	}
	r.via[r.viaTarget] = append(r.via[r.viaTarget], name)
}

// devWords are the file-name words that mark a requirements file as
// development-only.
var devWords = map[string]bool{
	"dev": true, "devel": true, "develop": true, "development": true,
	"test": true, "tests": true, "testing": true,
}

// devName reports whether the base name of path has a dev word, the
// words being split at "-", "_" and ".".
func devName(path string) bool {
	base := strings.ToLower(extract.Base(path))
	for _, w := range strings.FieldsFunc(base, func(c rune) bool { return c == '-' || c == '_' || c == '.' }) {
		if devWords[w] {
			return true
		}
	}
	return false
}

// graph builds the fragment for the root file at path.
func (r *reader) graph(path string) *inventory.Graph {
	g := inventory.New()
	root := inventory.Root{ID: path, Kind: inventory.KindManifest}
	for k, vs := range r.lists {
		r.props[k] = strings.Join(vs, " ")
	}
	if len(r.props) > 0 {
		root.Properties = r.props
	}
	g.AddRoot(root)
	ids := make([]string, len(r.reqs))
	byName := map[string][]string{}
	for i, q := range r.reqs {
		name := purl.NormalizePyPI(q.name)
		c := inventory.Component{
			Ecosystem: purl.PyPI,
			Name:      name,
			Version:   q.version,
			Direct:    true,
			Scope:     inventory.ScopeRuntime,
			Hashes:    pyproject.UniqueHashes(q.hashes),
			Source:    q.source,
			Unpinned:  q.unpinned,
			Locations: []inventory.Location{{Path: q.path, Line: q.line}},
		}
		if q.dev {
			c.Scope = inventory.ScopeDev
		}
		set := func(k, v string) {
			if v != "" {
				c.Properties = pyproject.SetProperty(c.Properties, k, v)
			}
		}
		if cons, ok := r.cons[name]; ok && q.source == "" {
			set("constraint", cons.spec)
			if c.Unpinned && cons.version != "" {
				c.Version, c.Unpinned = cons.version, false
			}
		}
		if c.Unpinned {
			set("specifier", q.spec)
		}
		if name != q.name {
			set("declared_name", q.name)
		}
		set("extras", strings.Join(q.extras, ","))
		set("marker", q.marker)
		if q.editable {
			set("editable", "true")
		}
		c.PURL = purl.For(purl.PyPI, name, c.Version, nil)
		ids[i] = g.Add(c).PURL
		byName[name] = append(byName[name], ids[i])
		g.AddEdge(path, ids[i])
	}
	for i := range r.reqs {
		for _, parent := range r.via[i] {
			for _, from := range byName[purl.NormalizePyPI(parent)] {
				g.AddEdge(from, ids[i])
			}
		}
	}
	return g
}

// parseRequirement reads a requirement: PEP 508 ("requests[socks]>=2;
// python_version<'3.8'", "name @ URL"), or a bare URL or path as pip
// accepts them ("git+https://…@v1#egg=name", "./vendor/pkg-1.0.tar.gz").
// dir is the directory of the file the line is in, for naming "." paths.
func parseRequirement(s, dir string) (requirement, error) {
	if isURL(s) || looksLikePath(s) {
		return parseReference(s, dir)
	}
	r, err := pyproject.ParseRequirement(s)
	if err != nil {
		return requirement{}, err
	}
	q := requirement{name: r.Name, extras: r.Extras, marker: r.Marker}
	if r.URL != "" {
		ref, err := reference(r.URL, dir)
		if err != nil {
			return requirement{}, fmt.Errorf("requirement %q: %w", pyproject.Clip(r.Name), err)
		}
		q.source, q.hashes, q.unpinned = ref.source, ref.hashes, ref.unpinned
		if ref.file == "" || purl.NormalizePyPI(ref.file) == purl.NormalizePyPI(r.Name) {
			q.version = ref.version
		}
		if q.version == "" && ref.file != "" {
			q.unpinned = true
		}
		return q, nil
	}
	q.spec = r.Specifier
	if v, ok := pyproject.Pinned(r.Specifier); ok {
		q.version = v
	} else {
		q.unpinned = true
	}
	return q, nil
}

var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

func isURL(s string) bool {
	return urlScheme.MatchString(s) || strings.HasPrefix(s, "file:")
}

// looksLikePath reports whether a requirement is a local path: it starts
// with ".", "/" or "~", or has a slash before anything PEP 508 would
// read, or is a wheel or sdist file name.
func looksLikePath(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '.', '/', '~', '\\':
		return true
	}
	head := s
	if i := strings.IndexAny(s, " ;[<>=!~@"); i >= 0 {
		head = s[:i]
	}
	if strings.ContainsAny(head, `/\`) {
		return true
	}
	// "name-1.0.tar.gz" is a file in the working directory; "zope.zip"
	// could be a distribution name.
	_, _, archive := splitArchive(head)
	return archive
}

// ref is what a URL or path says of a package.
type ref struct {
	name, version string
	// file is the distribution name in an archive's file name, when the
	// version came from there.
	file     string
	source   string
	unpinned bool
	hashes   []inventory.Hash
	extras   []string
}

// parseReference reads a requirement line that is a bare URL or path.
func parseReference(s, dir string) (requirement, error) {
	sep := ";"
	if isURL(s) {
		sep = "; "
	}
	var marker string
	if i := strings.Index(s, sep); i >= 0 {
		s, marker = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):])
	}
	ref, err := reference(s, dir)
	if err != nil {
		return requirement{}, err
	}
	return requirement{
		name: ref.name, version: ref.version, unpinned: ref.unpinned,
		extras: ref.extras, marker: marker, source: ref.source, hashes: ref.hashes,
	}, nil
}

// reference reads a URL or path: the name from "#egg=", a wheel or sdist
// file name, a repository or directory name; the version from a release
// tag or a file name.
func reference(s, dir string) (ref, error) {
	var out ref
	body, frag, _ := strings.Cut(s, "#")
	for _, kv := range strings.Split(frag, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "egg":
			name, extras, _ := strings.Cut(v, "[")
			if !pyproject.ValidName(name) {
				return out, fmt.Errorf("egg name %q is not a distribution name", pyproject.Clip(v))
			}
			out.name = name
			for _, e := range strings.Split(strings.TrimSuffix(extras, "]"), ",") {
				if e = strings.TrimSpace(e); e != "" {
					out.extras = append(out.extras, e)
				}
			}
		case "sha1", "sha256", "sha384", "sha512", "md5":
			if h, ok := pyproject.ParseHash(k + ":" + v); ok {
				out.hashes = append(out.hashes, h)
			}
		}
	}
	if body == "" {
		return out, errors.New("empty URL")
	}
	if scheme, _, _ := strings.Cut(body, "+"); vcsSchemes[scheme] && strings.Contains(body, "://") {
		repo, r := splitVCS(body)
		out.source = extract.RedactURL(repo)
		if r != "" {
			out.source += "@" + r
		}
		if out.name == "" {
			out.name = strings.TrimSuffix(lastElem(repo), ".git")
		}
		switch v, isTag := pyproject.TagVersion(r); {
		case isTag:
			out.version = v
		case !pyproject.IsCommit(r):
			out.unpinned = true
		}
		if !pyproject.ValidName(out.name) {
			out.name = ""
		}
		return out, nil
	}
	if isURL(body) {
		out.source = extract.RedactURL(body)
	} else {
		out.source = body
	}
	file := lastElem(strings.ReplaceAll(body, `\`, "/"))
	if name, version, ok := splitArchive(file); ok {
		out.file, out.version = name, version
		if out.name == "" {
			out.name = name
		}
	}
	if out.name == "" && !isURL(body) {
		// A project directory: name it after the directory, resolving
		// "." and ".." against the requirements file's own.
		if p, ok := extract.Join(dir, strings.ReplaceAll(body, `\`, "/")); ok && p != "." {
			out.name = extract.Base(p)
		}
	}
	if !pyproject.ValidName(out.name) {
		out.name = ""
	}
	out.unpinned = out.version == ""
	return out, nil
}

var vcsSchemes = map[string]bool{"git": true, "hg": true, "svn": true, "bzr": true}

// splitVCS splits "git+https://host/repo.git@ref" at the "@" that follows
// the host, leaving user info alone.
func splitVCS(u string) (repo, ref string) {
	scheme, rest, _ := strings.Cut(u, "://")
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return u, ""
	}
	if at := strings.LastIndexByte(rest[slash:], '@'); at >= 0 {
		return scheme + "://" + rest[:slash+at], rest[slash+at+1:]
	}
	return u, ""
}

func lastElem(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexAny(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// archiveExts are the distribution file endings pip installs from.
var archiveExts = []string{".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip"}

func archiveExt(name string) string {
	lower := strings.ToLower(name)
	for _, e := range archiveExts {
		if strings.HasSuffix(lower, e) && len(lower) > len(e) {
			return e
		}
	}
	return ""
}

// splitArchive reads the distribution name and version from a wheel
// ("name-1.0-py3-none-any.whl") or sdist ("name-1.0.tar.gz") file name.
func splitArchive(file string) (name, version string, ok bool) {
	ext := archiveExt(file)
	if ext == "" {
		return "", "", false
	}
	stem := file[:len(file)-len(ext)]
	if ext == ".whl" {
		parts := strings.Split(stem, "-")
		if len(parts) < 5 || parts[0] == "" || parts[1] == "" {
			return "", "", false
		}
		return parts[0], parts[1], true
	}
	for i := len(stem) - 1; i > 0; i-- {
		if stem[i] == '-' && i+1 < len(stem) && stem[i+1] >= '0' && stem[i+1] <= '9' {
			return stem[:i], stem[i+1:], true
		}
	}
	return "", "", false
}
