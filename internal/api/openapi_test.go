package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"vigil/internal/api"
)

// spec is the OpenAPI description, read to check the API's real answers
// against it: every answer a test gets passes through check.
type spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	paths    []specPath
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
}

type specPath struct {
	template string
	re       *regexp.Regexp
}

const specURL = "https://vigil.test/openapi.json"

var loadedSpec = sync.OnceValues(func() (*spec, error) {
	raw := api.OpenAPI()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc["openapi"] != "3.1.0" {
		return nil, fmt.Errorf("openapi %v, want 3.1.0", doc["openapi"])
	}
	res, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, res); err != nil {
		return nil, err
	}
	sp := &spec{doc: doc, compiler: c, schemas: map[string]*jsonschema.Schema{}}
	for template := range doc["paths"].(map[string]any) {
		segments := strings.Split(template, "/")
		for i, seg := range segments {
			if strings.HasPrefix(seg, "{") {
				segments[i] = `[^/]+`
			} else {
				segments[i] = regexp.QuoteMeta(seg)
			}
		}
		pattern := strings.Join(segments, "/")
		sp.paths = append(sp.paths, specPath{template, regexp.MustCompile("^/api/v1" + pattern + "$")})
	}
	// Every schema compiles.
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := sp.schema("#/components/schemas/" + name); err != nil {
			return nil, err
		}
	}
	return sp, nil
})

func (sp *spec) schema(ref string) (*jsonschema.Schema, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if s, ok := sp.schemas[ref]; ok {
		return s, nil
	}
	s, err := sp.compiler.Compile(specURL + ref)
	if err != nil {
		return nil, err
	}
	sp.schemas[ref] = s
	return s, nil
}

// check validates one answer against the description of its path, method
// and status. An answer the description does not name fails.
func (sp *spec) check(t *testing.T, method, path string, status int, raw []byte) {
	t.Helper()
	path, _, _ = strings.Cut(path, "?")
	if path == "/api/v1" {
		path = "/api/v1/"
	}
	var template string
	for _, p := range sp.paths {
		if p.re.MatchString(path) {
			template = p.template
		}
	}
	ref := "#/components/schemas/Error"
	if status < 400 {
		if template == "" {
			t.Errorf("%s %s: not in the OpenAPI description", method, path)
			return
		}
		op, _ := sp.doc["paths"].(map[string]any)[template].(map[string]any)[strings.ToLower(method)].(map[string]any)
		resp, _ := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
		if resp == nil {
			t.Errorf("%s %s: %d is not described", method, template, status)
			return
		}
		name := strings.TrimPrefix(resp["$ref"].(string), "#/components/responses/")
		r := sp.doc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
		ref = r["content"].(map[string]any)["application/hal+json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
	}
	s, err := sp.schema(ref)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s %s (%d) does not match %s: %v", method, path, status, ref, err)
	}
}

func checkAnswer(t *testing.T, method, path string, status int, raw []byte) {
	t.Helper()
	sp, err := loadedSpec()
	if err != nil {
		t.Fatalf("the OpenAPI description: %v", err)
	}
	sp.check(t, method, path, status, raw)
}

// TestOpenAPIServed: the description is served without a key, and is
// the one the tests check answers against.
func TestOpenAPIServed(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	resp, err := f.srv.Client().Get(f.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got.Bytes(), api.OpenAPI()) {
		t.Errorf("openapi.json: %d", resp.StatusCode)
	}
	if _, err := loadedSpec(); err != nil {
		t.Fatal(err)
	}
}
