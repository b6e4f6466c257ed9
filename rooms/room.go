package rooms

// Room is a room's public settings, as sent in `room` events and snapshots.
type Room struct {
	Code       string `json:"code"`
	Title      string `json:"title"`
	Moderation bool   `json:"moderation"` // new questions start pending
	Comments   bool   `json:"comments"`   // comments are on
	Reactions  bool   `json:"reactions"`  // reactions are on
	QA         bool   `json:"qa"`         // questions are on
	Closed     bool   `json:"closed"`     // nobody may post, vote or react
	CreatedAt  int64  `json:"created_at"` // Unix milliseconds
	// Filter is what happens to a question containing a word of the word
	// filter: FilterMask (the default) or FilterModerate. Comments are
	// masked either way. Last, so that adding it only appended a field to
	// the events of earlier versions.
	Filter string `json:"filter"`
	// RetentionDays is how long the room's data is kept once it is closed,
	// in days; 0 means the server's default (Config.Retention). Appended
	// after Filter for the same reason.
	RetentionDays int `json:"retention_days"`
	// NameRequired: questions and comments need a name; a participant
	// without one is refused with name_required. Appended, like the
	// options below it, after RetentionDays, and left out of the JSON
	// when off, so a room that uses none keeps the bytes it had.
	NameRequired bool `json:"name_required,omitempty"`
	// HoldNewMinutes: the questions of a participant who first joined the
	// room less than this many minutes ago start pending, and its comments
	// are refused with too_new; 0: off. Measured from the time of the log
	// entry that first recorded the participant's join.
	HoldNewMinutes int `json:"hold_new_minutes,omitempty"`
	// SlowModeSeconds: each participant may post (ask or comment) once per
	// this many seconds; sooner is refused with slow_mode. 0: off.
	SlowModeSeconds int `json:"slow_mode_seconds,omitempty"`
	// Stage is what the room's screens show (stage.go): one of Stages
	// other than StageAuto, or "" for StageAuto (left out of events).
	Stage string `json:"stage,omitempty"`
	// Accent, Theme and Logo dress the screens (branding.go); "" each is
	// the default (left out of events).
	Accent string `json:"accent,omitempty"`
	Theme  string `json:"theme,omitempty"`
	Logo   string `json:"logo,omitempty"`
}

// RoomRecord is a room as the Store keeps it: settings and hashed keys.
type RoomRecord struct {
	Room
	HostKeyHash      [32]byte
	ModeratorKeyHash [32]byte
}

// RoomPatch is a change of settings; nil fields stay as they are.
type RoomPatch struct {
	Title      *string
	Moderation *bool
	Comments   *bool
	Reactions  *bool
	QA         *bool
	Closed     *bool
	Filter     *string // FilterMask or FilterModerate, checked by the Service
	// RetentionDays: 0–MaxRetentionDays, checked by the Service.
	RetentionDays *int
	NameRequired  *bool
	// HoldNewMinutes: 0–MaxHoldNewMinutes; SlowModeSeconds:
	// 0–MaxSlowModeSeconds; both checked by the Service.
	HoldNewMinutes  *int
	SlowModeSeconds *int
	// Stage: one of Stages, checked by the Service and the Machine.
	Stage *string
	// Accent, Theme, Logo: see branding.go, checked by the Service and the Machine.
	Accent, Theme, Logo *string
}

// Apply returns r with the patch's fields set.
func (p RoomPatch) Apply(r Room) Room {
	if p.Title != nil {
		r.Title = *p.Title
	}
	setBool(&r.Moderation, p.Moderation)
	setBool(&r.Comments, p.Comments)
	setBool(&r.Reactions, p.Reactions)
	setBool(&r.QA, p.QA)
	setBool(&r.Closed, p.Closed)
	if p.Filter != nil {
		r.Filter = *p.Filter
	}
	if p.RetentionDays != nil {
		r.RetentionDays = *p.RetentionDays
	}
	setBool(&r.NameRequired, p.NameRequired)
	setInt(&r.HoldNewMinutes, p.HoldNewMinutes)
	setInt(&r.SlowModeSeconds, p.SlowModeSeconds)
	if p.Stage != nil {
		r.Stage = storedStage(*p.Stage)
	}
	if p.Accent != nil {
		r.Accent = storedAccent(*p.Accent)
	}
	if p.Theme != nil {
		r.Theme = storedTheme(*p.Theme)
	}
	if p.Logo != nil {
		r.Logo = *p.Logo
	}
	return r
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// NewRoom returns the settings of a new room: every feature on, open,
// matched words masked.
func NewRoom(code, title string, moderation bool, createdAt int64) Room {
	return Room{Code: code, Title: title, Moderation: moderation, Comments: true, Reactions: true, QA: true, CreatedAt: createdAt, Filter: FilterMask}
}

// roomEvent encodes the `room` event carrying r.
func roomEvent(seq uint64, r Room) []byte { return encodeEvent(EventRoom, seq, r) }

// postAllowed refuses posts to closed rooms and from banned participants.
func postAllowed(r Room, banned bool) error {
	if banned {
		return ErrBanned
	}
	if r.Closed {
		return ErrRoomClosed
	}
	return nil
}
