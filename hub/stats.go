package hub

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hubbubhq/hubbub/rooms"
)

// roomStats reads a room's figures with its live presence.
func (a api) roomStats(c *gin.Context) (rooms.Stats, error) {
	ctx := c.Request.Context()
	code, ok := rooms.NormalizeCode(c.Param("code"))
	if !ok {
		return rooms.Stats{}, rooms.ErrRoomNotFound
	}
	return a.svc.Stats(ctx, staffCredential(c), code, a.hub.Presence(ctx, code))
}

// stats answers GET /api/rooms/:code/stats for the host or moderator key:
// the room's insight figures (rooms.Stats) as JSON.
func (a api) stats(c *gin.Context) {
	st, err := a.roomStats(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", encodeStatsJSON(st))
}

// exportStats answers GET /api/rooms/:code/export?part=stats&format=...:
// the figures of /stats as a JSON or CSV attachment.
func (a api) exportStats(c *gin.Context, format string) {
	st, err := a.roomStats(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	body, contentType := encodeStatsJSON(st), "application/json; charset=utf-8"
	if format == "csv" {
		body, contentType = encodeStatsCSV(st), "text/csv; charset=utf-8"
	}
	name := "hubbub-" + st.Room.Code + "-stats-" + time.UnixMilli(st.GeneratedAtMS).UTC().Format("20060102") + "." + format
	h := c.Writer.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentType, body)
}

// deleteRoom answers DELETE /api/rooms/:code for the host key: the room
// and all its data are deleted, its connections closed with 4004.
func (a api) deleteRoom(c *gin.Context) {
	if err := a.svc.DeleteRoom(c.Request.Context(), staffCredential(c), c.Param("code")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// encodeStatsJSON writes the figures indented, without HTML escaping.
func encodeStatsJSON(st rooms.Stats) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil {
		// Stats holds only strings, numbers and booleans.
		panic("hub: encoding stats: " + err.Error())
	}
	return b.Bytes()
}

// statsCSVHeader is the header row of the stats CSV: one table in which
// the section column tells a row's kind (summary, timeline, poll,
// top_question, burst).
var statsCSVHeader = []string{"section", "key", "minute", "joined", "connected", "questions", "upvotes", "ballots", "reactions", "comments", "value"}

// encodeStatsCSV writes the figures as one CSV table (statsCSVHeader),
// made like the export's (UTF-8 BOM, CRLF, RFC 4180, csvSafe cells).
func encodeStatsCSV(st rooms.Stats) []byte {
	var b bytes.Buffer
	b.WriteString(utf8BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	write := func(cells ...string) {
		for i, s := range cells {
			cells[i] = csvSafe(s)
		}
		_ = w.Write(cells) // writes to a bytes.Buffer do not fail
	}
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	f64 := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	write(statsCSVHeader...)
	p, q, in := st.Participants, st.Questions, st.Interactions
	for _, kv := range [][2]string{
		{"unique", i64(p.Unique)}, {"active", i64(p.Active)}, {"participation_rate", f64(p.ParticipationRate)},
		{"connected", i64(p.Connected)}, {"peak_connected", i64(p.PeakConnected)},
		{"questions", i64(in.Questions)}, {"upvotes", i64(in.Upvotes)}, {"ballots", i64(in.Ballots)},
		{"reactions", i64(in.Reactions)}, {"comments", i64(in.Comments)}, {"interactions", i64(in.Total)},
		{"asked", i64(q.Asked)}, {"live", strconv.Itoa(q.Live)}, {"answered", strconv.Itoa(q.Answered)},
		{"pending", strconv.Itoa(q.Pending)}, {"hidden", strconv.Itoa(q.Hidden)},
	} {
		write("summary", kv[0], "", "", "", "", "", "", "", "", kv[1])
	}
	for _, m := range st.Timeline {
		write("timeline", "", m.Minute, i64(m.Joined), i64(m.Connected), i64(m.Questions), i64(m.Upvotes),
			i64(m.Ballots), i64(m.Reactions), i64(m.Comments), "")
	}
	for _, pl := range st.Polls {
		write("poll", pl.ID, "", "", i64(pl.Present), "", "", i64(pl.Ballots), "", "", f64(pl.ResponseRate))
	}
	for _, tq := range q.Top {
		write("top_question", tq.ID, "", "", "", "", i64(tq.Votes), "", "", "", tq.Text)
	}
	for _, bu := range st.ReactionBursts {
		write("burst", "", bu.Start, "", "", "", "", "", i64(bu.Reactions), "", i64(bu.Seconds))
	}
	w.Flush()
	return b.Bytes()
}
