package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// maxAPIBody bounds HTTP API request bodies, like a WebSocket frame.
const maxAPIBody = ReadLimit

// NewRouter returns the HTTP handler of an instance: the WebSocket endpoint,
// the HTTP API, health and metrics, and the pages from the pages file system
// (index.html, audience.html, host.html, screen.html, report.html and assets
// under /static/).
func NewRouter(h *Hub, gatherer prometheus.Gatherer, pages fs.FS) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		h.log.Error("handler panic", zap.Any("panic", err), zap.String("path", c.Request.URL.Path))
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	r.Use(securityHeaders(h.cfg.EmbedOrigins), bodyDeadline(h.cfg.BodyTimeout))
	a := api{hub: h, svc: h.svc}

	r.GET("/ws", gin.WrapF(h.ServeWS))
	r.POST("/api/rooms", a.createRoom)
	r.GET("/api/rooms/:code", a.room)
	r.POST("/api/rooms/:code/commands", a.command)
	r.GET("/api/rooms/:code/export", a.export)
	r.GET("/api/rooms/:code/stats", a.stats)
	r.DELETE("/api/rooms/:code", a.deleteRoom)
	r.GET("/api/rooms/:code/qr.svg", a.qr)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.ready)
	if !h.cfg.SeparateMetrics {
		r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})))
	}

	files, err := pageAssets(pages)
	if err != nil {
		panic("hub: reading the pages: " + err.Error()) // the embedded files: a build defect
	}
	page := func(name string) gin.HandlerFunc {
		return func(c *gin.Context) { files.serve(c, name) }
	}
	r.GET("/", page("index.html"))
	r.GET("/r/:code", page("audience.html"))
	r.GET("/host/:code", page("host.html"))
	r.GET("/screen/:code", page("screen.html"))
	r.GET("/report/:code", page("report.html"))
	r.GET("/static/*file", func(c *gin.Context) { files.serve(c, strings.TrimPrefix(c.Param("file"), "/")) })
	r.NoRoute(func(c *gin.Context) { a.fail(c, &rooms.Error{Code: rooms.CodeNotFound, Message: "no such page"}) })
	return r
}

// api holds the HTTP API handlers.
type api struct {
	hub *Hub
	svc *rooms.Service
}

func (a api) createRoom(c *gin.Context) {
	// A form or a no-cors fetch from another site can POST text/plain
	// without asking first; a JSON body needs a CORS preflight, which this
	// server never grants, so rooms are created only from its own pages and
	// from real API clients.
	if mt, _, _ := mime.ParseMediaType(c.ContentType()); mt != "application/json" {
		c.Data(http.StatusUnsupportedMediaType, "application/json", encodeError(nil, &rooms.Error{
			Code: rooms.CodeBadRequest, Message: "send the room as JSON, with Content-Type: application/json"}))
		return
	}
	if ok, wait := a.hub.creates.allow(a.hub.cfg.TrustedProxies.addressKey(c.Request)); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		a.fail(c, &rooms.Error{Code: rooms.CodeRateLimited,
			Message: fmt.Sprintf("too many rooms created from this address; try again in %d s", secs)})
		return
	}
	var req struct {
		Title      string `json:"title"`
		Moderation bool   `json:"moderation"`
		// From: copy this room's settings and polls (its host key in
		// Authorization); Moderation is then the copied room's.
		From string `json:"from"`
	}
	if err := readJSON(c, &req, true); err != nil {
		a.fail(c, err)
		return
	}
	var created rooms.Created
	var err error
	if req.From != "" {
		created, err = a.svc.CloneRoom(c.Request.Context(), staffCredential(c), req.From, req.Title)
	} else {
		created, err = a.svc.CreateRoom(c.Request.Context(), req.Title, req.Moderation)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, created)
}

func (a api) room(c *gin.Context) {
	addr := a.hub.cfg.TrustedProxies.addressKey(c.Request)
	if refused := a.hub.joins.admit(addr, c.Param("code"), false, false); refused != nil {
		c.Header("Connection", "close")
		a.fail(c, refused)
		return
	}
	r, err := a.svc.Room(c.Request.Context(), c.Param("code"))
	if err != nil {
		a.hub.joins.joined(addr, err)
		// A guess costs a connection: the next one needs a new handshake.
		c.Header("Connection", "close")
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, struct {
		rooms.Room
		Presence int `json:"presence"`
	}{r, a.hub.Presence(c.Request.Context(), r.Code)})
}

// command applies one protocol command sent over HTTP, for bots and
// integrations: `Authorization: Bearer <key or token>`, the command as the
// JSON body; the answer is the ack or error event with a matching status.
func (a api) command(c *gin.Context) {
	ctx := c.Request.Context()
	credential, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	actor, err := a.svc.AuthenticateFrom(ctx, c.Param("code"), strings.TrimSpace(credential), a.hub.cfg.TrustedProxies.addressKey(c.Request))
	if err != nil {
		a.fail(c, err)
		return
	}
	body, err := readBody(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	cmd, err := rooms.DecodeCommand(body)
	if err == nil {
		var ack rooms.Ack
		if ack, err = a.svc.Handle(ctx, actor, cmd); err == nil {
			a.hub.metrics.commands.WithLabelValues(commandLabel(cmd.Type), "ok").Inc()
			var id int64
			if cmd.ID != nil {
				id = *cmd.ID
			}
			c.Data(http.StatusOK, "application/json", encodeAck(id, ack))
			return
		}
	}
	if e := rooms.AsError(err); e != nil {
		a.hub.metrics.commands.WithLabelValues(commandLabel(cmd.Type), e.Code).Inc()
		c.Data(e.HTTPStatus(), "application/json", encodeError(cmd.ID, e))
		return
	}
	a.fail(c, err)
}

func (a api) ready(c *gin.Context) {
	a.hub.mu.Lock()
	closing := a.hub.closing
	a.hub.mu.Unlock()
	if closing {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unready"})
		return
	}
	if err := a.svc.Ready(c.Request.Context()); err != nil {
		// Why goes to the log only: a dial error names internal addresses.
		a.hub.log.Warn("not ready: store unreachable", zap.Error(err))
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unready"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// bodyDeadline bounds reading the body of every request but the WebSocket
// upgrade (whose connection the hub owns from then on).
func bodyDeadline(timeout time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.Path != "/ws" && c.Request.Body != nil && c.Request.Body != http.NoBody {
			_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(timeout))
		}
	}
}

// readBody reads a request body of at most maxAPIBody bytes.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxAPIBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &rooms.Error{Code: rooms.CodeTooLarge, Message: "the request body is larger than 4 KiB"}
	}
	if err != nil {
		return nil, &rooms.Error{Code: rooms.CodeBadRequest, Message: "could not read the request body"}
	}
	return body, nil
}

// readJSON decodes a bounded JSON body into v; an empty body is allowed
// when emptyOK.
func readJSON(c *gin.Context, v any, emptyOK bool) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 && emptyOK {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &rooms.Error{Code: rooms.CodeBadRequest, Message: "the body must be a JSON object: " + err.Error()}
	}
	return nil
}

// staffCredential is the key of a staff request: `Authorization: Bearer
// <key>` or, for a plain link, the `key` query parameter.
func staffCredential(c *gin.Context) string {
	credential, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	credential = strings.TrimSpace(credential)
	if !ok || credential == "" {
		credential = c.Query("key")
	}
	return credential
}

// errNewerRules answers a request for a room whose log holds entries of
// newer rules than this instance runs (a rolling upgrade): an upgraded
// instance serves it.
var errNewerRules = &rooms.Error{Code: rooms.CodeUnavailable, Message: "this room is served by a newer version of the server; try again"}

// answerOf is what a client is told of err: a refusal as it is, a room
// of newer rules as errNewerRules; nil for any other error (a failure the
// caller logs and answers as unavailable).
func answerOf(err error) *rooms.Error {
	if e := rooms.AsError(err); e != nil {
		return e
	}
	if errors.Is(err, rooms.ErrNewerRules) {
		return errNewerRules
	}
	return nil
}

// fail writes a refusal as {"type":"error","code":..,"message":..} with its
// status; any other error is logged and answered 503 unavailable.
func (a api) fail(c *gin.Context, err error) {
	e := answerOf(err)
	if e == nil {
		a.hub.log.Error("api request failed", zap.String("path", c.Request.URL.Path), zap.Error(err))
		e = &rooms.Error{Code: rooms.CodeUnavailable, Message: "the server could not complete the request; try again"}
	}
	c.Data(e.HTTPStatus(), "application/json", encodeError(nil, e))
}
