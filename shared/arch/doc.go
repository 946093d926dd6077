// Package arch has no code: its test enforces the package layering of
// style.md with `go list`, so the layering cannot rot silently.
package arch
