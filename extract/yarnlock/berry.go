package yarnlock

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/extract/internal/yamlnode"
)

// Limits on the YAML of a Berry lockfile (see yamlnode.Limits).
const (
	// maxNodeEstimate caps the nodes estimated before the tree is built:
	// it admits lockfiles of some 40 MB.
	maxNodeEstimate = 1 << 22
	// maxDepth caps nesting; Berry lockfiles nest four levels.
	maxDepth = 64
)

// berryLocal is the version Berry writes for workspaces, links and portals,
// whose real version it does not record.
const berryLocal = "0.0.0-use.local"

// parseBerry reads a Berry lockfile. A YAML syntax error fails the file; an
// entry of the wrong shape is reported in probs and skipped.
func parseBerry(ctx context.Context, path string, data []byte, probs *extract.Problems) (*lockfile, error) {
	yf := yamlnode.File{Path: path, Extractor: extractorName}
	tops, err := yf.Parse(data, yamlnode.Limits{MaxNodeEstimate: maxNodeEstimate, MaxDepth: maxDepth, MaxDocuments: 1})
	if err != nil {
		return nil, err
	}
	lf := &lockfile{berry: true}
	if len(tops) == 0 {
		return lf, nil
	}
	top := tops[0]
	if top.Kind != yaml.MappingNode {
		return nil, yf.Errorf(top, "want a mapping of entries, got %s", yamlnode.KindName(top))
	}
	items := 0
	for i := 0; i+1 < len(top.Content); i += 2 {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, yf.Errorf(top.Content[i], "%w", err)
			}
		}
		key, kerr := yf.Scalar(top.Content[i], "entry key")
		if kerr != nil {
			probs.Add(kerr)
			continue
		}
		val := top.Content[i+1]
		if key == "__metadata" {
			if err := berryMetadata(yf, lf, val); err != nil {
				probs.Add(err)
			}
			continue
		}
		e, eerr := berryEntry(yf, key, top.Content[i], val)
		if eerr != nil {
			probs.Add(eerr)
			continue
		}
		items += len(e.descriptors) + len(e.deps) + 1
		if items > maxItems {
			return nil, yf.Errorf(top.Content[i], "more than %d entries and dependencies", maxItems)
		}
		lf.entries = append(lf.entries, e)
	}
	return lf, nil
}

func berryMetadata(yf yamlnode.File, lf *lockfile, n *yaml.Node) *extract.Error {
	m, err := yf.Mapping(n, "__metadata")
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := yamlnode.Resolve(m.Content[i]).Value
		var v string
		switch k {
		case "version", "cacheKey":
			v, err = yf.Scalar(m.Content[i+1], "__metadata."+k)
			if err != nil {
				return err
			}
		}
		switch k {
		case "version":
			lf.version = v
		case "cacheKey":
			lf.cacheKey = v
		}
	}
	return nil
}

// berryEntry reads one entry: key lists its descriptors, val its fields.
func berryEntry(yf yamlnode.File, key string, keyNode, val *yaml.Node) (*entry, *extract.Error) {
	e := &entry{line: keyNode.Line}
	for _, d := range strings.Split(key, ",") {
		if d = strings.TrimSpace(d); d != "" {
			e.descriptors = append(e.descriptors, d)
		}
	}
	if len(e.descriptors) == 0 {
		return nil, yf.Errorf(keyNode, "entry key lists no descriptor")
	}
	what := "entry " + strconv.Quote(key)
	m, err := yf.Mapping(val, what)
	if err != nil {
		return nil, err
	}
	var resolution string
	optional := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := yamlnode.Resolve(m.Content[i]).Value
		v := m.Content[i+1]
		f := what + "." + k
		switch k {
		case "version":
			e.version, err = yf.Scalar(v, f)
		case "resolution":
			resolution, err = yf.Scalar(v, f)
		case "checksum":
			e.checksum, err = yf.Scalar(v, f)
		case "dependencies", "optionalDependencies", "peerDependencies":
			var pairs [][2]string
			pairs, err = yf.StringMap(v, f)
			for _, p := range pairs {
				d := dep{name: p[0], rng: p[1], optional: k == "optionalDependencies"}
				if k == "peerDependencies" {
					e.peers = append(e.peers, d)
				} else {
					e.deps = append(e.deps, d)
				}
			}
		case "dependenciesMeta":
			err = dependenciesMeta(yf, v, f, optional)
		}
		if err != nil {
			return nil, err
		}
	}
	for i := range e.deps {
		if optional[e.deps[i].name] {
			e.deps[i].optional = true
		}
	}
	if resolution == "" {
		resolution = e.descriptors[0]
	}
	e.locator = resolution
	keyName, _ := splitDescriptor(e.descriptors[0])
	name, ref := splitDescriptor(resolution)
	e.name = name
	if keyName != name {
		e.alias = keyName
	}
	if e.version == berryLocal {
		e.version = ""
	}
	applyReference(e, ref, 0)
	return e, nil
}

// dependenciesMeta records which dependencies are optional. Keys are names,
// or "name@version" for a setting that applies to one version.
func dependenciesMeta(yf yamlnode.File, n *yaml.Node, what string, optional map[string]bool) *extract.Error {
	m, err := yf.Mapping(n, what)
	if err != nil {
		return err
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := yf.Scalar(m.Content[i], what+" key")
		if err != nil {
			return err
		}
		name, _ := splitDescriptor(k)
		meta, err := yf.Mapping(m.Content[i+1], what+"["+strconv.Quote(k)+"]")
		if err != nil {
			return err
		}
		for j := 0; j+1 < len(meta.Content); j += 2 {
			if yamlnode.Resolve(meta.Content[j]).Value == "optional" && yamlnode.Resolve(meta.Content[j+1]).Value == "true" {
				optional[name] = true
			}
		}
	}
	return nil
}

// applyReference sets what a Berry resolution's reference (what follows
// "name@") says about where the package comes from. Patches nest a
// reference; depth stops a hostile chain of them.
func applyReference(e *entry, ref string, depth int) {
	proto, rest, ok := strings.Cut(ref, ":")
	if !ok {
		e.source = ref
		return
	}
	// Berry appends "::key=value&..." bindings (the locator of the
	// workspace a relative path is from, a hash) to some references.
	bare, _, _ := strings.Cut(ref, "::")
	switch proto {
	case "npm":
		// The registry, whichever the project configures. Berry binds
		// the tarball's URL ("::__archiveUrl=...") where the registry's
		// metadata points somewhere other than the conventional path;
		// like a yarn classic "resolved", a URL of a registry's shape is
		// a mirror and any other the package's Source.
		if a := archiveURL(ref); a != "" {
			if _, ok := registryTarball(a, e.version); !ok {
				e.source = stripCredentials(a)
			}
		}
	case "workspace":
		e.workspace = true
		e.wsDir = strings.TrimPrefix(strings.TrimSuffix(rest, "/"), "./")
		if e.wsDir == "" {
			e.wsDir = "."
		}
	case "patch":
		// patch:<name>@<encoded reference>#<patch>::version=...&hash=...
		inner, patch, _ := strings.Cut(strings.TrimPrefix(bare, "patch:"), "#")
		e.patch = patch
		if dec, err := url.PathUnescape(inner); err == nil {
			inner = dec
		}
		_, innerRef := splitDescriptor(inner)
		if depth < 4 {
			applyReference(e, innerRef, depth+1)
		}
	case "file", "link", "portal", "exec":
		// "file:./dir#./dir::hash=..." repeats the path after "#".
		src, _, _ := strings.Cut(bare, "#")
		e.source = src
	case "http", "https":
		// A URL the project wrote: its choice, not the registry's, even
		// on a registry's path, which still names the package.
		e.source = stripCredentials(bare)
		if isGitURL(bare) {
			return
		}
		if n, ok := registryTarball(bare, e.version); ok && n != e.name {
			if e.alias == "" {
				e.alias = e.name
			}
			e.name = n
		}
	default:
		// git, git+ssh, github:, ssh: and protocols of plugins.
		e.source = stripCredentials(bare)
	}
}

// archiveURL returns the "__archiveUrl" binding of an "npm:" reference,
// decoded, or "".
func archiveURL(ref string) string {
	_, bindings, ok := strings.Cut(ref, "::")
	if !ok {
		return ""
	}
	for _, kv := range strings.Split(bindings, "&") {
		if v, ok := strings.CutPrefix(kv, "__archiveUrl="); ok {
			if dec, err := url.QueryUnescape(v); err == nil {
				return dec
			}
			return ""
		}
	}
	return ""
}
