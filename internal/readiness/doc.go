// Package readiness tells when an idle connection has something to read,
// without a goroutine blocked on it.
//
// Ten thousand citizens with a chat widget open are ten thousand sockets
// that receive a few events a minute and send nothing. A goroutine parked in
// Read on each costs its stack (4 KiB here) for hours. Instead the socket is
// registered here; one goroutine for the whole process waits on epoll, and
// when a socket becomes readable (a frame, the peer's close, a reset) its
// callback runs once in a new goroutine, which reads with the ordinary
// blocking API and then re-arms the watch. The protocol stays with the
// library that parses it; this package only decides when to call it.
//
// On systems without epoll, [Default] reports [ErrUnsupported] and callers
// keep a reader goroutine per connection.
package readiness
