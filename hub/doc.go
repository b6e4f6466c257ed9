// Package hub is the network side of hubbub: the gin router with the HTTP
// API, WebSocket sessions, per-client send queues with their flush policy,
// room fan-out, and the Broker that carries a room's events between
// instances.
//
// A durable event travels Store → Broker → room (ordered by seq, gaps filled
// from the Store) → every local client's bounded send queue, encoded once per
// audience. Each client's pending events leave as ONE newline-delimited frame:
// at once when the client has been quiet for a flush interval, otherwise at
// the end of the interval. A client whose queue overflows is closed with 4008.
// A few writer goroutines shared by all clients write the frames
// (writers.go); the hub frames its data frames itself (frames.go,
// frame_once.go) and shares each connection's socket with the WebSocket
// library, which keeps the handshake, reading, control frames and close
// (socket.go).
package hub
