package image

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/vouchdev/vouch/inventory"
)

// Bounds on what an image's metadata adds to the root.
const (
	maxRefs        = 64
	maxRefLength   = 512
	maxLabels      = 256
	maxLabelKey    = 256
	maxValueLength = 4 << 10
)

// cleanRefs keeps the references of reasonable length, at most maxRefs.
func cleanRefs(refs []string) []string {
	var out []string
	for _, r := range refs {
		if r != "" && len(r) <= maxRefLength && !strings.ContainsAny(r, ", \t\n") && len(out) < maxRefs {
			out = append(out, r)
		}
	}
	return out
}

// newImage describes an image from its config and layers.
func newImage(cfg *configDoc, id string, refs []layerRef, descs []descriptor) *Image {
	im := &Image{
		ID:       id,
		Platform: Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant},
		Created:  cut(cfg.Created, 64),
		Labels:   cfg.Config.Labels,
		refs:     refs,
	}
	createdBy := history(cfg, len(refs))
	for i, r := range refs {
		l := Layer{Index: i, DiffID: r.diffID, Digest: r.digest}
		if i < len(descs) {
			l.MediaType = cut(descs[i].MediaType, 256)
		}
		if createdBy != nil {
			l.CreatedBy = createdBy[i]
		}
		im.Layers = append(im.Layers, l)
	}
	return im
}

// history returns the history line of each layer, or nil when the history
// does not account for every layer (entries marked empty_layer made none).
func history(cfg *configDoc, layers int) []string {
	var out []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			out = append(out, cut(redactBuildArgs(h.CreatedBy), maxValueLength))
		}
	}
	if len(out) != layers {
		return nil
	}
	return out
}

// redactBuildArgs replaces the values of the build arguments Docker and
// BuildKit write before a RUN command ("|2 A=1 B=2 /bin/sh -c make",
// BuildKit prefixing "RUN ") with "***". Values are not quoted there, so
// when one holds a space the words cannot be told apart: then everything
// up to the shell ("/bin/sh -c") is replaced, or all of it when there is
// none.
func redactBuildArgs(s string) string {
	prefix, rest := "", s
	if r, ok := strings.CutPrefix(s, "RUN "); ok {
		prefix, rest = "RUN ", r
	}
	r, ok := strings.CutPrefix(rest, "|")
	if !ok {
		return s
	}
	num, args, _ := strings.Cut(r, " ")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(prefix + "|" + num)
	for range n {
		var tok string
		tok, args, _ = strings.Cut(args, " ")
		key, _, ok := strings.Cut(tok, "=")
		if !ok || key == "" {
			if _, cmd, ok := strings.Cut(rest, " /bin/sh -c "); ok {
				return prefix + "|" + num + " *** /bin/sh -c " + cmd
			}
			return prefix + "|" + num + " ***"
		}
		b.WriteString(" " + key + "=***")
	}
	if args != "" {
		b.WriteString(" " + args)
	}
	return b.String()
}

// cut shortens s to at most n bytes, on a character boundary, marking the
// cut with "…".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Root describes the image as an inventory root with the given ID. The
// properties are listed in the package documentation.
func (im *Image) Root(id string) inventory.Root {
	props := map[string]string{
		"image_id": im.ID,
		"layers":   strconv.Itoa(len(im.Layers)),
	}
	set := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	set("manifest_digest", im.ManifestDigest)
	set("repo_tags", strings.Join(im.RepoTags, ","))
	set("os", cut(im.Platform.OS, 64))
	set("architecture", cut(im.Platform.Architecture, 64))
	set("variant", cut(im.Platform.Variant, 64))
	set("created", im.Created)
	set("base_image", cut(im.Labels[labelBaseName], maxRefLength))
	set("base_image_digest", cut(im.Labels[labelBaseDigest], maxRefLength))
	var others []string
	for _, p := range im.OtherPlatforms {
		others = append(others, cut(p.String(), 64))
	}
	set("other_platforms", strings.Join(others, ","))
	for _, l := range im.Layers {
		props["layer:"+strconv.Itoa(l.Index)] = l.DiffID
		set("created_by:"+strconv.Itoa(l.Index), l.CreatedBy)
	}
	keys := make([]string, 0, len(im.Labels))
	for k := range im.Labels {
		if k != "" && len(k) <= maxLabelKey {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys[:min(len(keys), maxLabels)] {
		props["label:"+k] = cut(im.Labels[k], maxValueLength)
	}
	r := inventory.Root{ID: id, Kind: inventory.KindImage, Properties: props}
	if len(im.RepoTags) > 0 {
		repo, tag := splitRef(im.RepoTags[0])
		r.Name, r.Version = repo, tag
		r.PURL = ociPURL(repo, tag, im)
	} else {
		r.Version = im.RefName
	}
	return r
}

// splitRef splits a reference into repository and tag ("" when it has
// none); a digest after "@" is dropped.
func splitRef(ref string) (repo, tag string) {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

// ociPURL builds the image's package URL as the purl spec's oci type
// writes it: the last element of the repository as the name, the manifest
// digest as the version, the full repository ("docker.io/library/debian"
// for Docker Hub's familiar "debian") as repository_url.
func ociPURL(repo, tag string, im *Image) string {
	full := strings.ToLower(repo)
	first, _, hasSlash := strings.Cut(full, "/")
	switch {
	case !hasSlash:
		full = "docker.io/library/" + full
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		full = "docker.io/" + full
	}
	name := full[strings.LastIndexByte(full, '/')+1:]
	q := packageurl.QualifiersFromMap(map[string]string{"repository_url": full})
	if tag != "" {
		q = append(q, packageurl.Qualifier{Key: "tag", Value: tag})
	}
	if im.Platform.Architecture != "" {
		q = append(q, packageurl.Qualifier{Key: "arch", Value: im.Platform.Architecture})
	}
	slices.SortFunc(q, func(x, y packageurl.Qualifier) int { return strings.Compare(x.Key, y.Key) })
	return packageurl.NewPackageURL(packageurl.TypeOCI, "", name, im.ManifestDigest, q, "").ToString()
}
