package rooms

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Service validates commands against a room's rules and the actor's role and
// applies them to the Store. It is safe for concurrent use; Run must be
// running for reactions to go out.
type Service struct {
	store   Store
	pub     Publisher
	cfg     Config
	tokens  *Tokens
	log     *zap.Logger
	metrics *metrics
	limits  *limiters
	posts   addressPosts // per-address allowance (LimitAddressPosts)

	reactMu sync.Mutex
	pending map[string]*Reactions // room → reactions not yet flushed

	snapMu    sync.Mutex
	snapshots map[string]cachedSnapshot // room → shared part of its snapshot

	pollMu    sync.Mutex
	pollKinds map[string]Poll // room "|" poll id → the poll's fixed part

	insight *insightRecorder // figures not yet in the store: insight.go
}

// NewService returns a Service over store. pub carries the internal events
// (bans) the service makes; durable events are published by the store.
// reg may be nil.
func NewService(store Store, pub Publisher, cfg Config, log *zap.Logger, reg prometheus.Registerer) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		store:     store,
		pub:       pub,
		cfg:       cfg,
		tokens:    NewTokens(cfg.Secret).WithExpiry(cfg.TokenTTL, cfg.Now),
		log:       log,
		metrics:   newMetrics(reg),
		limits:    newLimiters(cfg),
		pending:   make(map[string]*Reactions),
		snapshots: make(map[string]cachedSnapshot),
		pollKinds: make(map[string]Poll),
		insight:   newInsightRecorder(),
	}
}

// Run sweeps idle rate limiters and deletes rooms whose retention ran out
// (retention.go) until ctx ends, then adds the reactions and figures not
// yet flushed to the store.
func (s *Service) Run(ctx context.Context) {
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	deletions := time.NewTicker(DeletionSweep)
	defer deletions.Stop()
	for {
		select {
		case <-ctx.Done():
			if _, err := s.FlushReactions(context.WithoutCancel(ctx), nil); err != nil {
				s.log.Warn("reactions not counted at shutdown", zap.Error(err))
			}
			return
		case now := <-sweep.C:
			s.limits.sweep(now.Add(-limiterIdle))
			if n := s.store.EvictIdle(now.Add(-ReplicaIdle)); n > 0 {
				s.log.Debug("idle rooms' replicas evicted", zap.Int("rooms", n))
			}
		case <-deletions.C:
			s.SweepDeletions(ctx)
		}
	}
}

// ReactionFlush is how often the hub should call FlushReactions: the most
// often a room's clients get a `reactions` event.
func (s *Service) ReactionFlush() time.Duration { return s.cfg.ReactionFlush }

// Ready reports whether the store can serve requests.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// Created is what POST /api/rooms returns: the code and the keys, shown once.
type Created struct {
	Code         string `json:"code"`
	HostKey      string `json:"host_key"`
	ModeratorKey string `json:"moderator_key"`
	URLs         struct {
		Audience string `json:"audience"`
		Host     string `json:"host"`
		Screen   string `json:"screen"`
	} `json:"urls"`
}

// CreateRoom makes a room with a fresh code and keys.
func (s *Service) CreateRoom(ctx context.Context, title string, moderation bool) (Created, error) {
	title, n := cleanText(title)
	if TextTooLong(title, n, MaxTitleRunes) {
		return Created{}, errorf(CodeTooLarge, "the title is longer than %s", lengthLimit(MaxTitleRunes))
	}
	if title == "" {
		title = "Untitled room"
	}
	hostKey, modKey := NewKeys()
	for attempt := 0; ; attempt++ {
		code := NewRoomCode()
		rec := RoomRecord{
			Room:             NewRoom(code, title, moderation, time.Now().UnixMilli()),
			HostKeyHash:      HashKey(hostKey),
			ModeratorKeyHash: HashKey(modKey),
		}
		err := s.store.CreateRoom(ctx, rec)
		if errors.Is(err, ErrRoomExists) && attempt < 10 {
			continue
		}
		if err != nil {
			return Created{}, err
		}
		c := Created{Code: code, HostKey: hostKey, ModeratorKey: modKey}
		c.URLs.Audience, c.URLs.Host, c.URLs.Screen = "/r/"+code, "/host/"+code, "/screen/"+code
		s.log.Info("room created", zap.String("room", code))
		return c, nil
	}
}

// Room returns a room's settings.
func (s *Service) Room(ctx context.Context, code string) (Room, error) {
	code, ok := NormalizeCode(code)
	if !ok {
		return Room{}, ErrRoomNotFound
	}
	rec, err := s.store.Room(ctx, code)
	return rec.Room, err
}

// Refusals of Join, which the hub turns into close codes.
var (
	ErrBadHello = &Error{Code: CodeBadRequest, Message: "the hello is not valid"}
	ErrBadToken = &Error{Code: CodeUnauthorized, Message: "the token is not valid for this room"}
)

// Join admits a connection: it resolves the room and the token into an
// Actor and returns the token the client should keep. An empty token makes
// a new anonymous participant. Refusals: ErrBadHello (malformed room code),
// ErrRoomNotFound, ErrBadToken, ErrBanned. The hub calls JoinFrom, which
// also knows the client's address.
func (s *Service) Join(ctx context.Context, h Hello) (Actor, string, error) {
	return s.JoinFrom(ctx, h, "")
}

// Authenticate resolves the bearer credential of an HTTP command: a host
// key, a moderator key or a participant token of the room.
func (s *Service) Authenticate(ctx context.Context, code, credential string) (Actor, error) {
	code, ok := NormalizeCode(code)
	if !ok {
		return Actor{}, ErrRoomNotFound
	}
	if credential == "" {
		return Actor{}, &Error{Code: CodeUnauthorized, Message: "send a host key, moderator key or participant token as a Bearer token"}
	}
	actor, _, err := s.authenticate(ctx, code, credential, false)
	return actor, err
}

// AuthenticateFrom is Authenticate for a client whose address group (IPv4
// address or IPv6 /64) is addr: its posts count against what that address
// may post in the room (LimitAddressPosts), over HTTP as over WebSocket.
func (s *Service) AuthenticateFrom(ctx context.Context, code, credential, addr string) (Actor, error) {
	actor, err := s.Authenticate(ctx, code, credential)
	if err == nil {
		actor.Addr = s.tokens.AddressHash(actor.Room, addr)
	}
	return actor, err
}

func (s *Service) authenticate(ctx context.Context, code, credential string, allowNew bool) (Actor, string, error) {
	rec, err := s.store.Room(ctx, code)
	if err != nil {
		return Actor{}, "", err
	}
	actor := Actor{Room: code, Role: RoleAudience}
	switch {
	case credential == "" && allowNew:
		actor.Participant = NewParticipantID()
		return actor, s.tokens.Sign(code, actor.Participant), nil
	case strings.HasPrefix(credential, hostKeyPrefix) && keyMatches(credential, rec.HostKeyHash):
		actor.Participant, actor.Role = HostParticipant, RoleHost
		return actor, credential, nil
	case strings.HasPrefix(credential, moderatorKeyPrefix) && keyMatches(credential, rec.ModeratorKeyHash):
		actor.Participant, actor.Role = ModeratorParticipant, RoleModerator
		return actor, credential, nil
	}
	participant, ok := s.tokens.Verify(code, credential)
	if !ok {
		return Actor{}, "", ErrBadToken
	}
	banned, err := s.store.Banned(ctx, code, participant)
	if err != nil {
		return Actor{}, "", err
	}
	if banned {
		return Actor{}, "", ErrBanned
	}
	actor.Participant = participant
	// A join renews the token: one in use never reaches its expiry.
	return actor, s.tokens.Sign(code, participant), nil
}

// Ack is the result of a command, sent in the `ack` event.
type Ack struct {
	Seq       uint64 `json:"seq,omitempty"`       // the seq of the event the command made
	Comment   string `json:"comment,omitempty"`   // id of the comment made
	Duplicate bool   `json:"duplicate,omitempty"` // the cid was seen before; nothing new was made
	Question  string `json:"question,omitempty"`  // id of the question asked or changed
	// Votes is the question's upvote count after an upvote or unvote.
	Votes *int64 `json:"votes,omitempty"`
	Poll  string `json:"poll,omitempty"` // id of the poll made, changed or voted in
	// Changed is false after a vote that repeated the ballot already cast.
	Changed *bool `json:"changed,omitempty"`
	// Hidden: how many questions and comments a ban with hide_posts hid;
	// Covered: whether a ban with cover_address knew an address group of
	// the participant to cover.
	Hidden  *int  `json:"hidden,omitempty"`
	Covered *bool `json:"covered,omitempty"`
	// HostKey and ModeratorKey: the new key a key_rotate made.
	HostKey      string `json:"host_key,omitempty"`
	ModeratorKey string `json:"moderator_key,omitempty"`
}

// Handle applies one command of actor. It returns a *Error for every
// refusal; other errors are failures of the store. What it applied counts
// in the room's insight figures.
func (s *Service) Handle(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	ack, err := s.handle(ctx, actor, cmd)
	if err == nil {
		s.observe(ctx, actor, cmd, ack)
	} else if e := AsError(err); e != nil {
		switch e.Code {
		case CodeNameRequired, CodeSlowMode, CodeTooNew, CodeRoomFull:
			s.metrics.protections.WithLabelValues(e.Code).Inc()
		}
	}
	return ack, err
}

// AllowCommand takes one command from actor's command limit
// (Config.CommandRate, CommandBurst; staff are not limited) and returns a
// rate_limited refusal when it is used up. Handle calls it for every command
// but reactions (they have their own limit); the hub calls it for frames
// that do not even decode, so that garbage costs as much as a command.
func (s *Service) AllowCommand(actor Actor) error {
	if actor.Role.Staff() || s.limits.get(actor.Room, actor.Participant, time.Now()).command.Allow() {
		return nil
	}
	s.metrics.rateLimited.WithLabelValues("command").Inc()
	return errorf(CodeRateLimited, "too many commands; wait a moment")
}

func (s *Service) handle(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if len(cmd.CID) > MaxCIDLength {
		return Ack{}, errorf(CodeBadRequest, "cid is longer than %d bytes", MaxCIDLength)
	}
	if cmd.Type != TypeReact {
		if err := s.AllowCommand(actor); err != nil {
			return Ack{}, err
		}
	}
	switch cmd.Type {
	case TypeComment:
		return s.comment(ctx, actor, cmd)
	case TypeCommentDelete:
		return s.commentDelete(ctx, actor, cmd)
	case TypeReact:
		return Ack{}, s.react(ctx, actor, cmd)
	case TypeRoomSet:
		return s.roomSet(ctx, actor, cmd)
	case TypeBan:
		return s.ban(ctx, actor, cmd)
	case TypeKeyRotate:
		return s.RotateKey(ctx, actor, cmd.Key, "")
	case TypeHello:
		return Ack{}, errorf(CodeBadRequest, "hello is only valid as the first message")
	case TypeAsk:
		return s.ask(ctx, actor, cmd)
	case TypeUpvote, TypeUnvote:
		return s.upvote(ctx, actor, cmd)
	case TypeQuestionDelete:
		return s.questionDelete(ctx, actor, cmd)
	case TypePollAnswerRemove:
		return s.pollAnswerRemove(ctx, actor, cmd)
	case TypeQuestionEdit:
		return s.questionEdit(ctx, actor, cmd)
	case TypeQuestionSet:
		return s.questionSet(ctx, actor, cmd)
	case TypePollCreate, TypePollSet, TypePollDelete, TypeVote:
		return s.handlePoll(ctx, actor, cmd)
	case TypeRunStep:
		return s.runStep(ctx, actor, cmd)
	}
	return Ack{}, errorf(CodeBadRequest, "unknown command type %q", cmd.Type)
}

func (s *Service) comment(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	text, n := cleanText(cmd.Text)
	switch {
	case n == 0:
		return Ack{}, errorf(CodeBadRequest, "a comment needs text")
	case TextTooLong(text, n, MaxCommentRunes):
		return Ack{}, errorf(CodeTooLarge, "a comment is at most %s", lengthLimit(MaxCommentRunes))
	}
	now := time.Now()
	res := s.limits.get(actor.Room, actor.Participant, now).comment.ReserveN(now, 1)
	if !res.OK() || res.DelayFrom(now) > 0 {
		res.CancelAt(now)
		s.metrics.rateLimited.WithLabelValues(TypeComment).Inc()
		return Ack{}, errorf(CodeRateLimited, "too many comments; wait a moment")
	}
	if err := s.addressPost(actor, TypeComment); err != nil {
		res.CancelAt(now) // the network's refusal costs the person nothing of their own pace
		return Ack{}, err
	}
	// Comments have no pending state: matched words are masked whatever
	// the room's filter setting.
	c := Comment{Text: s.cfg.WordFilter.Mask(text), Participant: actor.Participant, At: now.UnixMilli()}
	if !actor.Role.Staff() {
		c.Handle = NewHandle()
	}
	name := actor.Name
	if cmd.Name != "" {
		name = cleanName(cmd.Name)
	}
	if name != "" {
		c.Author = &name
	}
	made, ev, err := s.store.AddComment(ctx, actor.Room, c, cmd.CID)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Comment: made.ID, Duplicate: ev.Seq == 0}, nil
}

func (s *Service) commentDelete(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Comment == "" {
		return Ack{}, errorf(CodeBadRequest, "comment_delete needs \"comment\"")
	}
	author := actor.Participant
	if actor.Role.Staff() {
		author = ""
	}
	ev, err := s.store.DeleteComment(ctx, actor.Room, cmd.Comment, author)
	return Ack{Seq: ev.Seq}, err
}

func (s *Service) react(ctx context.Context, actor Actor, cmd Command) error {
	kind, ok := reactionIndex(cmd.Kind)
	if !ok {
		return errorf(CodeBadRequest, "unknown reaction %q; use one of %s", cmd.Kind, strings.Join(ReactionKinds[:], ", "))
	}
	now := time.Now()
	lim := s.limits.get(actor.Room, actor.Participant, now)
	if !s.limits.reactTrusted(lim, now) {
		if err := s.reactAllowed(ctx, actor); err != nil {
			return err
		}
		s.limits.trustReact(lim, now.Add(reactCheckTTL))
	}
	if !lim.react.Allow() {
		s.metrics.rateLimited.WithLabelValues(TypeReact).Inc()
		s.metrics.reactionsDropped.Inc()
		return nil // dropped silently: a reaction is not worth an error
	}
	s.reactMu.Lock()
	r := s.pending[actor.Room]
	if r == nil {
		r = new(Reactions)
		s.pending[actor.Room] = r
	}
	r[kind]++
	s.reactMu.Unlock()
	return nil
}

// reactAllowed reads from the store whether actor may react now: reactions
// on, the room open, actor not banned.
func (s *Service) reactAllowed(ctx context.Context, actor Actor) error {
	rec, err := s.store.Room(ctx, actor.Room)
	if err != nil {
		return err
	}
	if !rec.Reactions {
		return &Error{Code: CodeForbidden, Message: "reactions are turned off in this room"}
	}
	banned, err := s.store.Banned(ctx, actor.Room, actor.Participant)
	if err != nil {
		return err
	}
	return postAllowed(rec.Room, banned)
}

// FlushReactions adds the reactions this instance summed since the last
// flush to the store and returns the room totals of every room it added to
// or that is in watch (the rooms with local clients): one round trip to the
// store. Each instance sends its own clients the totals and the change since
// what it sent them last, so a room's clients get at most one `reactions`
// event per flush interval however many instances there are. Then it adds
// the insight figures this instance buffered (with the reactions just
// counted) in one more round trip.
func (s *Service) FlushReactions(ctx context.Context, watch []string) (map[string]Reactions, error) {
	totals, err := s.flushReactions(ctx, watch)
	if ierr := s.flushInsight(ctx); ierr != nil {
		s.log.Warn("insight figures not flushed", zap.Error(ierr))
	}
	return totals, err
}

func (s *Service) flushReactions(ctx context.Context, watch []string) (map[string]Reactions, error) {
	s.reactMu.Lock()
	pending := s.pending
	if len(pending) > 0 {
		s.pending = make(map[string]*Reactions, len(pending))
	} else {
		pending = nil // the map stays in use: never read it unlocked
	}
	s.reactMu.Unlock()
	deltas := make(map[string]Reactions, len(pending))
	var n int64
	for room, d := range pending {
		deltas[room] = *d
		for _, c := range d {
			n += c
		}
	}
	if len(deltas) == 0 && len(watch) == 0 {
		return nil, nil
	}
	totals, err := s.store.FlushReactions(ctx, deltas, watch)
	if err != nil {
		s.restorePending(deltas)
		return nil, err
	}
	s.metrics.reactionsFlushed.Add(float64(n))
	return totals, nil
}

// restorePending puts deltas the store did not take back, to try again at
// the next flush.
func (s *Service) restorePending(deltas map[string]Reactions) {
	s.reactMu.Lock()
	defer s.reactMu.Unlock()
	for room, d := range deltas {
		r := s.pending[room]
		if r == nil {
			r = new(Reactions)
			s.pending[room] = r
		}
		*r = r.Add(d)
	}
}

func (s *Service) roomSet(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if actor.Role != RoleHost {
		return Ack{}, &Error{Code: CodeForbidden, Message: "only the host may change room settings"}
	}
	patch := RoomPatch{Moderation: cmd.Moderation, Comments: cmd.Comments, Reactions: cmd.Reactions, QA: cmd.QA, Closed: cmd.Closed, Filter: cmd.Filter, RetentionDays: cmd.RetentionDays,
		NameRequired: cmd.NameRequired, HoldNewMinutes: cmd.HoldNewMinutes, SlowModeSeconds: cmd.SlowModeSeconds,
		Stage: cmd.Stage, Accent: cmd.Accent, Theme: cmd.Theme, Logo: cmd.Logo}
	if m := cmd.HoldNewMinutes; m != nil && (*m < 0 || *m > MaxHoldNewMinutes) {
		return Ack{}, errorf(CodeBadRequest, "hold_new_minutes must be 0–%d (0: off)", MaxHoldNewMinutes)
	}
	if n := cmd.SlowModeSeconds; n != nil && (*n < 0 || *n > MaxSlowModeSeconds) {
		return Ack{}, errorf(CodeBadRequest, "slow_mode_seconds must be 0–%d (0: off)", MaxSlowModeSeconds)
	}
	if cmd.Filter != nil && !ValidFilter(*cmd.Filter) {
		return Ack{}, errorf(CodeBadRequest, "unknown filter %q; use mask or moderate", *cmd.Filter)
	}
	if d := cmd.RetentionDays; d != nil && (*d < 0 || *d > MaxRetentionDays) {
		return Ack{}, errorf(CodeBadRequest, "retention_days must be 0–%d (0: the server's default)", MaxRetentionDays)
	}
	if cmd.Stage != nil && !ValidStage(*cmd.Stage) {
		return Ack{}, ErrUnknownStage
	}
	if err := patch.brandingError(); err != nil {
		return Ack{}, err
	}
	if cmd.Title != nil {
		title, n := cleanText(*cmd.Title)
		switch {
		case n == 0:
			return Ack{}, errorf(CodeBadRequest, "the title cannot be empty")
		case TextTooLong(title, n, MaxTitleRunes):
			return Ack{}, errorf(CodeTooLarge, "the title is longer than %s", lengthLimit(MaxTitleRunes))
		}
		patch.Title = &title
	}
	if patch == (RoomPatch{}) {
		return Ack{}, errorf(CodeBadRequest, "room_set needs at least one of title, moderation, comments, reactions, qa, closed, filter, retention_days, name_required, hold_new_minutes, slow_mode_seconds, stage, accent, theme, logo")
	}
	_, ev, err := s.store.UpdateRoom(ctx, actor.Room, patch)
	if err == nil {
		s.limits.distrustReactions(actor.Room)
	}
	return Ack{Seq: ev.Seq}, err
}

// ban bans the author of an item: exactly one of `question`, `comment`,
// `handle` (an item's handle), or `participant` (an id, as the protocol's
// first version had it; staff no longer receive ids). The room's machine
// resolves the item to its author, so staff never learn who it is, and its
// internal EventBan closes the author's connections on every instance.
// With hide_posts it also hides the author's questions and comments, with
// cover_address it refuses new participants from the address groups the
// author joined from (the joins this instance saw are flushed to the log
// first, so a participant that just joined here is covered too).
func (s *Service) ban(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if !actor.Role.Staff() {
		return Ack{}, &Error{Code: CodeForbidden, Message: "only moderators and hosts may ban"}
	}
	target, err := banTarget(cmd)
	if err != nil {
		return Ack{}, err
	}
	opts := BanOptions{HidePosts: cmd.HidePosts, CoverAddress: cmd.CoverAddress}
	var ack Ack
	if opts == (BanOptions{}) {
		if err := s.store.Ban(ctx, actor.Room, target); err != nil {
			return Ack{}, err
		}
	} else {
		if opts.CoverAddress {
			if err := s.flushInsight(ctx); err != nil {
				return Ack{}, err
			}
		}
		res, err := s.store.BanWith(ctx, actor.Room, target, opts)
		if err != nil {
			return Ack{}, err
		}
		if opts.HidePosts {
			ack.Hidden = &res.Hidden
		}
		if opts.CoverAddress {
			ack.Covered = &res.Covered
		}
	}
	s.limits.distrustReactions(actor.Room)
	s.log.Info("participant banned", zap.String("room", actor.Room), zap.String("item", target),
		zap.Bool("hide_posts", opts.HidePosts), zap.Bool("cover_address", opts.CoverAddress))
	return ack, nil
}

// banTarget returns what a ban command names, refusing anything but one
// well-formed question id, comment id, handle or participant id.
func banTarget(cmd Command) (string, error) {
	var named []string
	for _, v := range []string{cmd.Question, cmd.Comment, cmd.Handle, cmd.Participant} {
		if v != "" {
			named = append(named, v)
		}
	}
	if len(named) != 1 {
		return "", errorf(CodeBadRequest, "ban needs exactly one of \"question\", \"comment\" or \"handle\": the item whose author is banned")
	}
	ok := false
	switch {
	case cmd.Question != "":
		ok = questionNumber(cmd.Question) > 0
	case cmd.Comment != "":
		_, ok = itemNumber(cmd.Comment, 'c')
	case cmd.Handle != "":
		ok = IsHandle(cmd.Handle)
	default:
		ok = strings.HasPrefix(cmd.Participant, "p_")
	}
	if !ok {
		return "", errorf(CodeBadRequest, "ban names a question (\"q…\"), a comment (\"c…\") or a handle (\"h_…\")")
	}
	return named[0], nil
}

// Since returns the durable events of a room after seq; ok is false when a
// snapshot is needed instead.
func (s *Service) Since(ctx context.Context, code string, seq uint64) ([]Event, bool, error) {
	return s.store.Since(ctx, code, seq)
}

// Epoch returns the generation of a room's history: it changes when the
// room's log went backwards, and seq jumped (EpochSeqGap). 0 when the
// room cannot be read.
func (s *Service) Epoch(ctx context.Context, code string) uint64 {
	epoch, _ := s.store.Epoch(ctx, code)
	return epoch
}

// Seq returns a room's current seq.
func (s *Service) Seq(ctx context.Context, code string) (uint64, error) {
	return s.store.Seq(ctx, code)
}

// ReactionTotals returns a room's reaction totals as the store has them.
func (s *Service) ReactionTotals(ctx context.Context, code string) (Reactions, error) {
	totals, err := s.store.FlushReactions(ctx, nil, []string{code})
	return totals[code], err
}

// CurrentReactions returns the `reactions` event with a room's totals (and
// an empty delta), sent after a resume.
func (s *Service) CurrentReactions(ctx context.Context, code string) ([]byte, error) {
	totals, err := s.ReactionTotals(ctx, code)
	if err != nil {
		return nil, err
	}
	return ReactionsEvent(totals, Reactions{}), nil
}
