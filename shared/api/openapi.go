package api

import _ "embed" // the contract travels with the handlers

// OpenAPI is shared/api/openapi.yaml, the HTTP contract (OpenAPI 3.1):
// every path, body, response and error code. Tests hold serverless.yml and
// the handlers to it, and apitest validates every response against it.
//
//go:embed openapi.yaml
var OpenAPI []byte
