// Package ghactions reads GitHub Actions workflows
// (.github/workflows/*.yml and *.yaml) and action metadata files
// (action.yml, action.yaml: the nested "uses:" of composite actions), and
// yields one component per action or reusable workflow they reference, so
// that advisories for the "GitHub Actions" ecosystem match them and a
// policy can ask for every reference to be pinned to a full commit SHA.
//
// A reference "owner/repo[/path]@ref" is a component in ecosystem
// "GitHub Actions" named "owner/repo", as OSV names the packages of its
// advisories; the path inside the repository goes into the PURL's subpath
// and the "path" property, so two actions of one repository
// (github/codeql-action/init and .../analyze) stay apart. Version is the ref
// as written. Every reference is direct (the file declares it) with scope
// "build", located at the line of its "uses:" key. Local references
// ("./path") are part of the project, not dependencies, and are skipped.
//
// A "docker://image" reference (a step's "uses:", a Docker action's
// runs.image) is a component in ecosystem "Docker" (not an OSV
// ecosystem: no advisory matches it) named as written without tag or
// digest, registry included ("ghcr.io/hadolint/hadolint"; the PURL keeps
// the registry in its repository_url qualifier). Version is the digest
// ("sha256:…") when there is one, else the tag, else "latest", which is
// what Docker pulls for an image without either: a tag like any other,
// that moves, not a range (Unpinned stays false). Direct, scope "build",
// located at the line of the "uses:" or "image:" key. An image built
// from the action's own repository ("Dockerfile") is no reference.
//
// A file named on the command line is recognised by content (Sniff) and
// read as a workflow when it has "jobs", as an action when it has "runs".
// YAML anchors and aliases (which GitHub accepts in workflows) are
// followed; a budget on the nodes visited bounds alias amplification.
//
// Component properties:
//   - kind: "action", "reusable-workflow" (a path under
//     .github/workflows/) or "docker-image".
//   - path: the action's directory or the workflow file inside the
//     repository, when not at its top.
//   - vcs_ref_kind: "sha" for a full commit id (40 or 64 hex digits),
//     "tag" for a ref that looks like a version (v4, v4.1.1, 1.2.3-rc.1),
//     "branch" for anything else (main, a release branch, a tag not named
//     like a version): what is not "sha" can move under the project.
//     Images have "digest" (pinned) or "tag" (an implied "latest"
//     included).
//   - docker_tag: an image's tag when a digest is given too
//     ("alpine:3.19@sha256:…"); the digest is what is pulled.
//   - vcs_ref_comment: the comment after the reference ("v4.1.1" of
//     "@<sha> # v4.1.1"), the recommended companion of a pinned SHA.
//   - workflow_job: the ids of the jobs using the reference, comma
//     separated in file order (workflows only).
//
// Root properties:
//   - type: "workflow" or "action".
//   - using: an action's runs.using ("composite", "docker", "node20").
package ghactions

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
	"github.com/vouchdev/vouch/purl"
)

const (
	// maxFileSize bounds the file read. Real workflows are tens of
	// kilobytes; a YAML node tree costs about a hundred bytes of memory
	// per byte of hostile input, so this keeps one file under ~128 MB.
	maxFileSize = 1 << 20
	// maxDepth bounds nesting: real workflows nest about ten levels.
	maxDepth = 100
	// maxNodes bounds the nodes in the file and, separately, the nodes
	// visited while following aliases (a "billion laughs" file is small
	// but expands without bound).
	maxNodes = 100_000
	// maxRefLength bounds a ref: git and GitHub refuse far longer names.
	maxRefLength = 255
)

// Extractor reads GitHub Actions workflows and action metadata.
type Extractor struct{}

// New returns the extractor.
func New() *Extractor { return &Extractor{} }

// Name implements extract.Extractor.
func (*Extractor) Name() string { return "ghactions" }

// Claims implements extract.Extractor: *.yml and *.yaml directly in a
// .github/workflows directory (GitHub reads no subdirectory), and files
// named action.yml or action.yaml anywhere.
func (*Extractor) Claims(path string, _ fs.FileInfo) bool {
	if isWorkflow(path) {
		return true
	}
	base := extract.Base(path)
	return base == "action.yml" || base == "action.yaml"
}

// isWorkflow reports whether path is a workflow file. A workflow named
// action.yml is still a workflow.
func isWorkflow(path string) bool {
	base := extract.Base(path)
	if !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") {
		return false
	}
	dir := extract.Dir(path)
	return dir == ".github/workflows" || strings.HasSuffix(dir, "/.github/workflows")
}

var (
	sniffJobs = regexp.MustCompile(`(?m)^jobs:`)
	sniffOn   = regexp.MustCompile(`(?m)^(?:on|"on"|'on'):`)
	sniffRuns = regexp.MustCompile(`(?m)^runs:`)
	sniffUses = regexp.MustCompile(`(?m)^\s+using:`)
)

// Sniff implements extract.Sniffer, for a workflow or action named on the
// command line ("vouch inventory ci.yml"): top-level "jobs:" and "on:"
// (which CircleCI's and GitLab's files lack), or "runs:" with "using:".
func (*Extractor) Sniff(head []byte) bool {
	return (sniffJobs.Match(head) && sniffOn.Match(head)) ||
		(sniffRuns.Match(head) && sniffUses.Match(head))
}

// fileType is "workflow" or "action" as path says, or as the keys of top
// say for a file offered by content (Sniff); "" for neither.
func fileType(path string, top *yaml.Node) string {
	switch {
	case isWorkflow(path):
		return "workflow"
	case extract.Base(path) == "action.yml" || extract.Base(path) == "action.yaml":
		return "action"
	}
	if top.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "jobs":
			return "workflow"
		case "runs":
			return "action"
		}
	}
	return ""
}

// Extract implements extract.Extractor. A file without "jobs" (workflow)
// or "runs" (action) is not of this format: nil graph, nil error.
func (*Extractor) Extract(ctx context.Context, in *extract.Input) (*inventory.Graph, error) {
	data, err := extract.ReadAll(in, maxFileSize)
	if err != nil {
		return nil, err
	}
	top, err := parse(in.Path, data)
	if err != nil || top == nil {
		return nil, err
	}
	typ := fileType(in.Path, top)
	if top.Kind != yaml.MappingNode {
		if typ != "workflow" {
			// Not every action.yml is a GitHub action's.
			return nil, nil
		}
		return nil, errorAt(in.Path, top, "workflow is %s, want a mapping", kindName(top))
	}
	if typ == "" {
		return nil, nil
	}
	if err := checkTree(in.Path, top); err != nil {
		return nil, err
	}
	r := &reader{path: in.Path, index: map[string]*inventory.Component{}}
	root := inventory.Root{ID: in.Path, Kind: inventory.KindManifest, Properties: map[string]string{"type": typ}}
	if name, err := r.lookup(top, "name"); err != nil {
		return nil, err
	} else if name != nil && name.Kind == yaml.ScalarNode {
		root.Name = name.Value
	}
	if typ == "workflow" {
		found, err := r.workflow(ctx, top)
		if err != nil || !found {
			return nil, err
		}
	} else {
		found, using, err := r.action(ctx, top)
		if err != nil || !found {
			return nil, err
		}
		if using != "" {
			root.Properties["using"] = using
		}
	}

	g := inventory.New()
	g.AddRoot(root)
	for _, c := range r.comps {
		g.Add(*c)
		g.AddEdge(root.ID, c.PURL)
	}
	return g, r.probs.Err()
}

// yamlLine finds the position the YAML library writes into its messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// The YAML library's parser writes a 0-based line into its messages where
// its scanner writes a 1-based one, and both leave out line 0; its reader
// writes no line (or a stale one) for bad characters; its composer none
// for aliases.
var (
	parserProblems = []string{
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected '-' indicator", "did not find expected <document start>",
		"did not find expected <stream-start>", "did not find expected key",
		"did not find expected node content", "found duplicate %TAG directive",
		"found duplicate %YAML directive", "found incompatible YAML document",
		"found undefined tag handle",
	}
	readerProblems = []string{
		"control characters are not allowed", "expected low surrogate area",
		"incomplete UTF-", "input error", "invalid Unicode character",
		"invalid leading UTF-8 octet", "invalid length of a UTF-8 sequence",
		"invalid trailing UTF-8 octet", "unexpected low surrogate area",
	}
	composerProblems = []string{
		"unknown anchor", "anchor '", "expected ", "attempted to go past", "cannot decode",
	}
)

// yamlError is a YAML library error whose position has moved from its text
// into the extract.Error around it.
type yamlError struct {
	msg string
	err error
}

func (e *yamlError) Error() string { return e.msg }
func (e *yamlError) Unwrap() error { return e.err }

// syntaxError places err, from the YAML library, in the file.
func syntaxError(path string, data []byte, err error) *extract.Error {
	text := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		text = text[len(m[0]):]
	} else {
		text = strings.TrimPrefix(text, "yaml: ")
	}
	e := &extract.Error{Path: path, Err: &yamlError{msg: "yaml: " + text, err: err}}
	switch {
	case hasPrefix(text, readerProblems):
		e.Line, e.Column = badCharacter(data)
	case hasPrefix(text, composerProblems):
	case hasPrefix(text, parserProblems):
		e.Line = min(line+1, lastLine(data))
	case line == 0:
		e.Line = 1
	default:
		e.Line = min(line, lastLine(data))
	}
	return e
}

// lastLine is the number of the last line of data that holds anything:
// the library places the end of the stream on a line of its own.
func lastLine(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// badCharacter returns the position of the first byte YAML does not allow
// (c-printable in YAML 1.2), or 0, 0 when it finds none (UTF-16 input).
func badCharacter(data []byte) (line, col int) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd && r != utf8.RuneError) || r >= 0x10000 ||
			(r == utf8.RuneError && size == 3)
		if !ok {
			return extract.NewLineIndex(data).Position(int64(i))
		}
		i += size
	}
	return 0, 0
}

// parse returns the top node of the first YAML document of data, nil for an
// empty document.
func parse(path string, data []byte) (top *yaml.Node, err error) {
	defer func() {
		// The YAML library has panicked on hostile input in the past; a
		// failure must cost this file only, with its name.
		if r := recover(); r != nil {
			top, err = nil, extract.Errorf(path, 0, "yaml: parser failed: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(path, data, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	top = doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, nil
	}
	return top, nil
}

// checkTree bounds the size and depth of the tree as written, aliases not
// followed.
func checkTree(path string, top *yaml.Node) error {
	count := 0
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		if depth > maxDepth {
			return errorAt(path, n, "nested more than %d levels", maxDepth)
		}
		if count++; count > maxNodes {
			return errorAt(path, n, "more than %d YAML nodes", maxNodes)
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(top, 1)
}

// reader collects the references of one file.
type reader struct {
	path   string
	visits int
	comps  []*inventory.Component // in file order
	index  map[string]*inventory.Component
	probs  extract.Problems
}

// resolve follows an alias and counts the node against the visit budget.
func (r *reader) resolve(n *yaml.Node) (*yaml.Node, error) {
	if r.visits++; r.visits > maxNodes {
		return nil, errorAt(r.path, n, "aliases expand to more than %d nodes", maxNodes)
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		// An anchored node is never itself an alias, so one step suffices.
		return n.Alias, nil
	}
	return n, nil
}

// pairs calls fn with each key and value of mapping m, both resolved.
func (r *reader) pairs(m *yaml.Node, fn func(k, v *yaml.Node) error) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := r.resolve(m.Content[i])
		if err != nil {
			return err
		}
		v, err := r.resolve(m.Content[i+1])
		if err != nil {
			return err
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the resolved value of key in mapping m, or nil.
func (r *reader) lookup(m *yaml.Node, key string) (*yaml.Node, error) {
	n, _, err := r.lookupKey(m, key)
	return n, err
}

// lookupKey is lookup that also returns the key's node, for its line.
func (r *reader) lookupKey(m *yaml.Node, key string) (v, k *yaml.Node, err error) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, err := r.resolve(m.Content[i])
		if err != nil {
			return nil, nil, err
		}
		if kn.Kind == yaml.ScalarNode && kn.Value == key {
			v, err := r.resolve(m.Content[i+1])
			return v, kn, err
		}
	}
	return nil, nil, nil
}

// workflow reads jobs.<id>.uses (reusable workflows) and
// jobs.<id>.steps[].uses. It reports false for a mapping without "jobs".
func (r *reader) workflow(ctx context.Context, top *yaml.Node) (bool, error) {
	jobs, err := r.lookup(top, "jobs")
	if err != nil || jobs == nil {
		return false, err
	}
	if jobs.Kind != yaml.MappingNode {
		r.probs.Add(errorAt(r.path, jobs, "jobs: %s, want a mapping", kindName(jobs)))
		return true, nil
	}
	err = r.pairs(jobs, func(k, job *yaml.Node) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := k.Value
		if job.Kind != yaml.MappingNode {
			r.probs.Add(errorAt(r.path, job, "job %s: %s, want a mapping", id, kindName(job)))
			return nil
		}
		uses, key, err := r.lookupKey(job, "uses")
		if err != nil {
			return err
		}
		if uses != nil {
			r.use(key, uses, id)
		}
		steps, err := r.lookup(job, "steps")
		if err != nil || steps == nil {
			return err
		}
		return r.steps(ctx, steps, "job "+id, id)
	})
	return true, err
}

// action reads an action's runs: the steps of a composite action and the
// image of a Docker action. It reports false for a mapping without "runs".
func (r *reader) action(ctx context.Context, top *yaml.Node) (found bool, using string, err error) {
	runs, err := r.lookup(top, "runs")
	if err != nil || runs == nil {
		return false, "", err
	}
	if runs.Kind != yaml.MappingNode {
		r.probs.Add(errorAt(r.path, runs, "runs: %s, want a mapping", kindName(runs)))
		return true, "", nil
	}
	if u, err := r.lookup(runs, "using"); err != nil {
		return true, "", err
	} else if u != nil && u.Kind == yaml.ScalarNode {
		using = u.Value
	}
	image, key, err := r.lookupKey(runs, "image")
	if err != nil {
		return true, using, err
	}
	if image != nil {
		// "Dockerfile" or another local path builds the image from the
		// action's own repository: no reference to record.
		if image.Kind == yaml.ScalarNode && strings.HasPrefix(image.Value, "docker://") {
			r.dockerRef(key, image, "")
		} else if image.Kind != yaml.ScalarNode {
			r.probs.Add(errorAt(r.path, image, "runs.image: %s, want a string", kindName(image)))
		}
	}
	steps, err := r.lookup(runs, "steps")
	if err != nil || steps == nil {
		return true, using, err
	}
	return true, using, r.steps(ctx, steps, "runs", "")
}

// steps reads the "uses" of each step of a sequence; where names the
// sequence's owner in messages, job the workflow job ("" in an action).
func (r *reader) steps(ctx context.Context, steps *yaml.Node, where, job string) error {
	if steps.Kind != yaml.SequenceNode {
		r.probs.Add(errorAt(r.path, steps, "%s: steps: %s, want a sequence", where, kindName(steps)))
		return nil
	}
	for _, s := range steps.Content {
		if err := ctx.Err(); err != nil {
			return err
		}
		step, err := r.resolve(s)
		if err != nil {
			return err
		}
		if step.Kind != yaml.MappingNode {
			r.probs.Add(errorAt(r.path, step, "%s: step: %s, want a mapping", where, kindName(step)))
			continue
		}
		uses, key, err := r.lookupKey(step, "uses")
		if err != nil {
			return err
		}
		if uses != nil {
			r.use(key, uses, job)
		}
	}
	return nil
}

// use records the reference of one "uses:" whose key is key and value v.
func (r *reader) use(key, v *yaml.Node, job string) {
	if v.Kind != yaml.ScalarNode {
		r.probs.Add(errorAt(r.path, v, "uses: %s, want a string", kindName(v)))
		return
	}
	s := v.Value
	switch {
	case strings.HasPrefix(s, "./"), strings.HasPrefix(s, "../"):
		return
	case strings.HasPrefix(s, "docker://"):
		r.dockerRef(key, v, job)
		return
	}
	ref, err := parseRef(s)
	if err != nil {
		r.probs.Add(errorAt(r.path, v, "uses %q: %v", clip(s), err))
		return
	}
	name := ref.owner + "/" + ref.repo
	full := name
	if ref.path != "" {
		full += "/" + ref.path
	}
	props := map[string]string{"kind": ref.kind(), "vcs_ref_kind": refKind(ref.ref)}
	if ref.path != "" {
		props["path"] = ref.path
	}
	r.add(key, v, job, &inventory.Component{
		PURL: purl.For(purl.Actions, full, ref.ref, nil), Ecosystem: purl.Actions, Name: name, Version: ref.ref,
		Properties: props,
	})
}

// dockerRef records the image of a "docker://" scalar v under key.
func (r *reader) dockerRef(key, v *yaml.Node, job string) {
	img, err := parseImage(strings.TrimPrefix(v.Value, "docker://"))
	if err != nil {
		r.probs.Add(errorAt(r.path, v, "invalid docker image %q: %v", clip(v.Value), err))
		return
	}
	props := map[string]string{"kind": "docker-image", "vcs_ref_kind": "tag"}
	version := img.tag
	if img.digest != "" {
		version = img.digest
		props["vcs_ref_kind"] = "digest"
		if img.tag != "" {
			props["docker_tag"] = img.tag
		}
	} else if version == "" {
		version = "latest"
	}
	r.add(key, v, job, &inventory.Component{
		PURL: purl.For(purl.Docker, img.name, version, nil), Ecosystem: purl.Docker, Name: img.name, Version: version,
		Properties: props,
	})
}

// add records reference c, whose PURL, ecosystem, name, version and
// properties are set, written as v under key, in job ("" in an action);
// a reference met before gains the location and the job.
func (r *reader) add(key, v *yaml.Node, job string, c *inventory.Component) {
	loc := inventory.Location{Path: r.path, Line: key.Line}
	comment := refComment(key, v)
	if old := r.index[c.PURL]; old != nil {
		// An aliased step list reaches the same line once per job.
		if !slices.Contains(old.Locations, loc) {
			old.Locations = append(old.Locations, loc)
		}
		if job != "" && !hasItem(old.Properties["workflow_job"], job) {
			if old.Properties["workflow_job"] != "" {
				old.Properties["workflow_job"] += ","
			}
			old.Properties["workflow_job"] += job
		}
		if old.Properties["docker_tag"] == "" && c.Properties["docker_tag"] != "" {
			old.Properties["docker_tag"] = c.Properties["docker_tag"]
		}
		if old.Properties["vcs_ref_comment"] == "" && comment != "" {
			old.Properties["vcs_ref_comment"] = comment
		}
		return
	}
	if comment != "" {
		c.Properties["vcs_ref_comment"] = comment
	}
	if job != "" {
		c.Properties["workflow_job"] = job
	}
	c.Direct, c.Scope = true, inventory.ScopeBuild
	c.Locations = []inventory.Location{loc}
	r.index[c.PURL] = c
	r.comps = append(r.comps, c)
}

// image is a parsed Docker image reference.
type image struct {
	name, tag, digest string
}

// Docker's reference grammar (distribution/reference): a registry host
// with an optional port, path components of lower-case letters and
// digits joined by separators, a tag, and a digest; only the digests
// registries use (sha256, sha512) are taken.
var (
	imageHost   = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?$`)
	imagePath   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	imageTag    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	imageDigest = regexp.MustCompile(`^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)
)

// maxImageName bounds an image's name, as Docker does.
const maxImageName = 255

// parseImage splits "[registry/]path[:tag][@digest]".
func parseImage(s string) (image, error) {
	var img image
	if s == "" {
		return img, fmt.Errorf("no image")
	}
	if strings.Contains(s, "${{") {
		return img, fmt.Errorf("expressions are not allowed")
	}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s, img.digest = s[:at], s[at+1:]
		if !imageDigest.MatchString(img.digest) {
			return img, fmt.Errorf("digest %q is not sha256:<64 hex> or sha512:<128 hex>", clip(img.digest))
		}
	}
	if colon := strings.LastIndexByte(s, ':'); colon > strings.LastIndexByte(s, '/') {
		s, img.tag = s[:colon], s[colon+1:]
		if !imageTag.MatchString(img.tag) {
			return img, fmt.Errorf("invalid tag %q", clip(img.tag))
		}
	}
	if len(s) > maxImageName {
		return img, fmt.Errorf("name longer than %d bytes", maxImageName)
	}
	parts := strings.Split(s, "/")
	if first := parts[0]; len(parts) > 1 && (strings.ContainsAny(first, ".:") || first == "localhost") {
		if !imageHost.MatchString(first) {
			return img, fmt.Errorf("invalid registry %q", clip(first))
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if !imagePath.MatchString(p) {
			return img, fmt.Errorf("invalid name %q (lower-case letters, digits and separators)", clip(s))
		}
	}
	img.name = s
	return img, nil
}

// refComment returns the text of the comment on the "uses:" line, which
// the YAML library attaches to the value or, in some layouts, the key.
func refComment(key, v *yaml.Node) string {
	c := v.LineComment
	if c == "" {
		c = key.LineComment
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c), "#"))
}

// reference is a parsed "owner/repo[/path]@ref".
type reference struct {
	owner, repo, path, ref string
}

// kind is the "kind" property: reusable workflows live in the
// repository's .github/workflows.
func (r reference) kind() string {
	if strings.HasPrefix(r.path, ".github/workflows/") &&
		(strings.HasSuffix(r.path, ".yml") || strings.HasSuffix(r.path, ".yaml")) {
		return "reusable-workflow"
	}
	return "action"
}

// ownerRepo matches GitHub owner and repository names (enterprise
// servers allow "_" in owners).
var ownerRepo = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// parseRef splits a "uses:" value that is neither local nor docker.
func parseRef(s string) (reference, error) {
	if strings.Contains(s, "${{") {
		// GitHub refuses expressions in "uses:"; nothing to resolve here.
		return reference{}, fmt.Errorf("expressions are not allowed")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return reference{}, fmt.Errorf("no @ref")
	}
	loc, ref := s[:at], s[at+1:]
	if err := checkRef(ref); err != nil {
		return reference{}, err
	}
	parts := strings.SplitN(loc, "/", 3)
	if len(parts) < 2 {
		return reference{}, fmt.Errorf("want owner/repo")
	}
	for _, p := range parts[:2] {
		if !ownerRepo.MatchString(p) || p == "." || p == ".." {
			return reference{}, fmt.Errorf("invalid owner or repository %q", clip(p))
		}
	}
	r := reference{owner: parts[0], repo: parts[1], ref: ref}
	if len(parts) == 3 {
		for _, el := range strings.Split(parts[2], "/") {
			if el == "" || el == "." || el == ".." || strings.ContainsRune(el, '\\') || hasControl(el) {
				return reference{}, fmt.Errorf("invalid path %q", clip(parts[2]))
			}
		}
		r.path = parts[2]
	}
	return r, nil
}

// checkRef applies the parts of git's ref name rules that matter here:
// what no branch, tag or commit can be named.
func checkRef(ref string) error {
	switch {
	case ref == "":
		return fmt.Errorf("empty ref")
	case len(ref) > maxRefLength:
		return fmt.Errorf("ref longer than %d bytes", maxRefLength)
	case strings.ContainsAny(ref, " ~^:?*[\\"), hasControl(ref),
		strings.Contains(ref, ".."), strings.Contains(ref, "@{"), strings.Contains(ref, "//"),
		strings.HasPrefix(ref, "/"), strings.HasSuffix(ref, "/"), strings.HasSuffix(ref, "."):
		return fmt.Errorf("invalid ref %q", clip(ref))
	}
	return nil
}

var (
	fullSHA   = regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)
	versionRe = regexp.MustCompile(`^v?[0-9]+(?:\.[0-9]+)*(?:[-+][0-9A-Za-z.+-]*)?$`)
)

// refKind is the "vcs_ref_kind" property of ref.
func refKind(ref string) string {
	switch {
	case fullSHA.MatchString(ref):
		return "sha"
	case versionRe.MatchString(ref):
		return "tag"
	}
	return "branch"
}

func hasItem(list, item string) bool {
	return slices.Contains(strings.Split(list, ","), item)
}

func hasControl(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// errorAt returns an *extract.Error at n's position.
func errorAt(path string, n *yaml.Node, format string, args ...any) *extract.Error {
	return &extract.Error{Path: path, Line: n.Line, Column: n.Column, Err: fmt.Errorf(format, args...)}
}
