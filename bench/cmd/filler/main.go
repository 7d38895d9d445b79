// Command filler writes a deterministic tree of realistic-looking source
// files (.js, .ts, .go, .py, .md, .css, .yaml, .sh) of varied sizes, the
// bulk of a benchmark input that a scanner must walk but that declares no
// dependencies: no manifests, no lockfiles, no node_modules.
//
// Usage:
//
//	go run ./bench/cmd/filler -dir DIR -files N [-seed S]
//
// The same seed always gives the same tree, byte for byte.
package main

import (
	"flag"
	"fmt"
	"go/token"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "directory to fill (created if missing)")
	files := flag.Int("files", 8000, "number of files to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" || *files <= 0 {
		fmt.Fprintln(os.Stderr, "filler: -dir and a positive -files are required")
		os.Exit(2)
	}
	g := &gen{r: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))}
	var total int64
	for i := range *files {
		rel, body := g.file(i)
		p := filepath.Join(*dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "filler:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "filler:", err)
			os.Exit(1)
		}
		total += int64(len(body))
	}
	fmt.Printf("filler: wrote %d files, %.1f MiB, under %s\n", *files, float64(total)/(1<<20), *dir)
}

type gen struct {
	r *rand.Rand
}

var words = strings.Fields(`account action adapter address agent alert allocate apply archive asset audit
auth backend balance batch billing block bucket buffer build cache calendar capture cart catalog
channel chart check client cluster collect column command commit config connect consumer content
context cookie counter cursor customer dashboard decode delivery deploy device digest dispatch
document domain draft encode endpoint entity event export feature fetch filter flag format gateway
graph group handler header health history image import index inventory invoice item job journal
key label layout ledger limit listener loader locale lookup mailer manifest mapper message metric
migrate module monitor node notify order owner package page parser payment peer pipeline plan
policy pool preview price profile project provider proxy publish query queue quota rate reader
record refund region registry release render report request resolve resource response result
retry review role route rule sample schedule schema scope search secret segment sender session
settings shipment signal snapshot source stage state status storage stream subscriber summary
supplier sync table tag task template tenant theme ticket token topic trace tracker transfer
trigger upload usage user validate vendor version view visit volume wallet webhook widget worker`)

// Where each kind of file lives, as in a monorepo of a few services.
var areas = []struct {
	prefix string
	exts   []string
}{
	{"services/web/src", []string{".js", ".ts", ".ts", ".tsx", ".css", ".js"}},
	{"services/web/test", []string{".js", ".ts"}},
	{"services/api/internal", []string{".go", ".go", ".go"}},
	{"services/api/pkg", []string{".go"}},
	{"services/worker/worker", []string{".py", ".py", ".py"}},
	{"services/worker/tests", []string{".py"}},
	{"libs/ui/src", []string{".tsx", ".ts", ".css"}},
	{"libs/shared", []string{".go", ".ts", ".py"}},
	{"docs", []string{".md", ".md", ".yaml"}},
	{"deploy", []string{".yaml", ".sh"}},
	{"scripts", []string{".sh", ".py", ".js"}},
}

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

func (g *gen) camel(n int) string {
	var b strings.Builder
	for i := range n {
		w := g.word()
		if i > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

func (g *gen) pascal(n int) string {
	s := g.camel(n)
	return strings.ToUpper(s[:1]) + s[1:]
}

func (g *gen) snake(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = g.word()
	}
	return strings.Join(p, "_")
}

func (g *gen) sentence() string {
	n := 6 + g.r.IntN(14)
	p := make([]string, n)
	for i := range p {
		p[i] = g.word()
	}
	s := strings.Join(p, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// size draws a file size from a log-normal distribution: median about 3 KiB,
// a long tail to about 200 KiB, as in real repositories.
func (g *gen) size() int {
	s := math.Exp(math.Log(3000) + 1.1*g.r.NormFloat64())
	return int(min(max(s, 120), 200_000))
}

func (g *gen) file(i int) (string, []byte) {
	a := areas[g.r.IntN(len(areas))]
	ext := a.exts[g.r.IntN(len(a.exts))]
	depth := 1 + g.r.IntN(3)
	parts := []string{a.prefix}
	for range depth {
		parts = append(parts, g.word())
	}
	var name string
	switch ext {
	case ".go", ".py":
		name = g.snake(1 + g.r.IntN(2))
	case ".md":
		name = strings.ToUpper(g.word())
	default:
		name = g.camel(1 + g.r.IntN(2))
	}
	// The index keeps names unique without changing their look much.
	parts = append(parts, fmt.Sprintf("%s_%d%s", name, i, ext))
	rel := strings.Join(parts, "/")

	target := g.size()
	w := &strings.Builder{}
	pkg := parts[len(parts)-2]
	switch ext {
	case ".go":
		g.goFile(w, pkg, target)
	case ".py":
		g.pyFile(w, target)
	case ".js", ".ts", ".tsx":
		g.jsFile(w, ext, target)
	case ".css":
		g.cssFile(w, target)
	case ".md":
		g.mdFile(w, target)
	case ".yaml":
		g.yamlFile(w, target)
	case ".sh":
		g.shFile(w, target)
	}
	return rel, []byte(w.String())
}

func (g *gen) goFile(w *strings.Builder, pkg string, target int) {
	if token.IsKeyword(pkg) {
		pkg += "s" // a directory may be called "import", a package may not
	}
	fmt.Fprintf(w, "// Package %s handles %s\npackage %s\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"fmt\"\n)\n\n", pkg, g.sentence(), pkg)
	n := 0
	for w.Len() < target {
		typ := g.pascal(2)
		fmt.Fprintf(w, "// %s is %s\ntype %s struct {\n", typ, strings.ToLower(g.sentence()), typ)
		for range 2 + g.r.IntN(5) {
			fmt.Fprintf(w, "\t%s %s\n", g.pascal(1), []string{"string", "int64", "bool", "[]byte", "map[string]string"}[g.r.IntN(5)])
		}
		fmt.Fprintf(w, "}\n\n// %s %s\nfunc (x *%s) %s(ctx context.Context, id string) error {\n", g.pascal(2), strings.ToLower(g.sentence()), typ, g.pascal(2))
		fmt.Fprintf(w, "\tif id == \"\" {\n\t\treturn errors.New(\"%s: empty id\")\n\t}\n", g.word())
		for range 1 + g.r.IntN(6) {
			fmt.Fprintf(w, "\tif err := ctx.Err(); err != nil {\n\t\treturn fmt.Errorf(\"%s %%s: %%w\", id, err)\n\t}\n", g.word())
		}
		fmt.Fprintf(w, "\treturn nil\n}\n\n")
		n++
	}
}

func (g *gen) pyFile(w *strings.Builder, target int) {
	fmt.Fprintf(w, "\"\"\"%s\"\"\"\n\nimport logging\nimport os\nfrom dataclasses import dataclass\n\nlog = logging.getLogger(__name__)\n\n", g.sentence())
	for w.Len() < target {
		cls := g.pascal(2)
		fmt.Fprintf(w, "\n@dataclass\nclass %s:\n    \"\"\"%s\"\"\"\n\n", cls, g.sentence())
		for range 2 + g.r.IntN(4) {
			fmt.Fprintf(w, "    %s: str = %q\n", g.snake(2), g.word())
		}
		fmt.Fprintf(w, "\n    def %s(self, %s):\n", g.snake(2), g.snake(1))
		for range 1 + g.r.IntN(5) {
			fmt.Fprintf(w, "        if not self.%s:\n            log.warning(%q)\n            return None\n", g.snake(2), g.sentence())
		}
		fmt.Fprintf(w, "        return os.environ.get(%q)\n\n", strings.ToUpper(g.snake(2)))
	}
}

func (g *gen) jsFile(w *strings.Builder, ext string, target int) {
	fmt.Fprintf(w, "// %s\nimport { %s } from './%s';\n\n", g.sentence(), g.camel(2), g.word())
	for w.Len() < target {
		fn := g.camel(2)
		arg := g.camel(1)
		if ext == ".js" {
			fmt.Fprintf(w, "export async function %s(%s, options = {}) {\n", fn, arg)
		} else {
			fmt.Fprintf(w, "export interface %sOptions {\n  %s?: string;\n  %s?: number;\n}\n\n", g.pascal(2), g.camel(1), g.camel(1))
			fmt.Fprintf(w, "export async function %s(%s: string, options: Record<string, unknown> = {}): Promise<unknown> {\n", fn, arg)
		}
		for range 1 + g.r.IntN(6) {
			fmt.Fprintf(w, "  if (!%s.%s) {\n    throw new Error('%s');\n  }\n", arg, g.camel(1), g.sentence())
		}
		fmt.Fprintf(w, "  const res = await fetch(`/api/%s/${%s}`, options);\n  return res.json();\n}\n\n", g.word(), arg)
	}
}

func (g *gen) cssFile(w *strings.Builder, target int) {
	for w.Len() < target {
		fmt.Fprintf(w, ".%s-%s {\n  display: flex;\n  margin: %dpx %dpx;\n  color: #%06x;\n}\n\n", g.word(), g.word(), g.r.IntN(32), g.r.IntN(32), g.r.IntN(1<<24))
	}
}

func (g *gen) mdFile(w *strings.Builder, target int) {
	fmt.Fprintf(w, "# %s\n\n", g.pascal(3))
	for w.Len() < target {
		fmt.Fprintf(w, "## %s\n\n", g.sentence())
		for range 1 + g.r.IntN(4) {
			for range 2 + g.r.IntN(5) {
				w.WriteString(g.sentence() + " ")
			}
			w.WriteString("\n\n")
		}
		fmt.Fprintf(w, "```sh\nmake %s %s=%d\n```\n\n", g.word(), strings.ToUpper(g.word()), g.r.IntN(100))
	}
}

func (g *gen) yamlFile(w *strings.Builder, target int) {
	fmt.Fprintf(w, "# %s\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n", g.sentence(), g.word())
	for w.Len() < target {
		fmt.Fprintf(w, "%s:\n  %s: %q\n  %s: %d\n  %s:\n    - %s\n    - %s\n", g.camel(2), g.word(), g.word(), g.word(), g.r.IntN(1000), g.word(), g.word(), g.word())
	}
}

func (g *gen) shFile(w *strings.Builder, target int) {
	fmt.Fprintf(w, "#!/usr/bin/env bash\n# %s\nset -euo pipefail\n\n", g.sentence())
	for w.Len() < target {
		fmt.Fprintf(w, "%s() {\n  echo %q\n  %s=\"${%s:-%s}\"\n}\n\n", g.snake(2), g.sentence(), strings.ToUpper(g.snake(1)), strings.ToUpper(g.snake(1)), g.word())
	}
}
