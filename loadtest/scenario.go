package loadtest

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// Defaults of a Scenario's tuning fields; a zero field means the default.
const (
	DefaultTarget            = "http://127.0.0.1:8080"
	DefaultRamp              = 500.0 // clients connected per second
	DefaultDuration          = 10 * time.Second
	DefaultDrain             = 5 * time.Second // most time to wait for in-flight events after traffic stops
	DefaultConnectTimeout    = 10 * time.Second
	DefaultCommentsPerClient = 1.0  // per publishing client per second (server default limit: 2/s burst 10)
	DefaultReactsPerClient   = 10.0 // per publishing client per second (server default limit: 20/s burst 40)
	// DefaultQuestionsPerClient keeps each asking client under the server's
	// ask limit (3 per minute, burst 3): one question every 25 s.
	DefaultQuestionsPerClient = 0.04
	DefaultUpvoteQuestions    = 1   // questions the harness asks for the upvote driver, per room
	MaxUpvoteQuestions        = 3   // the host asks them, and may ask 3 at once
	DefaultSourceAddrs        = 64  // loopback source addresses clients are spread over
	DefaultMaxInflightDials   = 256 // handshakes in flight at once, on top of the ramp's pacing
)

// Scenario is what one load test does. Rates are per room. The zero value of
// a tuning field (Ramp, Drain, ...) means its Default constant.
type Scenario struct {
	Preset         string        `json:"preset,omitempty"`
	Targets        []string      `json:"targets"`              // base URLs; clients and publishers spread round-robin
	Rooms          int           `json:"rooms"`                // rooms to create (ignored when RoomCodes is set)
	RoomCodes      []string      `json:"room_codes,omitempty"` // use these existing rooms instead of creating
	ClientsPerRoom int           `json:"clients_per_room"`
	Ramp           float64       `json:"ramp"`     // clients connected per second, all rooms together
	Duration       time.Duration `json:"duration"` // traffic (or hold, when there is none) after the ramp
	Drain          time.Duration `json:"drain"`
	ConnectTimeout time.Duration `json:"connect_timeout"`

	CommentRate float64 `json:"comment_rate"` // comments per second per room
	ReactRate   float64 `json:"react_rate"`   // reactions per second per room

	CommentsPerClient float64 `json:"comments_per_client"` // publishing pace of one client
	ReactsPerClient   float64 `json:"reacts_per_client"`

	QuestionRate       float64 `json:"question_rate"`        // questions asked per second per room
	QuestionsPerClient float64 `json:"questions_per_client"` // asking pace of one client (default 0.04/s)
	// UpvoteRate is upvote (and, past one per client and question, unvote)
	// actions per second per room, on the UpvoteQuestions questions the
	// harness asks with the room's host key when traffic starts.
	UpvoteRate       float64 `json:"upvote_rate"`
	UpvotesPerClient float64 `json:"upvotes_per_client"` // 0: the rate spread over every client of the room
	UpvoteQuestions  int     `json:"upvote_questions"`   // default 1, at most 3
	// UpvoteFor ends the upvote storm this long after traffic starts (0: the
	// whole traffic phase); the run sends exactly UpvoteRate × UpvoteFor.
	UpvoteFor time.Duration `json:"upvote_for"`

	// VoteRate is ballots per second per room in the VotePolls polls the
	// harness creates (open and revealed) with the room's host key when
	// traffic starts: a single-choice poll, then a wordcloud (polls.go).
	VoteRate       float64 `json:"vote_rate"`
	VotesPerClient float64 `json:"votes_per_client"` // 0: the rate spread over every client of the room
	VotePolls      int     `json:"vote_polls"`       // default 1, at most 2
	// VoteFor ends the vote storm this long after traffic starts (0: the
	// whole traffic phase); the run sends exactly VoteRate × VoteFor.
	VoteFor time.Duration `json:"vote_for"`

	// Attackers per room mint identity after identity during traffic, each
	// firing questions, comments, reactions and ballots at full speed
	// (abuse.go), each from one address of its own as a script on one
	// machine would (attackerDialer); the report's abuse section says how
	// the server answered, the rest of it what the other clients saw
	// meanwhile.
	Attackers int `json:"attackers"`

	// DropRate is connections per second per room the harness breaks
	// during traffic (churn.go): alternately a drop (the TCP connection
	// closed without a close frame, as when a phone loses its network) and
	// a leave (close 1000); either way the client comes back 0.5–5 s later
	// as the same participant (token and since), so the run's accounting of
	// upvotes and ballots stays exact.
	DropRate float64 `json:"drop_rate"`
	// Verify checks, after the clients closed, that everything the server
	// acknowledged is in each room's export (verify.go): every acked
	// comment and question, and every client's acked ballot in the polls'
	// results. Needs rooms the harness creates (the export needs the host key).
	Verify bool `json:"verify"`
	// DeleteRooms deletes the rooms the harness created at the end of the
	// run (DELETE /api/rooms/{code} with the host key), as the soak does so
	// that the store holds only the rooms in play.
	DeleteRooms bool `json:"delete_rooms"`

	NoReconnect bool `json:"no_reconnect"` // do not resume after 1001/1012/4008
	SourceAddrs int  `json:"source_addrs"`
}

// Presets are named scenarios (`-preset NAME`), documented in docs/loadtest.md.
var Presets = map[string]Scenario{
	// smoke: small and quick; CI runs it with -assert.
	"smoke": {Rooms: 1, ClientsPerRoom: 200, Ramp: 400, Duration: 5 * time.Second, CommentRate: 20},
	// storm: one busy room, many publishers.
	"storm": {Rooms: 1, ClientsPerRoom: 2000, Ramp: 1000, Duration: 30 * time.Second, CommentRate: 200},
	// audience: a big audience, a calm comment stream.
	"audience": {Rooms: 1, ClientsPerRoom: 5000, Ramp: 1000, Duration: 30 * time.Second, CommentRate: 10},
	// event: comments plus a heavy reaction stream that the server coalesces.
	"event": {Rooms: 1, ClientsPerRoom: 6000, Ramp: 1000, Duration: 30 * time.Second, CommentRate: 10, ReactRate: 1000},
	// upvotes: 2,000 clients each upvote one question within 5 s, under a calm comment stream.
	"upvotes": {Rooms: 1, ClientsPerRoom: 2000, Ramp: 1000, Duration: 10 * time.Second, CommentRate: 10, UpvoteRate: 400, UpvoteFor: 5 * time.Second},
	// questions: a steady stream of questions (and comments) from many askers.
	"questions": {Rooms: 1, ClientsPerRoom: 1000, Ramp: 1000, Duration: 30 * time.Second, CommentRate: 10, QuestionRate: 20},
	// polls: 5,000 clients vote in a single-choice poll and a wordcloud within
	// 10 s (every client once in each, 1,000 replace their single-choice
	// ballot), under a calm comment stream; results revealed to everyone.
	"polls": {Rooms: 1, ClientsPerRoom: 5000, Ramp: 1000, Duration: 12 * time.Second, CommentRate: 10,
		VoteRate: 1100, VotePolls: 2, VoteFor: 10 * time.Second},
	// abuse: one attacker minting identities and asking, commenting, voting
	// and reacting at full speed, while 2,000 clients follow a calm event.
	"abuse": {Rooms: 1, ClientsPerRoom: 2000, Ramp: 1000, Duration: 20 * time.Second, CommentRate: 10, ReactRate: 100, Attackers: 1},
	// soak: one wave of the soak (soak.go, make soak): a small room on
	// every target with everything at once — joins, drops and leaves,
	// comments, reactions, questions, upvotes, ballots in two polls — and
	// every acknowledged comment, question and ballot checked in the
	// room's export, which is deleted at the end.
	"soak": {Rooms: 1, ClientsPerRoom: 40, Ramp: 40, Duration: 30 * time.Second, CommentRate: 4, ReactRate: 20,
		QuestionRate: 0.5, UpvoteRate: 2, UpvoteQuestions: 2, VoteRate: 4, VotePolls: 2, DropRate: 0.5,
		Verify: true, DeleteRooms: true},
	// idle: connected clients and no traffic; reports server RSS per client.
	"idle": {Rooms: 1, ClientsPerRoom: 10000, Ramp: 1000, Duration: 10 * time.Second},
}

// PresetNames lists the presets in a stable order.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns the named preset scenario.
func Preset(name string) (Scenario, error) {
	s, ok := Presets[name]
	if !ok {
		return Scenario{}, fmt.Errorf("unknown preset %q (have %s)", name, strings.Join(PresetNames(), ", "))
	}
	s.Preset = name
	return s, nil
}

// LoadFile overlays the fields present in a JSON scenario file onto s.
// Durations may be Go duration strings ("5s") or numbers of seconds.
func (s *Scenario) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return s.overlayJSON(data)
}

func (s *Scenario) overlayJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("scenario file: %w", err)
	}
	durations := map[string]*time.Duration{"duration": &s.Duration, "drain": &s.Drain, "connect_timeout": &s.ConnectTimeout, "upvote_for": &s.UpvoteFor, "vote_for": &s.VoteFor}
	for k, v := range raw {
		if d, ok := durations[k]; ok {
			if err := parseJSONDuration(v, d); err != nil {
				return fmt.Errorf("scenario file: %s: %w", k, err)
			}
			delete(raw, k)
		}
	}
	rest, _ := json.Marshal(raw)
	dec := json.NewDecoder(strings.NewReader(string(rest)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		return fmt.Errorf("scenario file: %w", err)
	}
	return nil
}

func parseJSONDuration(v json.RawMessage, d *time.Duration) error {
	var str string
	if json.Unmarshal(v, &str) == nil {
		p, err := time.ParseDuration(str)
		*d = p
		return err
	}
	var secs float64
	if err := json.Unmarshal(v, &secs); err != nil {
		return fmt.Errorf("want a duration like \"5s\" or seconds")
	}
	*d = time.Duration(secs * float64(time.Second))
	return nil
}

// withDefaults returns s with every zero tuning field set to its default.
func (s Scenario) withDefaults() Scenario {
	if len(s.Targets) == 0 {
		s.Targets = []string{DefaultTarget}
	}
	if s.Rooms == 0 && len(s.RoomCodes) == 0 {
		s.Rooms = 1
	}
	if len(s.RoomCodes) > 0 {
		s.Rooms = len(s.RoomCodes)
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Ramp, DefaultRamp)
	def(&s.CommentsPerClient, DefaultCommentsPerClient)
	def(&s.ReactsPerClient, DefaultReactsPerClient)
	def(&s.QuestionsPerClient, DefaultQuestionsPerClient)
	if s.UpvotesPerClient == 0 && s.ClientsPerRoom > 0 {
		s.UpvotesPerClient = s.UpvoteRate / float64(s.ClientsPerRoom)
	}
	if s.VotesPerClient == 0 && s.ClientsPerRoom > 0 {
		s.VotesPerClient = s.VoteRate / float64(s.ClientsPerRoom)
	}
	if s.VotePolls == 0 {
		s.VotePolls = DefaultVotePolls
	}
	if s.UpvoteQuestions == 0 {
		s.UpvoteQuestions = DefaultUpvoteQuestions
	}
	if s.Duration == 0 {
		s.Duration = DefaultDuration
	}
	if s.Drain == 0 {
		s.Drain = DefaultDrain
	}
	if s.ConnectTimeout == 0 {
		s.ConnectTimeout = DefaultConnectTimeout
	}
	if s.SourceAddrs == 0 {
		s.SourceAddrs = DefaultSourceAddrs
	}
	return s
}

// Validate reports the first thing wrong with s (after defaults).
func (s Scenario) Validate() error {
	s = s.withDefaults()
	switch {
	case s.ClientsPerRoom < 1:
		return fmt.Errorf("clients per room must be at least 1")
	case s.Attackers < 0:
		return fmt.Errorf("attackers must not be negative")
	case s.Attackers > 0 && len(s.RoomCodes) > 0:
		return fmt.Errorf("attackers need rooms the harness creates (it opens their poll with the host key), not -room-codes")
	case (s.Verify || s.DeleteRooms) && len(s.RoomCodes) > 0:
		return fmt.Errorf("verify and delete-rooms need rooms the harness creates (export and delete need the host key), not -room-codes")
	case s.Ramp < 0, s.CommentRate < 0, s.ReactRate < 0, s.QuestionRate < 0, s.UpvoteRate < 0, s.VoteRate < 0, s.DropRate < 0:
		return fmt.Errorf("rates must not be negative")
	case s.Duration < 0, s.UpvoteFor < 0, s.VoteFor < 0:
		return fmt.Errorf("duration must not be negative")
	case s.UpvoteQuestions < 1 || s.UpvoteQuestions > MaxUpvoteQuestions:
		return fmt.Errorf("upvote questions must be 1 to %d", MaxUpvoteQuestions)
	case s.VotePolls < 1 || s.VotePolls > MaxVotePolls:
		return fmt.Errorf("vote polls must be 1 to %d", MaxVotePolls)
	case s.VoteRate > 0 && len(s.RoomCodes) > 0:
		return fmt.Errorf("votes need rooms the harness creates (it creates the polls with their host keys), not -room-codes")
	case s.UpvoteRate > 0 && len(s.RoomCodes) > 0:
		return fmt.Errorf("upvotes need rooms the harness creates (it asks the questions with their host keys), not -room-codes")
	}
	for _, t := range s.Targets {
		if !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://") {
			return fmt.Errorf("target %q: want http://host:port or https://host:port", t)
		}
	}
	return nil
}

// TotalClients is the number of clients the scenario connects.
func (s Scenario) TotalClients() int { return s.withDefaults().Rooms * s.ClientsPerRoom }

// scenarioJSON is the report's view of a scenario: durations as strings.
type scenarioJSON struct {
	Scenario
	Duration       string `json:"duration"`
	Drain          string `json:"drain"`
	ConnectTimeout string `json:"connect_timeout"`
	UpvoteFor      string `json:"upvote_for"`
	VoteFor        string `json:"vote_for"`
}

func (s Scenario) reportView() scenarioJSON {
	return scenarioJSON{Scenario: s, Duration: s.Duration.String(), Drain: s.Drain.String(), ConnectTimeout: s.ConnectTimeout.String(), UpvoteFor: s.UpvoteFor.String(), VoteFor: s.VoteFor.String()}
}
