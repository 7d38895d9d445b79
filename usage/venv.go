package usage

import (
	"io/fs"
	"strings"

	"github.com/vouchdev/vouch/purl"
)

// maxDists bounds how many installed distributions one virtual
// environment is read for, and maxDistModules how many modules one may
// provide.
const (
	maxDists       = 20_000
	maxDistModules = 256
)

// readVenvs reads which modules each distribution installed in the
// project's virtual environments provides, keyed by normalised name. It
// reads only the metadata files of site-packages (RECORD, else
// top_level.txt); nothing is imported or run.
func (j *judgement) readVenvs(venvs []string) map[string][]string {
	out := map[string][]string{}
	for _, v := range venvs {
		for _, site := range j.sitePackages(v) {
			entries, err := fs.ReadDir(j.rd.fsys, site)
			if err != nil {
				continue
			}
			n := 0
			for _, e := range entries {
				name := e.Name()
				isDist := strings.HasSuffix(name, ".dist-info")
				if !e.IsDir() || !isDist && !strings.HasSuffix(name, ".egg-info") {
					continue
				}
				if n++; n > maxDists {
					break
				}
				dist, _, _ := strings.Cut(name, "-")
				dist = strings.TrimSuffix(strings.TrimSuffix(dist, ".dist-info"), ".egg-info")
				norm := purl.NormalizePyPI(dist)
				var mods []string
				if isDist {
					if data, err := j.rd.read(site + "/" + name + "/RECORD"); err == nil {
						mods = recordModules(string(data))
					}
				}
				if len(mods) == 0 {
					if data, err := j.rd.read(site + "/" + name + "/top_level.txt"); err == nil {
						for line := range strings.Lines(string(data)) {
							if m := strings.TrimSpace(line); isDottedName(m) && len(mods) < maxDistModules {
								mods = append(mods, strings.ReplaceAll(m, "/", "."))
							}
						}
					}
				}
				if len(mods) > 0 && out[norm] == nil {
					out[norm] = mods
				}
			}
		}
	}
	return out
}

// sitePackages returns the site-packages directories of a virtual
// environment: lib/pythonX.Y/site-packages (POSIX, one per interpreter)
// and Lib/site-packages (Windows).
func (j *judgement) sitePackages(venv string) []string {
	var out []string
	if entries, err := fs.ReadDir(j.rd.fsys, venv+"/lib"); err == nil {
		for _, e := range entries {
			if e.IsDir() && (strings.HasPrefix(e.Name(), "python") || strings.HasPrefix(e.Name(), "pypy")) {
				out = append(out, venv+"/lib/"+e.Name()+"/site-packages")
			}
		}
	}
	if st, err := fs.Stat(j.rd.fsys, venv+"/Lib/site-packages"); err == nil && st.IsDir() {
		out = append(out, venv+"/Lib/site-packages")
	}
	return out
}

// recordModules returns the importable top-level modules a dist-info
// RECORD lists: "six.py" gives six, "yaml/__init__.py" gives yaml, and a
// namespace package without __init__.py is followed down to the first
// directory that has one ("google/protobuf/__init__.py" gives
// google.protobuf, not the shared "google").
func recordModules(record string) []string {
	var files []string
	inits := map[string]bool{}
	for line := range strings.Lines(record) {
		p := strings.TrimSpace(line)
		if strings.HasPrefix(p, `"`) {
			p = strings.TrimPrefix(p, `"`)
			p, _, _ = strings.Cut(p, `"`)
		} else {
			p, _, _ = strings.Cut(p, ",")
		}
		if p == "" || strings.HasPrefix(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, "__pycache__") {
			continue
		}
		first, _, _ := strings.Cut(p, "/")
		if strings.HasSuffix(first, ".dist-info") || strings.HasSuffix(first, ".data") || strings.HasSuffix(first, ".egg-info") {
			continue
		}
		if !(strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".so") || strings.HasSuffix(p, ".pyd") || strings.HasSuffix(p, ".pyi")) {
			continue
		}
		if base := p[strings.LastIndexByte(p, '/')+1:]; strings.HasPrefix(base, "__init__.") {
			inits[p[:max(0, strings.LastIndexByte(p, '/'))]] = true
		}
		files = append(files, p)
	}
	var mods []string
	seen := map[string]bool{}
	addMod := func(m string) {
		if m != "" && !seen[m] && isDottedName(m) && len(mods) < maxDistModules {
			seen[m] = true
			mods = append(mods, m)
		}
	}
	for _, p := range files {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			// A top-level module file; an extension's name ends at
			// its first dot ("_yaml.cpython-312-x86_64-linux-gnu.so").
			stem, _, _ := strings.Cut(p, ".")
			addMod(stem)
			continue
		}
		parts := strings.Split(p[:i], "/")
		mod := strings.Join(parts, ".")
		for k := 1; k <= len(parts); k++ {
			if inits[strings.Join(parts[:k], "/")] {
				mod = strings.Join(parts[:k], ".")
				break
			}
		}
		addMod(mod)
	}
	return mods
}
