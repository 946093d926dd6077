package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/wxlend/wxlend/shared/api"
)

var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// Contract loads shared/api/openapi.yaml once, checked as an OpenAPI 3.1
// document, with a router for it (any host: tests run on loopback ports).
func Contract() (*openapi3.T, routers.Router, error) {
	contract.once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err != nil {
			contract.err = fmt.Errorf("shared/api/openapi.yaml: %w", err)
			return
		}
		doc.Servers = nil
		contract.doc = doc
		contract.router, contract.err = gorillamux.NewRouter(doc)
	})
	return contract.doc, contract.router, contract.err
}

// CheckResponse validates an answer against openapi.yaml: its status is
// declared (or the operation's default), its body matches the schema. A
// path or method the document does not have must be answered by the error
// envelope (404 or 405). Requests are not validated: tests send bad input
// on purpose.
func CheckResponse(req *http.Request, resp *Response) error {
	_, router, err := Contract()
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if resp.Status != http.StatusNotFound && resp.Status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not in openapi.yaml but answered %d", req.Method, req.URL.Path, resp.Status)
		}
		route, params, err = errorRoute(req)
		if err != nil {
			return fmt.Errorf("no route to check a %d against: %w", resp.Status, err)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s answered %d %s, which openapi.yaml does not allow: %w", req.Method, req.URL.Path, resp.Status, resp.Body, err)
	}
	return nil
}

// errorRoute is the operation whose default response a 404 or 405 is
// checked against: another method's on the same path (a callback answers
// its own way), else GET /v1/me's (the api.md envelope).
func errorRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	_, router, _ := Contract()
	for _, m := range []string{http.MethodPost, http.MethodGet} {
		probe := req.Clone(req.Context())
		probe.Method = m
		if route, params, err := router.FindRoute(probe); err == nil {
			return route, params, nil
		}
	}
	probe, _ := http.NewRequestWithContext(req.Context(), http.MethodGet, "http://x/v1/me", nil)
	return router.FindRoute(probe)
}
