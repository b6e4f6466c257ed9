package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hubbubhq/hubbub/rooms/roomlog"
	"go.uber.org/zap"
)

// backupHandler serves GET /backup on the private -metrics-addr listener: a
// consistent copy of the embedded disk log taken while the server runs
// (roomlog.Disk.Backup), to be restored as the rooms.db of a data directory
// together with its secret file (docs/operations.md, "Backup and
// restore"). It is never served on the public address: the log holds every
// room.
func backupHandler(disk *roomlog.Disk, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "hubbub-" + time.Now().UTC().Format("20060102-150405") + "-" + roomlog.DiskFile
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		start := time.Now()
		n, err := disk.Backup(w, func(size int64) {
			// A copy cut short is then seen as such by the client.
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		})
		if err != nil {
			// The status is sent already: the short copy fails to open,
			// and the log says why.
			log.Error("backup failed", zap.Error(err), zap.Int64("bytes", n))
			return
		}
		log.Info("backup sent", zap.Int64("bytes", n), zap.Duration("took", time.Since(start)))
	})
}
