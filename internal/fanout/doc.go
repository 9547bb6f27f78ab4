// Package fanout subscribes a socket hub to its subjects once, whoever asks
// first: the server before it serves (so that a socket accepted once the
// server is ready misses no event), or the hub's Run when nobody did.
package fanout
