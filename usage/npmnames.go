package usage

import (
	"strings"
)

// npmPackage returns the package a module specifier resolves into: the
// first path element, or the first two for a scoped name ("@scope/name/sub"
// gives "@scope/name"). Relative and absolute paths, "#" subpath imports,
// URLs and other "scheme:" specifiers ("virtual:", "data:", "bun:") and
// path aliases ("~/x", "@/x") name no package. node: builtins are reported
// with builtin set and an empty name; a bare builtin name ("fs") is
// returned as a name with builtin set too, since a project may declare a
// package of the same name (the "events" or "buffer" polyfills) that a
// bundler resolves it to.
func npmPackage(spec string) (name string, builtin bool) {
	if i := strings.IndexByte(spec, '?'); i >= 0 {
		spec = spec[:i]
	}
	if strings.HasPrefix(spec, "node:") {
		return "", true
	}
	if spec == "" || spec[0] == '.' || spec[0] == '/' || spec[0] == '#' || spec[0] == '~' {
		return "", false
	}
	first, rest, _ := strings.Cut(spec, "/")
	if strings.Contains(first, ":") {
		return "", false
	}
	if first[0] == '@' {
		second, _, _ := strings.Cut(rest, "/")
		if len(first) < 2 || second == "" || !validNPM(first[1:]) || !validNPM(second) {
			return "", false
		}
		return first + "/" + second, false
	}
	if !validNPM(first) {
		return "", false
	}
	return first, nodeBuiltins[first]
}

// validNPM reports whether s can be one element of an npm package name.
// Old packages have capitals, so they are allowed.
func validNPM(s string) bool {
	if s == "" || len(s) > 214 || s[0] == '.' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// nodeBuiltins are Node.js's core modules reachable without "node:".
var nodeBuiltins = setOf(
	"assert", "async_hooks", "buffer", "child_process", "cluster", "console",
	"constants", "crypto", "dgram", "diagnostics_channel", "dns", "domain",
	"events", "fs", "http", "http2", "https", "inspector", "module", "net", "os",
	"path", "perf_hooks", "process", "punycode", "querystring", "readline",
	"repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events",
	"tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
)

// npmBins lists the commands of packages whose command is not simply their
// name, for matching package.json scripts when node_modules is not there to
// say. A package whose bin is its own (unscoped) name needs no entry.
var npmBins = map[string][]string{
	"typescript":                  {"tsc", "tsserver"},
	"@angular/cli":                {"ng"},
	"@vue/cli":                    {"vue"},
	"@vue/cli-service":            {"vue-cli-service"},
	"@nestjs/cli":                 {"nest"},
	"webpack-cli":                 {"webpack"},
	"@babel/cli":                  {"babel", "babel-external-helpers"},
	"@babel/node":                 {"babel-node"},
	"npm-run-all":                 {"run-s", "run-p"},
	"npm-run-all2":                {"npm-run-all", "run-s", "run-p"},
	"@playwright/test":            {"playwright"},
	"@storybook/cli":              {"sb", "storybook"},
	"storybook":                   {"sb"},
	"mocha":                       {"_mocha"},
	"gulp-cli":                    {"gulp"},
	"grunt-cli":                   {"grunt"},
	"@commitlint/cli":             {"commitlint"},
	"@biomejs/biome":              {"biome"},
	"@sveltejs/kit":               {"svelte-kit"},
	"@cucumber/cucumber":          {"cucumber-js"},
	"dotenv-cli":                  {"dotenv"},
	"@microsoft/api-extractor":    {"api-extractor"},
	"@changesets/cli":             {"changeset"},
	"ts-node":                     {"ts-node-esm", "ts-node-cwd", "ts-node-script", "ts-node-transpile-only"},
	"@swc/cli":                    {"swc", "spack"},
	"@rspack/cli":                 {"rspack"},
	"@lhci/cli":                   {"lhci"},
	"firebase-tools":              {"firebase"},
	"vercel":                      {"vc"},
	"netlify-cli":                 {"netlify", "ntl"},
	"serverless":                  {"sls"},
	"aws-cdk":                     {"cdk"},
	"@aws-amplify/cli":            {"amplify"},
	"sequelize-cli":               {"sequelize"},
	"@graphql-codegen/cli":        {"graphql-codegen", "gql-gen", "graphql-code-generator"},
	"@redocly/cli":                {"redocly", "openapi"},
	"http-server":                 {"hs"},
	"concurrently":                {"conc"},
	"cross-env":                   {"cross-env-shell"},
	"cpy-cli":                     {"cpy"},
	"copyfiles":                   {"copyup"},
	"pm2":                         {"pm2-runtime", "pm2-dev", "pm2-docker"},
	"nuxt":                        {"nuxi"},
	"@electron-forge/cli":         {"electron-forge"},
	"@react-native-community/cli": {"react-native", "rnc-cli"},
	"electron-builder":            {"install-app-deps"},
	"@prisma/cli":                 {"prisma"},
	"@tailwindcss/cli":            {"tailwindcss"},
	"@nrwl/cli":                   {"nx"},
	"@expo/cli":                   {"expo"},
	"@stoplight/spectral-cli":     {"spectral"},
	"openapi-typescript-codegen":  {"openapi"},
}

// npmAliases returns the short names a configuration file may use for a
// package: ESLint's "react" and "plugin:react/…" for eslint-plugin-react
// and "airbnb" for eslint-config-airbnb, Babel's "env" for
// babel-preset-env and "@babel/env" for @babel/preset-env, Jest's "jsdom"
// for jest-environment-jsdom, Prettier's and Stylelint's likewise.
func npmAliases(name string) []string {
	var out []string
	scope, base := "", name
	if strings.HasPrefix(name, "@") {
		if s, b, ok := strings.Cut(name, "/"); ok {
			scope, base = s, b
		}
	}
	for _, p := range []string{"eslint-plugin", "eslint-config", "babel-preset", "babel-plugin", "jest-environment", "prettier-plugin", "stylelint-config", "stylelint-plugin", "preset", "plugin"} {
		switch {
		case base == p && scope != "":
			// @scope/eslint-plugin is "@scope" in a config.
			if p != "preset" && p != "plugin" {
				out = append(out, scope)
			}
		case strings.HasPrefix(base, p+"-"):
			short := base[len(p)+1:]
			if scope != "" {
				out = append(out, scope+"/"+short)
			} else if p != "preset" && p != "plugin" {
				out = append(out, short)
			}
		}
	}
	return out
}

// typesTarget returns the package that DefinitelyTyped's @types/x types:
// "@types/lodash" → "lodash", "@types/babel__core" → "@babel/core". It
// returns "" for a name outside @types.
func typesTarget(name string) string {
	rest, ok := strings.CutPrefix(name, "@types/")
	if !ok || rest == "" {
		return ""
	}
	if scope, pkg, ok := strings.Cut(rest, "__"); ok && scope != "" && pkg != "" {
		return "@" + scope + "/" + pkg
	}
	return rest
}

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}
