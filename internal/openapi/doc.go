// Package openapi builds CivicDesk's OpenAPI 3.1 document from a table of
// operations and the Go types of their bodies, so the published contract
// follows the code. The server serves it at /api/v1/openapi.json and a test
// checks it against the routes the server really registers.
package openapi
