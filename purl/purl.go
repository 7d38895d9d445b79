// Package purl builds and reads Package URLs. It is the one place that maps
// OSV ecosystem names to PURL types and splits package names into PURL
// namespace and name, so every extractor produces the same identity for
// the same package.
package purl

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// Ecosystem names, as OSV spells them.
const (
	NPM       = "npm"
	Go        = "Go"
	PyPI      = "PyPI"
	Debian    = "Debian"
	Ubuntu    = "Ubuntu"
	Alpine    = "Alpine"
	CratesIO  = "crates.io"
	Maven     = "Maven"
	RubyGems  = "RubyGems"
	Packagist = "Packagist"
	NuGet     = "NuGet"
	RedHat    = "Red Hat"
	Actions   = "GitHub Actions"

	// Docker is not an OSV ecosystem: it names container images by
	// reference ("ghcr.io/acme/tool"), as workflows pull them with
	// "docker://". No advisory source covers it, so no record ever
	// matches one; the images are components so that they are listed and
	// a policy can ask for them to be pinned by digest.
	Docker = "Docker"

	// RPM-based distributions with their own OSV ecosystem. Red Hat stands
	// for the family as a whole where a distribution has none (Fedora,
	// CentOS, Amazon Linux, Oracle Linux).
	RockyLinux = "Rocky Linux"
	AlmaLinux  = "AlmaLinux"
	OpenSUSE   = "openSUSE"
	SUSE       = "SUSE"
	OpenEuler  = "openEuler"
	Mageia     = "Mageia"
	AzureLinux = "Azure Linux"
	PhotonOS   = "Photon OS"
)

// types maps an ecosystem (without its ":release" suffix) to a PURL type.
var types = map[string]string{
	NPM:       packageurl.TypeNPM,
	Go:        packageurl.TypeGolang,
	PyPI:      packageurl.TypePyPi,
	Debian:    packageurl.TypeDebian,
	Ubuntu:    packageurl.TypeDebian,
	Alpine:    packageurl.TypeApk,
	CratesIO:  packageurl.TypeCargo,
	Maven:     packageurl.TypeMaven,
	RubyGems:  packageurl.TypeGem,
	Packagist: packageurl.TypeComposer,
	NuGet:     packageurl.TypeNuget,
	RedHat:    packageurl.TypeRPM,
	Actions:   packageurl.TypeGithub,
	Docker:    packageurl.TypeDocker,

	RockyLinux: packageurl.TypeRPM,
	AlmaLinux:  packageurl.TypeRPM,
	OpenSUSE:   packageurl.TypeRPM,
	SUSE:       packageurl.TypeRPM,
	OpenEuler:  packageurl.TypeRPM,
	Mageia:     packageurl.TypeRPM,
	AzureLinux: packageurl.TypeRPM,
	PhotonOS:   packageurl.TypeRPM,
}

// rpmVendors maps the RPM ecosystems to the PURL namespace, the vendor.
var rpmVendors = map[string]string{
	RedHat:     "redhat",
	RockyLinux: "rocky",
	AlmaLinux:  "almalinux",
	OpenSUSE:   "opensuse",
	SUSE:       "suse",
	OpenEuler:  "openeuler",
	Mageia:     "mageia",
	AzureLinux: "azurelinux",
	PhotonOS:   "photon",
}

// rpmMajorRelease lists the RPM ecosystems whose OSV release is the major
// version alone ("Rocky Linux:9"), which the distro qualifier's version
// ("rocky-9.3") gives back.
var rpmMajorRelease = map[string]bool{RockyLinux: true, AlmaLinux: true, AzureLinux: true}

// rpmVendor returns the vendor of an RPM distribution from the os-release
// ID at the start of a distro qualifier ("fedora-40" → "fedora",
// "rhel-9.4" → "redhat", "opensuse-leap-15.5" → "opensuse", CBL-Mariner's
// "mariner-2.0" → "azurelinux", its later name), or "" for an empty one.
func rpmVendor(distro string) string {
	id := strings.ToLower(distro)
	if i := strings.LastIndexByte(id, '-'); i >= 0 && i+1 < len(id) && id[i+1] >= '0' && id[i+1] <= '9' {
		id = id[:i]
	}
	switch {
	case id == "rhel":
		return "redhat"
	case id == "ol":
		return "oracle"
	case id == "mariner":
		return "azurelinux"
	case strings.HasPrefix(id, "opensuse"):
		return "opensuse"
	case strings.HasPrefix(id, "sle"), id == "suse":
		return "suse"
	}
	return id
}

// rpmEcosystem returns the RPM ecosystem of a vendor, Red Hat for one
// without its own.
func rpmEcosystem(vendor string) string {
	for eco, v := range rpmVendors {
		if v == vendor {
			return eco
		}
	}
	return RedHat
}

// Type returns the PURL type of an OSV ecosystem ("Debian:12" → "deb"), or
// "generic" for one it does not know.
func Type(ecosystem string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	if t, ok := types[base]; ok {
		return t
	}
	return packageurl.TypeGeneric
}

// HasAdvisories reports whether advisory databases can name packages of
// an ecosystem: false for Docker, the one ecosystem here that is not
// OSV's, so that a matcher reports its components as not checked rather
// than asking a database for records it cannot have.
func HasAdvisories(ecosystem string) bool {
	base, _, _ := strings.Cut(ecosystem, ":")
	return base != "" && base != Docker
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// NormalizePyPI returns a Python distribution name as PEP 503 normalises it:
// lower case, with each run of "-", "_" and "." replaced by one "-".
func NormalizePyPI(name string) string {
	return pep503.ReplaceAllString(strings.ToLower(name), "-")
}

// For returns the canonical PURL of package name at version in ecosystem.
// Names are given as the ecosystem writes them ("@babel/core",
// "github.com/spf13/cobra", "org.apache.logging.log4j:log4j-core") and split
// into namespace and name here. Qualifiers may be nil. For Debian, Ubuntu
// and Alpine the release in the ecosystem ("Debian:12") becomes the
// "distro" qualifier unless one is given; so does it for Rocky Linux,
// AlmaLinux and Azure Linux ("Rocky Linux:9" → "rocky-9"). For RPM ecosystems the namespace
// is the vendor: the one of the distribution the "distro" qualifier names
// ("fedora-40" → fedora, "rhel-9.4" → redhat, "ol-8.9" → oracle), else
// the ecosystem's ("Rocky Linux" → rocky). For Docker the registry host
// of an image ("ghcr.io" of "ghcr.io/acme/tool") becomes the
// "repository_url" qualifier unless one is given, and the rest is the
// namespace and name, as the PURL spec's docker examples write them.
func For(ecosystem, name, version string, qualifiers map[string]string) string {
	base, release, _ := strings.Cut(ecosystem, ":")
	typ := Type(ecosystem)
	var ns string
	switch base {
	case NPM, Go, Packagist:
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case Maven:
		if g, a, ok := strings.Cut(name, ":"); ok {
			ns, name = g, a
		}
	case PyPI:
		name = NormalizePyPI(name)
	case Debian, Ubuntu, Alpine:
		ns = strings.ToLower(base)
		if release != "" && qualifiers["distro"] == "" {
			q := make(map[string]string, len(qualifiers)+1)
			for k, v := range qualifiers {
				q[k] = v
			}
			q["distro"] = ns + "-" + strings.TrimPrefix(release, "v")
			qualifiers = q
		}
	case RedHat, RockyLinux, AlmaLinux, OpenSUSE, SUSE, OpenEuler, Mageia, AzureLinux, PhotonOS:
		ns = rpmVendors[base]
		if release != "" && rpmMajorRelease[base] && qualifiers["distro"] == "" {
			q := make(map[string]string, len(qualifiers)+1)
			for k, v := range qualifiers {
				q[k] = v
			}
			q["distro"] = ns + "-" + release
			qualifiers = q
		}
		if v := rpmVendor(qualifiers["distro"]); v != "" {
			ns = v
		}
	case Actions:
		// owner/repo/path/to/action: the PURL subpath carries the path.
		// GitHub owner and repository names are case-insensitive: the
		// PURL spec lower-cases them, so Actions/Checkout is actions/checkout.
		parts := strings.SplitN(name, "/", 3)
		if len(parts) >= 2 {
			ns, name = strings.ToLower(parts[0]), strings.ToLower(parts[1])
		}
		var sub string
		if len(parts) == 3 {
			sub = parts[2]
		}
		p := packageurl.NewPackageURL(typ, ns, name, version, qualifiersOf(qualifiers), sub)
		return p.ToString()
	case Docker:
		if registry, rest := splitRegistry(name); registry != "" && qualifiers["repository_url"] == "" {
			q := make(map[string]string, len(qualifiers)+1)
			for k, v := range qualifiers {
				q[k] = v
			}
			q["repository_url"] = registry
			qualifiers, name = q, rest
		}
		if i := strings.LastIndex(name, "/"); i >= 0 {
			ns, name = name[:i], name[i+1:]
		}
	case "":
		return ""
	}
	if typ == packageurl.TypeGeneric {
		ns = ""
	}
	p := packageurl.NewPackageURL(typ, ns, name, version, qualifiersOf(qualifiers), "")
	return p.ToString()
}

// splitRegistry cuts the registry host off an image name, as Docker
// tells one: the first of several path elements when it has a "." or a
// ":" (a domain, a port) or is "localhost". registry is "" for an image
// of the default registry (Docker Hub).
func splitRegistry(name string) (registry, rest string) {
	first, rest, ok := strings.Cut(name, "/")
	if !ok || !strings.ContainsAny(first, ".:") && first != "localhost" {
		return "", name
	}
	return first, rest
}

func qualifiersOf(m map[string]string) packageurl.Qualifiers {
	var q packageurl.Qualifiers
	for k, v := range m {
		if v != "" {
			q = append(q, packageurl.Qualifier{Key: k, Value: v})
		}
	}
	// Canonical form sorts qualifiers by key.
	for i := 1; i < len(q); i++ {
		for j := i; j > 0 && q[j].Key < q[j-1].Key; j-- {
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
	return q
}

// Package is a parsed PURL with the ecosystem view of it.
type Package struct {
	// Ecosystem is the OSV ecosystem, with the release for OS packages
	// ("Debian:12") when the distro qualifier says it.
	Ecosystem string
	// Name is the package name as the ecosystem writes it.
	Name       string
	Version    string
	Qualifiers map[string]string
	Subpath    string
}

// Parse reads a PURL. The ecosystem is empty for types vouch does not map.
func Parse(s string) (Package, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return Package{}, fmt.Errorf("purl %q: %w", s, err)
	}
	pkg := Package{Version: p.Version, Qualifiers: p.Qualifiers.Map(), Subpath: p.Subpath, Name: p.Name}
	switch p.Type {
	case packageurl.TypeNPM:
		pkg.Ecosystem = NPM
		pkg.Name = join(p.Namespace, "/", p.Name)
	case packageurl.TypeGolang:
		pkg.Ecosystem = Go
		pkg.Name = join(p.Namespace, "/", p.Name)
	case packageurl.TypePyPi:
		pkg.Ecosystem = PyPI
		pkg.Name = NormalizePyPI(p.Name)
	case packageurl.TypeMaven:
		pkg.Ecosystem = Maven
		pkg.Name = join(p.Namespace, ":", p.Name)
	case packageurl.TypeComposer:
		pkg.Ecosystem = Packagist
		pkg.Name = join(p.Namespace, "/", p.Name)
	case packageurl.TypeCargo:
		pkg.Ecosystem = CratesIO
	case packageurl.TypeGem:
		pkg.Ecosystem = RubyGems
	case packageurl.TypeNuget:
		pkg.Ecosystem = NuGet
	case packageurl.TypeRPM:
		// The distribution the distro qualifier names decides, as it
		// decided the namespace; a vendor without an ecosystem of its own
		// (fedora, centos, amzn, oracle) is in the Red Hat family.
		vendor := rpmVendor(pkg.Qualifiers["distro"])
		if vendor == "" {
			vendor = strings.ToLower(p.Namespace)
		}
		pkg.Ecosystem = rpmEcosystem(vendor)
		if d := pkg.Qualifiers["distro"]; rpmMajorRelease[pkg.Ecosystem] && d != "" {
			if i := strings.LastIndexByte(d, '-'); i >= 0 && i+1 < len(d) {
				major, _, _ := strings.Cut(d[i+1:], ".")
				pkg.Ecosystem += ":" + major
			}
		}
	case packageurl.TypeGithub:
		pkg.Ecosystem = Actions
		// GitHub owner and repository names are case-insensitive; the
		// PURL type lower-cases them. The name is owner/repo, as OSV's
		// GitHub Actions advisories write it; an action's path inside the
		// repository (github/codeql-action/init) stays in Subpath.
		if p.Namespace == "" || strings.Contains(p.Namespace, "/") {
			return Package{}, fmt.Errorf("purl %q: a github PURL names one owner and one repository", s)
		}
		pkg.Name = strings.ToLower(join(p.Namespace, "/", p.Name))
	case packageurl.TypeDocker:
		// Name is the image as Docker names it without its registry,
		// which is in the "repository_url" qualifier; a registry written
		// into the namespace of a PURL without one moves there, as For
		// puts it.
		pkg.Ecosystem = Docker
		name := join(p.Namespace, "/", p.Name)
		if slices.Contains(strings.Split(name, "/"), "") {
			return Package{}, fmt.Errorf("purl %q: a docker PURL has an empty name part", s)
		}
		if registry, rest := splitRegistry(name); registry != "" && pkg.Qualifiers["repository_url"] == "" {
			pkg.Qualifiers["repository_url"] = registry
			name = rest
		}
		pkg.Name = name
	case packageurl.TypeDebian, packageurl.TypeApk:
		switch strings.ToLower(p.Namespace) {
		case "debian":
			pkg.Ecosystem = Debian
		case "ubuntu":
			pkg.Ecosystem = Ubuntu
		case "alpine":
			pkg.Ecosystem = Alpine
		}
		if pkg.Ecosystem != "" {
			if d := pkg.Qualifiers["distro"]; d != "" {
				rel := strings.TrimPrefix(d, strings.ToLower(pkg.Ecosystem)+"-")
				if rel != d {
					if pkg.Ecosystem == Alpine {
						rel = "v" + majorMinor(rel)
					}
					pkg.Ecosystem += ":" + rel
				}
			}
		}
	}
	return pkg, nil
}

func join(a, sep, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + sep + b
}

// majorMinor cuts "3.19.1" to "3.19", as OSV names Alpine releases.
func majorMinor(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}
