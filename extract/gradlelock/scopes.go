package gradlelock

import (
	"bytes"
	"context"
	"io/fs"
	"slices"
	"strings"

	"github.com/vouchdev/vouch/extract"
	"github.com/vouchdev/vouch/inventory"
)

const (
	// maxProjects bounds the projects of a build whose lockfiles
	// BuildScopes reads.
	maxProjects = 1000
	// maxLockfiles bounds the lockfiles it reads in all.
	maxLockfiles = 4000
	// maxCompanionLockfile bounds one of them.
	maxCompanionLockfile = 64 << 20
)

// scopeRank orders the scopes this package gives, most needed at run time
// first, as the inventory merges them.
func scopeRank(s inventory.Scope) int {
	switch s {
	case inventory.ScopeRuntime:
		return 0
	case inventory.ScopeBuild:
		return 1
	}
	return 2
}

// BuildScopes reads the lockfiles of the Gradle build whose root directory
// is dir in fsys: those of the root project and of each project its
// settings script includes (include("a", ":b:c"), at their default
// directories), in both forms. It returns the scope each locked module
// ("group:name:version") gets, the most run-time one where several
// lockfiles lock it, and the lockfiles read. Files that cannot be read
// are skipped: their own extraction reports them.
func BuildScopes(ctx context.Context, fsys fs.FS, dir string) (map[string]inventory.Scope, []string) {
	if fsys == nil {
		return nil, nil
	}
	projects := []string{dir}
	for _, name := range []string{"settings.gradle.kts", "settings.gradle"} {
		p, ok := extract.Join(dir, name)
		if !ok {
			continue
		}
		if src, ok := readCompanion(fsys, p, maxScriptSize); ok {
			for _, inc := range includes(lex(src)) {
				if q, ok := extract.Join(dir, inc); ok && !slices.Contains(projects, q) {
					projects = append(projects, q)
				}
			}
			break
		}
	}
	var files []string
	for _, proj := range projects {
		for _, name := range []string{lockfileName, buildscriptLockfileName} {
			if p, ok := extract.Join(proj, name); ok {
				files = append(files, p)
			}
		}
		legacy, ok := extract.Join(proj, legacyDir)
		if !ok {
			continue
		}
		entries, err := fs.ReadDir(fsys, legacy)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".lockfile") {
				files = append(files, legacy+"/"+e.Name())
			}
		}
	}
	scopes := map[string]inventory.Scope{}
	var read []string
	for _, p := range files {
		if ctx.Err() != nil || len(read) >= maxLockfiles {
			break
		}
		data, ok := readCompanion(fsys, p, maxCompanionLockfile)
		if !ok {
			continue
		}
		f, _ := kindOf(p)
		lf, _, err := Parse(ctx, &extract.Input{Path: p, Root: fsys, Reader: bytes.NewReader(data)})
		if err != nil {
			continue
		}
		read = append(read, p)
		for _, e := range lf.Entries {
			k := e.Group + ":" + e.Name + ":" + e.Version
			s := Scope(e.Configurations, f.buildscript)
			if old, ok := scopes[k]; !ok || scopeRank(s) < scopeRank(old) {
				scopes[k] = s
			}
		}
	}
	return scopes, read
}
