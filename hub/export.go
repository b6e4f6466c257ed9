package hub

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hubbubhq/hubbub/rooms"
)

// csvHeader is the header row of a CSV export: one table in which the
// section column tells a row's kind (room, question, comment, reaction), so
// that a spreadsheet can filter and sort it as a whole.
// Polls add their columns at the end (csvPollColumns).
var csvHeader = append([]string{"section", "id", "time", "author", "participant", "text", "status", "count", "pinned", "answered", "answer"},
	csvPollColumns...)

// utf8BOM starts a CSV export: without it Excel reads the file as the
// locale's legacy code page and garbles everything outside ASCII.
const utf8BOM = "\ufeff"

// export answers GET /api/rooms/:code/export?format=json|csv[&part=all|stats|report]
// for the host or moderator key, sent as `Authorization: Bearer <key>` or, for a plain
// download link, as the `key` query parameter.
func (a api) export(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		a.fail(c, &rooms.Error{Code: rooms.CodeBadRequest, Message: `format must be "json" or "csv"`})
		return
	}
	part := c.DefaultQuery("part", "all")
	switch part {
	case "all":
	case "stats":
		a.exportStats(c, format)
		return
	case "report":
		if format != "json" {
			a.fail(c, &rooms.Error{Code: rooms.CodeBadRequest, Message: `part "report" is JSON only`})
			return
		}
	default:
		a.fail(c, &rooms.Error{Code: rooms.CodeBadRequest, Message: `part must be "all", "stats" or "report"`})
		return
	}
	e, err := a.svc.Export(c.Request.Context(), staffCredential(c), c.Param("code"))
	if err != nil {
		a.fail(c, err)
		return
	}
	if part == "report" {
		// What the report page draws, not the whole room (rooms.ReportView).
		e = rooms.ReportView(e)
	}
	var body []byte
	var contentType string
	if format == "csv" {
		body, contentType = encodeExportCSV(e), "text/csv; charset=utf-8"
	} else {
		body, contentType = encodeExportJSON(e), "application/json; charset=utf-8"
	}
	name := "hubbub-" + e.Room.Code + "-" + time.UnixMilli(e.ExportedAtMS).UTC().Format("20060102") + "." + format
	h := c.Writer.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, contentType, body)
}

// encodeExportJSON writes the export indented, without HTML escaping (so
// "<" stays readable), with a final newline.
func encodeExportJSON(e rooms.Export) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		// Export holds only strings, numbers and booleans.
		panic("hub: encoding an export: " + err.Error())
	}
	return b.Bytes()
}

// encodeExportCSV writes the export as one CSV table (see csvHeader): UTF-8
// with a BOM, CRLF line ends, RFC 4180 quoting, and every text cell made
// safe against formula injection (csvSafe). Rows: the room (id: code, text:
// title, time: created, status: open or closed), then every question by id,
// the polls (pollCSVRows), every comment oldest first, and one row per
// reaction kind (id: the kind, count: its total). count is a question's
// upvotes or a reaction's total (and what pollCSVRows says on poll rows);
// pinned and answered are true or false on question rows and empty
// elsewhere.
func encodeExportCSV(e rooms.Export) []byte {
	var b bytes.Buffer
	b.WriteString(utf8BOM)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	write := func(cells ...string) {
		for i, s := range cells {
			cells[i] = csvSafe(s)
		}
		for len(cells) < len(csvHeader) {
			cells = append(cells, "")
		}
		_ = w.Write(cells) // writes to a bytes.Buffer do not fail
	}
	write(csvHeader...)
	status := "open"
	if e.Room.Closed {
		status = "closed"
	}
	write("room", e.Room.Code, e.Room.CreatedAt, "", "", e.Room.Title, status, "", "", "", "")
	for _, q := range e.Questions {
		write("question", q.ID, q.AskedAt, q.Author, q.Participant, q.Text, q.Status,
			strconv.FormatInt(q.Votes, 10), strconv.FormatBool(q.Pinned), strconv.FormatBool(q.Answered), q.Answer)
	}
	for _, row := range pollCSVRows(e.Polls) {
		write(row...)
	}
	for _, cm := range e.Comments {
		write("comment", cm.ID, cm.At, cm.Author, cm.Participant, cm.Text, "", "", "", "", "")
	}
	for i, kind := range rooms.ReactionKinds {
		write("reaction", kind, "", "", "", "", "", strconv.FormatInt(e.Reactions[i], 10), "", "", "")
	}
	w.Flush()
	return b.Bytes()
}

// csvSafe neutralizes a cell a spreadsheet would run as a formula (OWASP's
// CSV injection advice): one starting with =, +, -, @, a tab or a carriage
// return gets a leading single quote, which Excel and Numbers show as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
