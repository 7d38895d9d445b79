package image

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchdev/vouch/extract"
)

// candidate is an image found in the archive, before the platform choice.
type candidate struct {
	img      *Image   // nil for a platform whose blobs are not in the archive
	platform Platform // the image's, or the descriptor's when img is nil
	group    string   // candidates of one group are platforms of one image
}

func (a *Archive) readImages(ctx context.Context, want *Platform, all bool) error {
	var (
		cands []candidate
		err   error
	)
	if a.Format == FormatDockerArchive {
		cands, err = a.dockerCandidates(ctx)
	} else {
		cands, err = a.ociCandidates(ctx)
	}
	if err != nil {
		return err
	}
	images := choose(cands, want, all)
	if len(images) == 0 {
		if want != nil {
			var have []string
			for _, c := range cands {
				have = append(have, c.platform.String())
			}
			return a.errorf("", "no image for platform %s (the archive has %s)", want, strings.Join(slices.Compact(have), ", "))
		}
		return a.errorf("", "no image in the archive")
	}
	if len(images) > a.lim.MaxImages {
		return a.errorf("", "%w: %d images, limit %d", extract.ErrTooLarge, len(images), a.lim.MaxImages)
	}
	a.Images = images
	a.uses = map[string]int{}
	for _, im := range images {
		for _, b := range im.blobs() {
			a.uses[b]++
		}
	}
	return nil
}

// blobs returns the distinct layer blobs of the image.
func (im *Image) blobs() []string {
	var out []string
	for _, r := range im.refs {
		if !slices.Contains(out, r.blob) {
			out = append(out, r.blob)
		}
	}
	return out
}

// choose picks the images to read: in each group, the platform asked for,
// or all of them, or the preferred one; then one image per ID, the
// references of repeats added to the first.
func choose(cands []candidate, want *Platform, all bool) []*Image {
	var order []string
	groups := map[string][]candidate{}
	for _, c := range cands {
		if _, ok := groups[c.group]; !ok {
			order = append(order, c.group)
		}
		groups[c.group] = append(groups[c.group], c)
	}
	var chosen []*Image
	for _, g := range order {
		var avail []*Image
		for _, c := range groups[g] {
			if c.img != nil {
				avail = append(avail, c.img)
			}
		}
		var picked []*Image
		switch {
		case all:
			picked = avail
		case want != nil:
			for _, im := range avail {
				if im.Platform.matches(*want) {
					picked = []*Image{im}
					break
				}
			}
		case len(avail) > 0:
			picked = []*Image{avail[0]}
		pref:
			for _, p := range preferred() {
				for _, im := range avail {
					if im.Platform.matches(p) {
						picked = []*Image{im}
						break pref
					}
				}
			}
		}
		for _, im := range picked {
			for _, c := range groups[g] {
				if c.img == im || slices.Contains(picked, c.img) && c.img != nil {
					continue
				}
				if p := c.platform; p != im.Platform && !slices.Contains(im.OtherPlatforms, p) {
					im.OtherPlatforms = append(im.OtherPlatforms, p)
				}
			}
		}
		chosen = append(chosen, picked...)
	}
	var out []*Image
	byID := map[string]*Image{}
	for _, im := range chosen {
		if first, ok := byID[im.ID]; ok {
			for _, t := range im.RepoTags {
				if !slices.Contains(first.RepoTags, t) {
					first.RepoTags = append(first.RepoTags, t)
				}
			}
			if first.ManifestDigest == "" {
				first.ManifestDigest = im.ManifestDigest
			}
			continue
		}
		byID[im.ID] = im
		out = append(out, im)
	}
	return out
}

// dockerCandidates reads a docker save manifest.json and the configs it
// names.
func (a *Archive) dockerCandidates(ctx context.Context) ([]candidate, error) {
	data, _, err := a.readBlob("manifest.json", "")
	if err != nil {
		return nil, err
	}
	entries, err := parseDockerManifest(data, a.lim)
	if err != nil {
		return nil, a.docError("manifest.json", data, err)
	}
	if len(entries) > a.lim.MaxImages {
		return nil, a.errorf("manifest.json", "%w: %d images, limit %d", extract.ErrTooLarge, len(entries), a.lim.MaxImages)
	}
	// Docker 25+ writes an OCI index beside manifest.json: the image
	// manifests there give each image its manifest digest.
	manifests := a.manifestDigests(ctx)
	var cands []candidate
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := cleanArchivePath(e.Config)
		want := digestOfPath(name)
		if hex, ok := strings.CutSuffix(name, ".json"); ok && want == "" && checkDigest("sha256:"+hex) == nil {
			want = "sha256:" + hex // Docker 24 names the config by its digest
		}
		cfgData, id, err := a.readBlob(name, want)
		if err != nil {
			return nil, err
		}
		cfg, err := parseConfig(cfgData, a.lim)
		if err != nil {
			return nil, a.docError(name, cfgData, err)
		}
		if len(e.Layers) != len(cfg.RootFS.DiffIDs) {
			return nil, a.errorf("manifest.json", "image %d: %d layers, its config %d", i+1, len(e.Layers), len(cfg.RootFS.DiffIDs))
		}
		refs := make([]layerRef, len(e.Layers))
		for j, l := range e.Layers {
			blob := cleanArchivePath(l)
			refs[j] = layerRef{blob: blob, digest: digestOfPath(blob), diffID: cfg.RootFS.DiffIDs[j]}
		}
		im := newImage(cfg, id, refs, nil)
		im.RepoTags = cleanRefs(e.RepoTags)
		im.ManifestDigest = manifests[id]
		group := "#" + strconv.Itoa(i)
		if len(im.RepoTags) > 0 {
			tags := slices.Clone(im.RepoTags)
			slices.Sort(tags)
			group = strings.Join(tags, ",")
		}
		cands = append(cands, candidate{img: im, platform: im.Platform, group: group})
	}
	return cands, nil
}

// manifestDigests maps config digests to the digests of the image
// manifests an archive's index.json leads to. It is a best effort: docker
// load does not read index.json, so neither does anything else here.
func (a *Archive) manifestDigests(ctx context.Context) map[string]string {
	out := map[string]string{}
	if !a.src.has("index.json") {
		return out
	}
	data, _, err := a.readBlob("index.json", "")
	if err != nil {
		return out
	}
	idx, err := parseIndex(data)
	if err != nil {
		return out
	}
	var visit func(ds []descriptor, depth int)
	visit = func(ds []descriptor, depth int) {
		for _, d := range ds {
			if ctx.Err() != nil || depth > maxIndexDepth || !isImageDescriptor(d) || !a.src.has(blobPath(d.Digest)) {
				continue
			}
			data, _, err := a.readBlob(blobPath(d.Digest), d.Digest)
			if err != nil {
				continue
			}
			m, err := parseManifest(data, a.lim)
			if err != nil {
				continue
			}
			if len(m.Manifests) > 0 {
				visit(m.Manifests, depth+1)
				continue
			}
			if _, ok := out[m.Config.Digest]; !ok {
				out[m.Config.Digest] = d.Digest
			}
		}
	}
	visit(idx.Manifests, 1)
	return out
}

// ociCandidates reads an OCI layout's index.json and what it leads to.
func (a *Archive) ociCandidates(ctx context.Context) ([]candidate, error) {
	data, _, err := a.readBlob("index.json", "")
	if err != nil {
		return nil, err
	}
	idx, err := parseIndex(data)
	if err != nil {
		return nil, a.docError("index.json", data, err)
	}
	var cands []candidate
	for i, d := range idx.Manifests {
		if !isImageDescriptor(d) {
			continue
		}
		refs, refName := namesOf(d.Annotations)
		// An index.json listing platforms under no name lists the
		// platforms of one image (BuildKit's OCI exporter writes that).
		group := "#" + strconv.Itoa(i)
		switch {
		case len(refs) > 0:
			group = refs[0]
		case refName != "":
			group = refName
		case d.Platform != nil:
			group = "#platforms"
		}
		err := a.descend(ctx, d, 1, func(c candidate) {
			c.group = group
			if c.img != nil {
				c.img.RepoTags, c.img.RefName = refs, refName
			}
			cands = append(cands, c)
		})
		if err != nil {
			return nil, err
		}
	}
	return cands, nil
}

// descend reads the manifest or index d points at and emits the images it
// leads to.
func (a *Archive) descend(ctx context.Context, d descriptor, depth int, emit func(candidate)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := blobPath(d.Digest)
	if depth > maxIndexDepth {
		return a.errorf(name, "indexes nested deeper than %d", maxIndexDepth)
	}
	if !a.src.has(name) {
		// A platform left out when the image was saved.
		if d.Platform != nil {
			emit(candidate{platform: *d.Platform})
		}
		return nil
	}
	data, _, err := a.readBlob(name, d.Digest)
	if err != nil {
		return err
	}
	if d.Size > 0 && int64(len(data)) != d.Size {
		return a.errorf(name, "%d bytes, the descriptor says %d", len(data), d.Size)
	}
	if isIndex(d) {
		idx, err := parseIndex(data)
		if err != nil {
			return a.docError(name, data, err)
		}
		return a.descendAll(ctx, idx.Manifests, depth, emit)
	}
	m, err := parseManifest(data, a.lim)
	if err != nil {
		return a.docError(name, data, err)
	}
	if len(m.Manifests) > 0 {
		// An index whose descriptor did not say so.
		idx, err := parseIndex(data)
		if err != nil {
			return a.docError(name, data, err)
		}
		return a.descendAll(ctx, idx.Manifests, depth, emit)
	}
	switch m.Config.MediaType {
	case "", "application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json":
	default:
		return nil // an artifact (a signature, a chart), not an image
	}
	cfgName := blobPath(m.Config.Digest)
	cfgData, id, err := a.readBlob(cfgName, m.Config.Digest)
	if err != nil {
		return err
	}
	cfg, err := parseConfig(cfgData, a.lim)
	if err != nil {
		return a.docError(cfgName, cfgData, err)
	}
	if len(m.Layers) != len(cfg.RootFS.DiffIDs) {
		return a.errorf(name, "%d layers, its config %d", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	refs := make([]layerRef, len(m.Layers))
	for j, l := range m.Layers {
		refs[j] = layerRef{blob: blobPath(l.Digest), digest: l.Digest, diffID: cfg.RootFS.DiffIDs[j]}
	}
	// Platforms count with the images: 16 of each is far above real ones.
	if a.found++; a.found > 16*a.lim.MaxImages {
		return a.errorf("index.json", "%w: more than %d image manifests", extract.ErrTooLarge, 16*a.lim.MaxImages)
	}
	im := newImage(cfg, id, refs, m.Layers)
	im.ManifestDigest = d.Digest
	if im.Platform.OS == "" && d.Platform != nil {
		im.Platform = *d.Platform
	}
	emit(candidate{img: im, platform: im.Platform})
	return nil
}

func (a *Archive) descendAll(ctx context.Context, ds []descriptor, depth int, emit func(candidate)) error {
	for _, c := range ds {
		if !isImageDescriptor(c) {
			continue
		}
		if err := a.descend(ctx, c, depth+1, emit); err != nil {
			return err
		}
	}
	return nil
}

// docError locates a decoding error in a JSON document; other errors name
// the document only.
func (a *Archive) docError(name string, data []byte, err error) *extract.Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) {
		return extract.JSONError(a.path(name), data, err)
	}
	return a.errorf(name, "%w", err)
}

// namesOf reads an OCI index entry's names: the full references
// (containerd's image name, or a ref.name that is one) and a ref.name
// that is a tag alone.
func namesOf(ann map[string]string) (refs []string, refName string) {
	if n := ann[annotationImageName]; n != "" {
		refs = append(refs, n)
	}
	if n := ann[annotationRefName]; n != "" {
		if strings.ContainsAny(n, "/:@") {
			if !slices.Contains(refs, n) {
				refs = append(refs, n)
			}
		} else {
			refName = n
		}
	}
	return cleanRefs(refs), refName
}
