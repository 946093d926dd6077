package manifest

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// CheckOpenAPI compares the routes serverless.yml declares with the
// operations of the OpenAPI document (shared/api/openapi.yaml): the same
// set of method and path, each operation's operationId the function that
// serves it, and an answer for errors (a default or a 4xx response). It
// returns one line per disagreement.
func (f *File) CheckOpenAPI(doc *openapi3.T) []string {
	declared := map[string]string{}
	for _, r := range f.Routes() {
		if r.SelfRouted() {
			continue // this document is the borrower's and the callbacks' contract
		}
		declared[r.Method+" "+r.Path] = r.Function
	}
	var errs []string
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			documented[key] = true
			fn, ok := declared[key]
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("%s: in openapi.yaml, not in serverless.yml", key))
			case op.OperationID != fn:
				errs = append(errs, fmt.Sprintf("%s: operationId %q, but serverless.yml routes it to %s", key, op.OperationID, fn))
			}
			if !answersErrors(op) {
				errs = append(errs, fmt.Sprintf("%s: no default or 4xx response (the error codes)", key))
			}
		}
	}
	for key := range declared {
		if !documented[key] {
			errs = append(errs, fmt.Sprintf("%s: in serverless.yml, not in openapi.yaml", key))
		}
	}
	sort.Strings(errs)
	return errs
}

func answersErrors(op *openapi3.Operation) bool {
	if op.Responses == nil {
		return false
	}
	if op.Responses.Default() != nil {
		return true
	}
	for code := http.StatusBadRequest; code < http.StatusInternalServerError; code++ {
		if op.Responses.Status(code) != nil {
			return true
		}
	}
	return false
}
