package registry

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/vouchdev/vouch/purl"
)

// Endpoints are the registry bases a Client asks, resolved from the
// ecosystems' own configuration. They never carry credentials; an empty
// field means the ecosystem is not configured.
type Endpoints struct {
	// NPM is the default npm registry, ending in "/".
	NPM string
	// GoProxy is the Go module proxy: the first URL of GOPROXY.
	GoProxy string
	// PyPI is the base of the PyPI JSON API (/pypi/NAME/VERSION/json);
	// empty when only a simple index is known (PyPISimple).
	PyPI string
	// Crates is the base of the crates.io web API (/api/v1/crates/...).
	Crates string
	// NPMScopes maps a scope ("@corp") to its registry, from
	// "@corp:registry=URL" in an .npmrc.
	NPMScopes map[string]string
	// GoPrivate holds the GONOPROXY (else GOPRIVATE) patterns: modules
	// matching them are not asked, as the go command would not ask.
	GoPrivate string
	// PyPISimple is the simple index (PEP 503/691), ending in "/", asked
	// when the JSON API has no answer.
	PyPISimple string
	// CratesIndex is a sparse registry index (ending in "/") whose
	// config.json names the web API, read at the first lookup; set when
	// crates-io is replaced by a mirror in a cargo configuration and Crates
	// is empty.
	CratesIndex string
}

func (e Endpoints) clone() Endpoints {
	e.NPMScopes = maps.Clone(e.NPMScopes)
	return e
}

// ConfigError says an ecosystem has no usable registry configuration, and
// how to give it one. It matches ErrNotConfigured.
type ConfigError struct {
	Ecosystem string // "npm", "Go", "PyPI" or "crates.io"
	Reason    string // what is missing or wrong
	Hint      string // how to configure it
}

// Error says what is wrong and how to fix it.
func (e *ConfigError) Error() string {
	msg := e.Ecosystem + " registry: " + e.Reason
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Is makes errors.Is(err, ErrNotConfigured) true.
func (e *ConfigError) Is(target error) bool { return target == ErrNotConfigured }

// Hints, one per ecosystem: every way to configure it.
var hints = map[string]string{
	purl.NPM:      "set registry=URL in the project's .npmrc or ~/.npmrc, or npm_config_registry, or pass --registry npm=URL",
	purl.Go:       "set GOPROXY in the environment or with `go env -w GOPROXY=URL`, or pass --registry Go=URL",
	purl.PyPI:     "set index-url in the [global] section of pip.conf, or PIP_INDEX_URL, or pass --registry PyPI=URL",
	purl.CratesIO: "set VOUCH_REGISTRY_CRATES to the registry's web API URL, replace crates-io with a sparse registry in .cargo/config.toml, or pass --registry crates.io=URL",
}

// credential is what to send to one registry host.
type credential struct {
	header string // the Authorization header value; never logged
	from   string // where it came from, for notes and 401/403 errors
}

// resolved is the outcome of configuration discovery.
type resolved struct {
	eps   Endpoints
	notes []string
	errs  map[string]error // ecosystem → *ConfigError
	// creds holds each ecosystem's credentials by npm "nerf dart"
	// (//host[:port]/path/): one ecosystem's never go to another's
	// requests, even on a shared host (an Artifactory serving npm and PyPI).
	creds     map[string]map[string]credential
	goPrivate string
	fatal     error // invalid Options
}

func (r *resolved) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *resolved) fail(eco, reason string) {
	if r.errs[eco] == nil {
		r.errs[eco] = &ConfigError{Ecosystem: eco, Reason: reason, Hint: hints[eco]}
	}
}

// ResolveEndpoints finds the registry of each ecosystem the way its own
// tool would, without running it, and says where each came from in notes
// (credentials by origin only, never by value). Options.Override wins over
// everything.
//
//   - npm: npm_config_registry from the environment, else registry= in the
//     project's .npmrc, the user's (~/.npmrc or npm_config_userconfig) and
//     the global one (npm_config_globalconfig, else npm_config_prefix or
//     PREFIX + /etc/npmrc), nearest first; "@scope:registry=" per scope.
//     Credentials ("//host/path/:_authToken", ":_auth", ":username" with
//     ":_password") have ${VAR} expanded from the environment and are sent
//     only to the host and path they are written for.
//   - Go: GOPROXY from the environment, else the GOENV file (GOENV, else
//     the user config directory's go/env), else the go.env of the Go
//     installation (GOROOT, else the go found on PATH), which is where the
//     go command keeps its default. The first entry that is a URL is used;
//     "direct" and "off" are skipped. GONOPROXY (else GOPRIVATE) names the
//     modules not asked.
//   - PyPI: PIP_INDEX_URL, else index-url of pip's configuration files
//     (PIP_CONFIG_FILE; $VIRTUAL_ENV/pip.conf, else the project's
//     .venv/pip.conf; ~/.config/pip/pip.conf and ~/.pip/pip.conf;
//     /etc/pip.conf and /etc/xdg/pip/pip.conf), [install] over [global]. An
//     index URL ending in /simple gives the JSON API base by dropping
//     /simple; credentials in the URL are sent to its host only.
//   - crates.io: VOUCH_REGISTRY_CRATES (the web API base), else a
//     `[source.crates-io] replace-with` in cargo configuration
//     (.cargo/config.toml of the project and its parents, then
//     CARGO_HOME/config.toml) naming a sparse registry, whose config.json
//     "api" is read at the first lookup.
//
// Where nothing is configured, the error holds a *ConfigError for that
// ecosystem saying how to configure it; the other ecosystems' endpoints are
// still returned. The error also reports an invalid Override.
func ResolveEndpoints(opt Options) (Endpoints, []string, error) {
	r := resolve(opt.withDefaults())
	var errs []error
	if r.fatal != nil {
		errs = append(errs, r.fatal)
	}
	for _, eco := range sortedKeys(r.errs) {
		errs = append(errs, r.errs[eco])
	}
	return r.eps.clone(), r.notes, errors.Join(errs...)
}

// resolve does the work of ResolveEndpoints for options with defaults.
func resolve(opt Options) *resolved {
	r := &resolved{errs: map[string]error{}, creds: map[string]map[string]credential{}}
	over := map[string]string{}
	// In key order, so that the errors of several bad overrides come in
	// the same order every time.
	for _, k := range slices.Sorted(maps.Keys(opt.Override)) {
		v := opt.Override[k]
		eco, ok := canonicalEcosystem(k)
		if !ok {
			r.fatal = errors.Join(r.fatal, fmt.Errorf("registry override %q: not an ecosystem (npm, Go, PyPI, crates.io)", k))
			continue
		}
		u, err := parseBase(v, eco == purl.Go)
		if err == nil && u.User != nil {
			err = errors.New("credentials do not belong in a flag: put them in the ecosystem's configuration or the environment")
		}
		if err != nil {
			r.fatal = errors.Join(r.fatal, fmt.Errorf("registry override %s=%s: %w", k, redact(v), err))
			continue
		}
		over[eco] = u.String()
	}

	resolveNPM(r, opt, over[purl.NPM])
	resolveGo(r, opt, over[purl.Go])
	resolvePyPI(r, opt, over[purl.PyPI])
	resolveCrates(r, opt, over[purl.CratesIO])
	return r
}

// parseBase parses a registry base URL: http or https with a host (file
// too when allowFile, for GOPROXY=file:///dir), no query or fragment.
func parseBase(s string, allowFile bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, errors.New("URL has no host")
		}
	case "file":
		if !allowFile || u.Path == "" {
			return nil, errors.New("file URLs serve only as GOPROXY")
		}
	default:
		return nil, fmt.Errorf("URL scheme %q is not http or https", u.Scheme)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("URL has a query or fragment")
	}
	return u, nil
}

// redact returns s with any password in it replaced, for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// addCred records a credential of eco unless one is already there.
func (r *resolved) addCred(eco, key string, c credential) bool {
	if r.creds[eco] == nil {
		r.creds[eco] = map[string]credential{}
	}
	if _, ok := r.creds[eco][key]; ok {
		return false
	}
	r.creds[eco][key] = c
	return true
}

// redactList is redact for each entry of a GOPROXY-style list.
func redactList(s string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' || s[i] == '|' {
			b.WriteString(redact(s[start:i]))
			if i < len(s) {
				b.WriteByte(s[i])
			}
			start = i + 1
		}
	}
	return b.String()
}

// takeUserinfo removes the credentials from u and, when there were some,
// records them as eco's for u's host (Basic authentication, as pip and the
// go command send them).
func (r *resolved) takeUserinfo(eco string, u *url.URL, from string) {
	if u.User == nil {
		return
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	u.User = nil
	key := "//" + u.Host + "/"
	ok := r.addCred(eco, key, credential{
		header: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)),
		from:   "the URL's user information in " + from,
	})
	if ok {
		r.note("%s: credentials for %s from the URL in %s", eco, key, from)
	}
}

// maxConfigSize bounds a configuration file read.
const maxConfigSize = 1 << 20

// readConfig returns a configuration file's bytes, nil when it does not
// exist. Other failures are noted and the file is skipped.
func (r *resolved) readConfig(path string) []byte {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.note("skipped %s: %v", path, err)
		}
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		r.note("skipped %s: %v", path, err)
		return nil
	}
	if len(data) > maxConfigSize {
		r.note("skipped %s: larger than %d bytes", path, maxConfigSize)
		return nil
	}
	return data
}

// envFirst returns the first non-empty variable of names, and its name.
func envFirst(getenv func(string) string, names ...string) (string, string) {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v, n
		}
	}
	return "", ""
}

// --- npm ---

// npmrcEntry is one key of an .npmrc.
type npmrcEntry struct {
	key, value string
	line       int
}

// parseNpmrc reads an .npmrc the way npm's ini parser does: "key=value"
// lines, ";" and "#" comments, quoted values, inline comments after an
// unquoted value. Keys inside [sections] and "key[]" arrays are not
// settings npm reads, so they are dropped.
func parseNpmrc(data []byte) []npmrcEntry {
	var out []npmrcEntry
	inSection := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == ';' || line[0] == '#' {
			continue
		}
		if line[0] == '[' && strings.HasSuffix(line, "]") {
			inSection = true
			continue
		}
		if inSection {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = unquoteIni(strings.TrimSpace(k))
		if !ok {
			v = "true"
		}
		v = unquoteIni(strings.TrimSpace(v))
		if k == "" || strings.HasSuffix(k, "[]") {
			continue
		}
		out = append(out, npmrcEntry{key: k, value: v, line: i + 1})
	}
	return out
}

// unquoteIni returns an ini value without its quotes, or without an inline
// comment when it is not quoted (backslash escapes ; and #).
func unquoteIni(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		inner := s[1 : len(s)-1]
		if s[0] == '"' {
			inner = strings.ReplaceAll(strings.ReplaceAll(inner, `\"`, `"`), `\\`, `\`)
		}
		return inner
	}
	var b strings.Builder
	esc := false
	for _, c := range s {
		switch {
		case esc:
			if c != ';' && c != '#' && c != '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(c)
			esc = false
		case c == '\\':
			esc = true
		case c == ';' || c == '#':
			return strings.TrimSpace(b.String())
		default:
			b.WriteRune(c)
		}
	}
	if esc {
		b.WriteByte('\\')
	}
	return strings.TrimSpace(b.String())
}

// npmEnvExpr is npm's ${VAR} (and ${VAR?}, empty when unset) reference,
// with the backslashes before it that may escape it.
var npmEnvExpr = regexp.MustCompile(`(\\*)\$\{([^${}?]+)(\?)?\}`)

// expandNpmEnv replaces ${VAR} in s as npm does, returning the names of
// variables that were not set (their references are left as written).
func expandNpmEnv(s string, getenv func(string) string) (string, []string) {
	var missing []string
	out := npmEnvExpr.ReplaceAllStringFunc(s, func(m string) string {
		sub := npmEnvExpr.FindStringSubmatch(m)
		esc, name, optional := sub[1], sub[2], sub[3] == "?"
		if len(esc)%2 == 1 {
			return m[(len(esc)+1)/2:]
		}
		val := getenv(name)
		if val == "" && !optional {
			missing = append(missing, name)
			val = "${" + name + "}"
		}
		return esc[len(esc)/2:] + val
	})
	return out, missing
}

// npmScopeKey matches "@scope:registry".
var npmScopeKey = regexp.MustCompile(`^(@[^/:@\s]+):registry$`)

// npmAuthField is one credential field of one registry, with its origin.
type npmAuthField struct {
	value   string
	from    string
	missing []string
}

func resolveNPM(r *resolved, opt Options, override string) {
	env := opt.Getenv
	var layers []string // lowest precedence first
	if g, _ := envFirst(env, "npm_config_globalconfig", "NPM_CONFIG_GLOBALCONFIG"); g != "" {
		layers = append(layers, g)
	} else if p, _ := envFirst(env, "npm_config_prefix", "NPM_CONFIG_PREFIX", "PREFIX"); p != "" {
		layers = append(layers, filepath.Join(p, "etc", "npmrc"))
	}
	if u, _ := envFirst(env, "npm_config_userconfig", "NPM_CONFIG_USERCONFIG"); u != "" {
		layers = append(layers, u)
	} else if opt.HomeDir != "" {
		layers = append(layers, filepath.Join(opt.HomeDir, ".npmrc"))
	}
	if opt.ProjectDir != "" && !opt.IgnoreProjectConfig {
		layers = append(layers, filepath.Join(opt.ProjectDir, ".npmrc"))
	}

	var registry, registryFrom string
	scopes := map[string]string{}
	scopeFrom := map[string]string{}
	auth := map[string]map[string]npmAuthField{} // nerf dart → field → value
	for _, path := range layers {
		data := r.readConfig(path)
		if data == nil {
			continue
		}
		for _, e := range parseNpmrc(data) {
			key, _ := expandNpmEnv(e.key, env)
			val, missing := expandNpmEnv(e.value, env)
			from := fmt.Sprintf("%s:%d", path, e.line)
			switch {
			case key == "registry":
				registry, registryFrom = val, from
			case npmScopeKey.MatchString(key):
				s := npmScopeKey.FindStringSubmatch(key)[1]
				scopes[s], scopeFrom[s] = val, from
			case strings.HasPrefix(key, "//"):
				i := strings.LastIndex(key, ":")
				if i < 0 {
					continue
				}
				nerf, field := key[:i], key[i+1:]
				switch field {
				case "_authToken", "_auth", "username", "_password":
				default:
					continue
				}
				if auth[nerf] == nil {
					auth[nerf] = map[string]npmAuthField{}
				}
				auth[nerf][field] = npmAuthField{value: val, from: from + " (" + field + ")", missing: missing}
			}
		}
	}
	if v, name := envFirst(env, "npm_config_registry", "NPM_CONFIG_REGISTRY"); v != "" {
		registry, registryFrom = v, "environment variable "+name
	}
	if override != "" {
		registry, registryFrom = override, "--registry"
	}

	// Credentials before URLs, so that a token written for a host wins
	// over user information in its URL.
	for _, nerf := range sortedKeys(auth) {
		f := auth[nerf]
		var cred credential
		var missing []string
		switch {
		case f["_authToken"].value != "":
			a := f["_authToken"]
			cred, missing = credential{header: "Bearer " + a.value, from: a.from}, a.missing
		case f["_auth"].value != "":
			a := f["_auth"]
			cred, missing = credential{header: "Basic " + a.value, from: a.from}, a.missing
		case f["username"].value != "" && f["_password"].value != "":
			pw, err := base64.StdEncoding.DecodeString(f["_password"].value)
			if err != nil {
				r.note("npm: credentials for %s in %s ignored: _password is not base64", nerf, f["_password"].from)
				continue
			}
			u := f["username"]
			cred = credential{
				header: "Basic " + base64.StdEncoding.EncodeToString([]byte(u.value+":"+string(pw))),
				from:   u.from + " and " + f["_password"].from,
			}
			missing = append(slices.Clone(u.missing), f["_password"].missing...)
		default:
			continue
		}
		if len(missing) > 0 {
			r.note("npm: credentials for %s in %s not sent: ${%s} is not set", nerf, cred.from, strings.Join(missing, "}, ${"))
			continue
		}
		key := nerf
		if !strings.HasSuffix(key, "/") {
			key += "/"
		}
		r.addCred(purl.NPM, key, cred)
		r.note("npm: credentials for %s from %s", key, cred.from)
	}

	norm := func(v, from string) (string, error) {
		u, err := parseBase(v, false)
		if err != nil {
			return "", fmt.Errorf("%s in %s: %w", redact(v), from, err)
		}
		r.takeUserinfo(purl.NPM, u, from)
		s := u.String()
		if !strings.HasSuffix(s, "/") {
			s += "/"
		}
		return s, nil
	}
	for _, s := range sortedKeys(scopes) {
		v, err := norm(scopes[s], scopeFrom[s])
		if err != nil {
			r.note("npm scope %s ignored: %v", s, err)
			continue
		}
		if r.eps.NPMScopes == nil {
			r.eps.NPMScopes = map[string]string{}
		}
		r.eps.NPMScopes[s] = v
		r.note("npm: %s → %s (from %s)", s, v, scopeFrom[s])
	}
	if registry == "" {
		r.fail(purl.NPM, "no registry configured")
		return
	}
	v, err := norm(registry, registryFrom)
	if err != nil {
		r.fail(purl.NPM, err.Error())
		return
	}
	r.eps.NPM = v
	r.note("npm: %s (from %s)", v, registryFrom)
}

// credFor returns eco's credential for a request URL, found the way npm
// finds one: walking up the URL's path on its own host, so a credential
// never goes to another host.
func (r *resolved) credFor(eco string, u *url.URL) (credential, bool) {
	creds := r.creds[eco]
	if len(creds) == 0 || u.Host == "" {
		return credential{}, false
	}
	key := "//" + u.Host + u.EscapedPath()
	for len(key) > len("//") {
		if c, ok := creds[key]; ok {
			return c, true
		}
		// Up one step, as npm's regKeyFromURI does: drop the last path
		// element, or the slash before it. "//host" becomes "//", which
		// ends the walk without reaching another host.
		if strings.HasSuffix(key, "/") {
			key = key[:len(key)-1]
		} else {
			key = key[:strings.LastIndex(key, "/")+1]
		}
	}
	return credential{}, false
}

// --- Go ---

// readGoEnvFile parses a go env file (GOENV or $GOROOT/go.env) as the go
// command does: KEY=VALUE lines whose key starts with an upper-case letter,
// later lines winning; anything else (comments) is skipped.
func readGoEnvFile(data []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		i := strings.IndexByte(line, '=')
		if i <= 0 || line[0] < 'A' || line[0] > 'Z' {
			continue
		}
		m[line[:i]] = strings.TrimSpace(line[i+1:])
	}
	return m
}

// userConfigDir is os.UserConfigDir computed from the injected environment
// and home directory.
func userConfigDir(opt Options) string {
	switch runtime.GOOS {
	case "windows":
		return opt.Getenv("AppData")
	case "darwin", "ios":
		if opt.HomeDir == "" {
			return ""
		}
		return filepath.Join(opt.HomeDir, "Library", "Application Support")
	}
	if d := opt.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	if opt.HomeDir == "" {
		return ""
	}
	return filepath.Join(opt.HomeDir, ".config")
}

// goRoot finds the Go installation without running go: GOROOT, else the
// directory above the bin/ of the go executable found on PATH.
func goRoot(opt Options) string {
	if g := opt.Getenv("GOROOT"); g != "" {
		return g
	}
	exe := "go"
	if runtime.GOOS == "windows" {
		exe = "go.exe"
	}
	for _, dir := range filepath.SplitList(opt.Getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, exe)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		root := filepath.Dir(filepath.Dir(p))
		if _, err := os.Stat(filepath.Join(root, "go.env")); err == nil {
			return root
		}
	}
	return ""
}

// goProxyEntry returns the URL of one GOPROXY list entry, or nil for
// "direct", "off" and what is not a URL. As the go command does, an entry
// without a scheme that looks like a host is https.
func goProxyEntry(e string) *url.URL {
	e = strings.TrimSpace(e)
	if e == "" || e == "direct" || e == "off" {
		return nil
	}
	if strings.ContainsAny(e, ".:/") && !strings.Contains(e, ":/") && !filepath.IsAbs(e) && !strings.HasPrefix(e, "/") {
		e = "https://" + e
	}
	u, err := parseBase(e, true)
	if err != nil {
		return nil
	}
	return u
}

func resolveGo(r *resolved, opt Options, override string) {
	type source struct {
		label string
		vars  map[string]string
	}
	var sources []source // highest precedence first
	goenv := opt.Getenv("GOENV")
	if goenv == "" {
		if d := userConfigDir(opt); d != "" {
			goenv = filepath.Join(d, "go", "env")
		}
	}
	if goenv != "" && goenv != "off" {
		if data := r.readConfig(goenv); data != nil {
			sources = append(sources, source{goenv, readGoEnvFile(data)})
		}
	}
	if root := goRoot(opt); root != "" {
		p := filepath.Join(root, "go.env")
		if data := r.readConfig(p); data != nil {
			sources = append(sources, source{p + ", the Go installation's default", readGoEnvFile(data)})
		}
	}
	lookup := func(name string) (string, string) {
		if v := opt.Getenv(name); v != "" {
			return v, "environment variable " + name
		}
		for _, s := range sources {
			if v := s.vars[name]; v != "" {
				return v, name + " in " + s.label
			}
		}
		return "", ""
	}

	private, pfrom := lookup("GONOPROXY")
	if private == "" {
		private, pfrom = lookup("GOPRIVATE")
	}
	if private != "" {
		r.goPrivate = private
		r.eps.GoPrivate = private
		r.note("Go: modules matching %q are not asked (%s)", private, pfrom)
	}

	if override != "" {
		r.eps.GoProxy = strings.TrimSuffix(override, "/")
		r.note("Go: %s (from --registry)", r.eps.GoProxy)
		return
	}
	list, from := lookup("GOPROXY")
	if list == "" {
		r.fail(purl.Go, "GOPROXY is not set and no Go installation's go.env was found")
		return
	}
	for _, e := range strings.FieldsFunc(list, func(c rune) bool { return c == ',' || c == '|' }) {
		u := goProxyEntry(e)
		if u == nil {
			continue
		}
		r.takeUserinfo(purl.Go, u, from)
		r.eps.GoProxy = strings.TrimSuffix(u.String(), "/")
		r.note("Go: %s (from %s)", r.eps.GoProxy, from)
		return
	}
	r.fail(purl.Go, fmt.Sprintf("GOPROXY=%s (from %s) names no proxy URL, only direct or off", redactList(list), from))
}

// --- PyPI ---

// parsePipConf reads a pip configuration file (configparser syntax:
// [section], "key = value" or "key: value", "#" and ";" comment lines,
// indented continuation lines) into section → key → value, with keys
// normalised as pip does (lower case, "_" as "-").
func parsePipConf(data []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	section := ""
	var lastKey string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && lastKey != "" && section != "" {
			out[section][lastKey] += "\n" + trimmed
			continue
		}
		if trimmed[0] == '[' {
			if end := strings.IndexByte(trimmed, ']'); end > 0 {
				section = strings.TrimSpace(trimmed[1:end])
				if out[section] == nil {
					out[section] = map[string]string{}
				}
				lastKey = ""
			}
			continue
		}
		i := strings.IndexAny(trimmed, "=:")
		if i <= 0 || section == "" {
			lastKey = ""
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(trimmed[:i])), "_", "-")
		out[section][key] = strings.TrimSpace(trimmed[i+1:])
		lastKey = key
	}
	return out
}

// pipConfigFiles lists pip's configuration files, lowest precedence first,
// as pip's iter_config_files does.
func pipConfigFiles(opt Options) []string {
	env := opt.Getenv
	var files []string
	xdgDirs := env("XDG_CONFIG_DIRS")
	if xdgDirs == "" {
		xdgDirs = filepath.Join(opt.EtcDir, "xdg")
	}
	for _, d := range filepath.SplitList(xdgDirs) {
		if filepath.IsAbs(d) {
			files = append(files, filepath.Join(d, "pip", "pip.conf"))
		}
	}
	files = append(files, filepath.Join(opt.EtcDir, "pip.conf"))
	envFile := env("PIP_CONFIG_FILE")
	userToo := true
	if envFile != "" {
		if _, err := os.Stat(envFile); err == nil {
			userToo = false // pip skips the user files then
		}
	}
	if userToo && opt.HomeDir != "" {
		files = append(files, filepath.Join(opt.HomeDir, ".pip", "pip.conf"))
		cfg := env("XDG_CONFIG_HOME")
		if !filepath.IsAbs(cfg) {
			cfg = filepath.Join(opt.HomeDir, ".config")
		}
		files = append(files, filepath.Join(cfg, "pip", "pip.conf"))
	}
	if v := env("VIRTUAL_ENV"); v != "" {
		files = append(files, filepath.Join(v, "pip.conf"))
	} else if opt.ProjectDir != "" && !opt.IgnoreProjectConfig {
		files = append(files, filepath.Join(opt.ProjectDir, ".venv", "pip.conf"))
	}
	if envFile != "" {
		files = append(files, envFile)
	}
	return files
}

// pypiBases maps an index URL to the JSON API base and the simple index.
// An index ending in /simple (PyPI, Artifactory, Nexus) has its JSON API
// beside it; one ending in /+simple (devpi) has none that speaks PyPI's
// JSON; any other index is tried as both. A URL given with --registry that
// does not end in /simple is the JSON API base, with its simple index at
// /simple/.
func pypiBases(u *url.URL, fromFlag bool) (jsonBase, simple string) {
	s := strings.TrimSuffix(u.String(), "/")
	last := s[strings.LastIndex(s, "/")+1:]
	switch {
	case last == "simple":
		return strings.TrimSuffix(s, "/simple"), s + "/"
	case last == "+simple":
		return "", s + "/"
	case fromFlag:
		return s, s + "/simple/"
	}
	return s, s + "/"
}

func resolvePyPI(r *resolved, opt Options, override string) {
	if override != "" {
		u, _ := url.Parse(override)
		r.eps.PyPI, r.eps.PyPISimple = pypiBases(u, true)
		r.note("PyPI: JSON API %q, simple index %q (from --registry)", r.eps.PyPI, r.eps.PyPISimple)
		return
	}
	index, from := "", ""
	if v := opt.Getenv("PIP_INDEX_URL"); v != "" {
		index, from = v, "environment variable PIP_INDEX_URL"
	} else {
		var global, install, gfrom, ifrom string
		for _, f := range pipConfigFiles(opt) {
			data := r.readConfig(f)
			if data == nil {
				continue
			}
			conf := parsePipConf(data)
			if v := conf["global"]["index-url"]; v != "" {
				global, gfrom = v, "[global] index-url in "+f
			}
			if v := conf["install"]["index-url"]; v != "" {
				install, ifrom = v, "[install] index-url in "+f
			}
		}
		index, from = global, gfrom
		if install != "" {
			index, from = install, ifrom
		}
	}
	if index == "" {
		r.fail(purl.PyPI, "no index-url configured")
		return
	}
	u, err := parseBase(index, false)
	if err != nil {
		r.fail(purl.PyPI, fmt.Sprintf("index URL %s (%s): %v", redact(index), from, err))
		return
	}
	r.takeUserinfo(purl.PyPI, u, from)
	r.eps.PyPI, r.eps.PyPISimple = pypiBases(u, false)
	r.note("PyPI: JSON API %q, simple index %q (from %s)", r.eps.PyPI, r.eps.PyPISimple, from)
}

// --- crates.io ---

// cargoConfig is the part of a cargo configuration file that says where
// crates come from.
type cargoConfig struct {
	Source map[string]struct {
		ReplaceWith   string `toml:"replace-with"`
		Registry      string `toml:"registry"`
		LocalRegistry string `toml:"local-registry"`
		Directory     string `toml:"directory"`
	} `toml:"source"`
	Registries map[string]struct {
		Index string `toml:"index"`
	} `toml:"registries"`
}

// cargoConfigFiles lists cargo configuration files, nearest first: the
// project's directory and its parents, then CARGO_HOME. In each directory
// cargo prefers "config" to "config.toml" when both exist.
func cargoConfigFiles(opt Options) []string {
	var files []string
	seen := map[string]bool{}
	add := func(dir string) {
		for _, name := range []string{"config", "config.toml"} {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				if !seen[p] {
					seen[p] = true
					files = append(files, p)
				}
				return
			}
		}
	}
	if opt.ProjectDir != "" && !opt.IgnoreProjectConfig {
		if dir, err := filepath.Abs(opt.ProjectDir); err == nil {
			for {
				add(filepath.Join(dir, ".cargo"))
				parent := filepath.Dir(dir)
				if parent == dir {
					break
				}
				dir = parent
			}
		}
	}
	home := opt.Getenv("CARGO_HOME")
	if home == "" && opt.HomeDir != "" {
		home = filepath.Join(opt.HomeDir, ".cargo")
	}
	if home != "" {
		add(home)
	}
	return files
}

func resolveCrates(r *resolved, opt Options, override string) {
	if override != "" {
		r.eps.Crates = strings.TrimSuffix(override, "/")
		r.note("crates.io: %s (from --registry)", r.eps.Crates)
		return
	}
	if v := opt.Getenv("VOUCH_REGISTRY_CRATES"); v != "" {
		u, err := parseBase(v, false)
		if err != nil {
			r.fail(purl.CratesIO, fmt.Sprintf("VOUCH_REGISTRY_CRATES=%s: %v", redact(v), err))
			return
		}
		r.takeUserinfo(purl.CratesIO, u, "VOUCH_REGISTRY_CRATES")
		r.eps.Crates = strings.TrimSuffix(u.String(), "/")
		r.note("crates.io: %s (from environment variable VOUCH_REGISTRY_CRATES)", r.eps.Crates)
		return
	}

	// Merge the files, nearest first winning, per source and registry.
	type src struct {
		replaceWith, registry, local, from string
	}
	sources := map[string]src{}
	registries := map[string]src{}
	for _, f := range cargoConfigFiles(opt) {
		data := r.readConfig(f)
		if data == nil {
			continue
		}
		var cfg cargoConfig
		if err := toml.NewDecoder(bytes.NewReader(data)).Decode(&cfg); err != nil {
			r.note("skipped %s: %v", f, err)
			continue
		}
		for name, s := range cfg.Source {
			if _, ok := sources[name]; ok {
				continue
			}
			local := s.LocalRegistry
			if local == "" {
				local = s.Directory
			}
			sources[name] = src{replaceWith: s.ReplaceWith, registry: s.Registry, local: local, from: f}
		}
		for name, reg := range cfg.Registries {
			if _, ok := registries[name]; !ok && reg.Index != "" {
				registries[name] = src{registry: reg.Index, from: f}
			}
		}
	}
	name := "crates-io"
	var chain []string
	for range 10 {
		s, ok := sources[name]
		if !ok || s.replaceWith == "" || slices.Contains(chain, name) {
			break
		}
		chain = append(chain, name)
		name = s.replaceWith
	}
	if len(chain) == 0 {
		r.fail(purl.CratesIO, "no registry configured")
		return
	}
	s, ok := sources[name]
	if !ok || (s.registry == "" && s.local == "") {
		s, ok = registries[name]
	}
	from := s.from
	switch {
	case !ok:
		r.fail(purl.CratesIO, fmt.Sprintf("crates-io is replaced with %q, which no cargo configuration defines", name))
		return
	case s.local != "":
		r.fail(purl.CratesIO, fmt.Sprintf("crates-io is replaced with the vendored source %q (%s), which records no publish times", name, from))
		return
	case !strings.HasPrefix(s.registry, "sparse+"):
		r.fail(purl.CratesIO, fmt.Sprintf("crates-io is replaced with %q (%s), a git index; only a sparse index names its web API", name, from))
		return
	}
	u, err := parseBase(strings.TrimPrefix(s.registry, "sparse+"), false)
	if err != nil {
		r.fail(purl.CratesIO, fmt.Sprintf("index of %q in %s: %v", name, from, err))
		return
	}
	r.takeUserinfo(purl.CratesIO, u, from)
	idx := u.String()
	if !strings.HasSuffix(idx, "/") {
		idx += "/"
	}
	r.eps.CratesIndex = idx
	r.note("crates.io: the web API named by %sconfig.json (crates-io replaced with %q in %s)", idx, name, from)
}
