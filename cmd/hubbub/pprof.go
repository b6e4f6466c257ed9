package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/zap"
)

// servePprof serves Go's profiles on addr, apart from the public listener,
// and returns a function that stops it.
func servePprof(addr string, log *zap.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return serveSide(addr, mux, "pprof", log)
}

// serveSide serves h on addr, apart from the public listener (profiles,
// metrics), and returns a function that stops it and waits for it.
func serveSide(addr string, h http.Handler, what string, log *zap.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	log.Info(what+" serving", zap.String("addr", ln.Addr().String()))
	return func() { srv.Close(); <-done }, nil
}
