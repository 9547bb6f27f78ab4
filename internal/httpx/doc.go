// Package httpx is what every HTTP entry point shares: the one error handler
// that maps domain error codes to statuses and the public JSON error shape,
// strict JSON request decoding (unknown fields are refused), and the security
// headers every page carries.
package httpx
