package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
)

// Media types of the documents an image is found through.
const (
	mediaOCIIndex       = "application/vnd.oci.image.index.v1+json"
	mediaOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

// Annotations read from an OCI index.
const (
	annotationRefName   = "org.opencontainers.image.ref.name"
	annotationImageName = "io.containerd.image.name"
	annotationRefType   = "vnd.docker.reference.type" // "attestation-manifest" in buildx indexes
	labelBaseName       = "org.opencontainers.image.base.name"
	labelBaseDigest     = "org.opencontainers.image.base.digest"
)

// descriptor points at a blob, as OCI indexes and manifests write it.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *Platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// indexDoc is an OCI image index (index.json, a multi-platform index) or a
// Docker manifest list.
type indexDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// manifestDoc is an OCI or Docker v2 image manifest. An index read where a
// manifest was expected has Manifests instead of Config.
type manifestDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
	Manifests     []descriptor `json:"manifests"`
}

// dockerEntry is one image of a docker save manifest.json.
type dockerEntry struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// configDoc is the part of an image config that is read. The environment,
// command and entry point are left out on purpose: they may hold secrets
// and say nothing about the image's components.
type configDoc struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant"`
	Created      string `json:"created"`
	Config       struct {
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []struct {
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer"`
	} `json:"history"`
}

// Bounds on what the documents may list: far above real images, low
// enough that a hostile document costs little.
const (
	maxIndexEntries = 4096 // manifests of one index
	maxIndexDepth   = 4    // indexes nested in index.json
	maxHistory      = 4096 // history entries of a config
)

var digestPattern = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

// checkDigest returns an error unless d is a sha256 or sha512 digest.
func checkDigest(d string) error {
	if !digestPattern.MatchString(d) {
		return fmt.Errorf("invalid digest %s", quote(d))
	}
	return nil
}

// blobPath is where an OCI layout keeps the blob of digest d.
func blobPath(d string) string {
	alg, hex, _ := strings.Cut(d, ":")
	return "blobs/" + alg + "/" + hex
}

// digestOfPath returns the digest a blob's path names ("blobs/sha256/<hex>"),
// or "" for a path that names none (Docker 24's "<id>/layer.tar").
func digestOfPath(p string) string {
	rest, ok := strings.CutPrefix(p, "blobs/")
	if !ok {
		return ""
	}
	alg, hex, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	if d := alg + ":" + hex; checkDigest(d) == nil {
		return d
	}
	return ""
}

// parseDockerManifest reads a docker save manifest.json.
func parseDockerManifest(data []byte, lim Limits) ([]dockerEntry, error) {
	var entries []dockerEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("no image listed")
	}
	if len(entries) > maxIndexEntries {
		return nil, fmt.Errorf("%d images listed, limit %d", len(entries), maxIndexEntries)
	}
	for i, e := range entries {
		if e.Config == "" || cleanArchivePath(e.Config) == "" {
			return nil, fmt.Errorf("image %d: no config", i+1)
		}
		if len(e.Layers) > lim.MaxLayers {
			return nil, fmt.Errorf("image %d: %d layers, limit %d", i+1, len(e.Layers), lim.MaxLayers)
		}
		for _, l := range e.Layers {
			if cleanArchivePath(l) == "" {
				return nil, fmt.Errorf("image %d: invalid layer path %s", i+1, quote(l))
			}
		}
	}
	return entries, nil
}

// parseIndex reads an OCI image index or a Docker manifest list.
func parseIndex(data []byte) (*indexDoc, error) {
	var idx indexDoc
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, err
	}
	if idx.SchemaVersion != 2 {
		return nil, fmt.Errorf("schemaVersion %d, want 2", idx.SchemaVersion)
	}
	if len(idx.Manifests) > maxIndexEntries {
		return nil, fmt.Errorf("%d manifests listed, limit %d", len(idx.Manifests), maxIndexEntries)
	}
	for i, d := range idx.Manifests {
		if err := checkDigest(d.Digest); err != nil {
			return nil, fmt.Errorf("manifest %d: %w", i+1, err)
		}
	}
	return &idx, nil
}

// parseManifest reads an image manifest.
func parseManifest(data []byte, lim Limits) (*manifestDoc, error) {
	var m manifestDoc
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m.SchemaVersion != 2 {
		return nil, fmt.Errorf("schemaVersion %d, want 2", m.SchemaVersion)
	}
	if len(m.Manifests) > 0 {
		return &m, nil
	}
	if err := checkDigest(m.Config.Digest); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(m.Layers) > lim.MaxLayers {
		return nil, fmt.Errorf("%d layers, limit %d", len(m.Layers), lim.MaxLayers)
	}
	for i, l := range m.Layers {
		if err := checkDigest(l.Digest); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i+1, err)
		}
	}
	return &m, nil
}

// parseConfig reads an image config.
func parseConfig(data []byte, lim Limits) (*configDoc, error) {
	var c configDoc
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	if len(c.RootFS.DiffIDs) > lim.MaxLayers {
		return nil, fmt.Errorf("%d layers, limit %d", len(c.RootFS.DiffIDs), lim.MaxLayers)
	}
	for i, d := range c.RootFS.DiffIDs {
		if err := checkDigest(d); err != nil {
			return nil, fmt.Errorf("rootfs.diff_ids %d: %w", i+1, err)
		}
	}
	if len(c.History) > maxHistory {
		return nil, fmt.Errorf("%d history entries, limit %d", len(c.History), maxHistory)
	}
	return &c, nil
}

// isIndex reports whether a descriptor points at an index rather than an
// image manifest.
func isIndex(d descriptor) bool {
	return d.MediaType == mediaOCIIndex || d.MediaType == mediaDockerList
}

// isImageDescriptor reports whether a descriptor of an index may point at
// an image: a manifest or an index, or no media type (read to see), but
// not an attestation or another artifact.
func isImageDescriptor(d descriptor) bool {
	if d.Annotations[annotationRefType] != "" {
		return false
	}
	switch d.MediaType {
	case "", mediaOCIIndex, mediaDockerList, mediaOCIManifest, mediaDockerManifest:
		return true
	}
	return false
}

// Platform is the operating system and CPU an image is built for.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

// String writes the platform as Docker's --platform flag does:
// "linux/arm64/v8", "linux/amd64".
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ParsePlatform reads "os/arch" or "os/arch/variant". Architecture names
// are normalised as containerd does ("x86_64" is "amd64", "aarch64" is
// "arm64").
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, fmt.Errorf("platform %q: want os/arch or os/arch/variant", s)
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p.normal(), nil
}

// normal returns p with the architecture and variant spelled one way, so
// platforms compare equal when containerd would match them.
func (p Platform) normal() Platform {
	p.OS = strings.ToLower(p.OS)
	p.Architecture = strings.ToLower(p.Architecture)
	p.Variant = strings.ToLower(p.Variant)
	switch p.Architecture {
	case "x86_64", "x86-64":
		p.Architecture = "amd64"
	case "aarch64":
		p.Architecture = "arm64"
	case "i386", "i686":
		p.Architecture = "386"
	case "armhf":
		p.Architecture, p.Variant = "arm", "v7"
	case "armel":
		p.Architecture, p.Variant = "arm", "v6"
	}
	if p.Architecture == "arm64" && p.Variant == "v8" {
		p.Variant = ""
	}
	if p.Architecture == "amd64" && p.Variant == "v1" {
		p.Variant = ""
	}
	return p
}

// matches reports whether an image for p runs where want is asked for: the
// same OS and architecture, and the same variant when want names one.
func (p Platform) matches(want Platform) bool {
	p, want = p.normal(), want.normal()
	return p.OS == want.OS && p.Architecture == want.Architecture && (want.Variant == "" || p.Variant == want.Variant)
}

// preferred are the platforms chosen, in order, among the platforms of one
// image when Options.Platform is empty: linux/amd64 first, whatever the
// host, so that a scan gives the same result on a laptop and in CI; then
// the host's architecture.
func preferred() []Platform {
	return []Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: runtime.GOARCH}}
}
