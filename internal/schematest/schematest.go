// Package schematest checks documents vouch writes against the published
// JSON schemas of their standards (CycloneDX, SPDX, SARIF, OSV). The schemas
// are not vendored into the module: they live in the shared/schemas
// directory beside the repository, and tests that need them skip when it is
// absent so the module's tests still pass from a plain checkout.
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SkipMessage is what a test is skipped with when the schemas are absent.
const SkipMessage = "../shared/schemas not found: schema validation skipped"

// Dir returns the schemas directory, <repo root>/../shared/schemas, where
// the repo root is the nearest directory at or above the working directory
// that holds go.mod. It skips the test when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	dir, ok := Find(wd)
	if !ok {
		tb.Skip(SkipMessage)
	}
	return dir
}

// Find looks for <repo root>/../shared/schemas starting at dir and walking
// up to the first directory holding go.mod. It is Dir without the test.
func Find(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			schemas := filepath.Join(filepath.Dir(dir), "shared", "schemas")
			if fi, err := os.Stat(schemas); err == nil && fi.IsDir() {
				return schemas, true
			}
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Compile loads the schema at name (slash-separated, relative to dir, such
// as "cyclonedx/bom-1.6.schema.json"). Every other *.json file in the
// schema's directory is registered under its "$id" first, because schemas
// such as CycloneDX's refer to their companions (spdx.schema.json,
// jsf-0.82.schema.json) by a name relative to their own "$id" URL and
// nothing may be fetched over the network. Formats are asserted, so a
// malformed date or URI fails validation as the standard intends.
func Compile(dir, name string) (*jsonschema.Schema, error) {
	path := filepath.Join(dir, filepath.FromSlash(name))
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	siblings, err := filepath.Glob(filepath.Join(filepath.Dir(path), "*.json"))
	if err != nil {
		return nil, err
	}
	mainID := "file://" + filepath.ToSlash(path)
	for _, f := range siblings {
		doc, err := load(f)
		if err != nil {
			return nil, err
		}
		id := idOf(doc)
		if f == path {
			if id == "" {
				id = mainID
			}
			mainID = id
		} else if id == "" {
			continue
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return c.Compile(mainID)
}

// Validate checks doc, a JSON document, against the schema at name under
// the shared schemas directory, failing the test with every violation. It
// skips the test when the schemas are absent.
func Validate(tb testing.TB, name string, doc []byte) {
	tb.Helper()
	dir := Dir(tb)
	mu.Lock()
	sch, ok := compiled[dir+"|"+name]
	if !ok {
		var err error
		if sch, err = Compile(dir, name); err != nil {
			mu.Unlock()
			tb.Fatalf("compile %s: %v", name, err)
		}
		compiled[dir+"|"+name] = sch
	}
	mu.Unlock()
	if err := Check(sch, doc); err != nil {
		tb.Errorf("%s: %v", name, err)
	}
}

// compiled caches schemas across the tests of one package: the CycloneDX
// schemas take a noticeable time to compile.
var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// Check validates doc against sch, returning the violations as one error.
func Check(sch *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not json: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("invalid:\n%s", strings.TrimSpace(fmt.Sprintf("%#v", ve)))
		}
		return err
	}
	return nil
}

func load(path string) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

func idOf(doc any) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	id, _ := m["$id"].(string)
	return id
}
