package rooms

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// machineState is a Machine as a snapshot keeps it. Its JSON is canonical:
// slices in the machine's order, sets as sorted lists, and maps (which
// encoding/json writes with sorted keys), so equal states encode to equal
// bytes and Hash can compare replicas.
type machineState struct {
	Code      string            `json:"code"`
	Created   bool              `json:"created"`
	Room      Room              `json:"room"`
	Keys      RoomKeys          `json:"keys"`
	Seq       uint64            `json:"seq"`
	Pos       uint64            `json:"pos"`
	Epoch     uint64            `json:"epoch"`
	Questions []machineStateQ   `json:"questions"`
	Pinned    string            `json:"pinned"`
	NextQ     uint64            `json:"next_q"`
	AskCIDs   map[string]string `json:"ask_cids"`
	Comments  []Comment         `json:"comments"`
	CommentCI map[string]string `json:"comment_cids"`
	NextC     uint64            `json:"next_c"`
	Banned    []string          `json:"banned"`
	Authors   map[string]string `json:"authors,omitempty"`
	Reactions []int64           `json:"reactions"`
	Polls     []machineStateP   `json:"polls"`
	NextP     uint64            `json:"next_p"`
	// Points: quiz id → participant → points of its latest close; the
	// room totals are their sums. Names: participant → quiz ballot name.
	Points  map[string]map[string]int64 `json:"points"`
	Names   map[string]string           `json:"names"`
	Insight machineStateInsight         `json:"insight"`
	// Guard and LastActive came with rules version 2: a snapshot of
	// version 1 has neither (machine_guard.go).
	Guard      machineStateGuard `json:"guard"`
	LastActive int64             `json:"last_active,omitempty"`
}

type machineStateGuard struct {
	Joined  map[string]int64    `json:"joined,omitempty"`
	Addrs   map[string][]string `json:"addrs,omitempty"`
	Posted  map[string]int64    `json:"posted,omitempty"`
	Covered []string            `json:"covered,omitempty"`
	Asks    askBucket           `json:"asks"`
}

type machineStateInsight struct {
	Seen            []string                `json:"seen"`
	Active          []string                `json:"active"`
	Connected       int64                   `json:"connected"`
	Peak            int64                   `json:"peak"`
	PeakAt          int64                   `json:"peak_at"`
	Minutes         map[int64]InsightMinute `json:"minutes"`
	ReactionSeconds map[int64]int64         `json:"reaction_seconds"`
	PollPresent     map[string]int64        `json:"poll_present"`
	ClosedAt        int64                   `json:"closed_at"`
	DeleteAt        int64                   `json:"delete_at"`
}

// keysOf returns the keys of a set, in no order; nil when empty.
func keysOf(set map[string]bool) []string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	return out
}

// setOf returns keys as a set; nil when empty.
func setOf(keys []string) map[string]bool {
	if len(keys) == 0 {
		return nil
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// nilIfEmpty returns m, or nil when it is empty.
func nilIfEmpty[K comparable, V any](m map[K]V) map[K]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

type machineStateP struct {
	Poll    Poll            `json:"poll"`
	Ballots []machineStateB `json:"ballots"` // by participant
	Casts   uint64          `json:"casts"`
}

type machineStateB struct {
	Participant string `json:"p"`
	Ballot      Ballot `json:"b"`
	Cast        uint64 `json:"cast"`
	Left        int64  `json:"left,omitempty"`
}

type machineStateQ struct {
	Question
	Voters []string `json:"voters"`
}

// Snapshot encodes the machine's state after its last entry (Pos).
// Restore(Snapshot()) is a machine in the same state.
func (m *Machine) Snapshot() []byte { return encodeMachineState(m.state()) }

// encodeMachineState encodes a state made by Machine.state, in canonical
// order.
func encodeMachineState(st machineState) []byte {
	st.sort()
	b, err := json.Marshal(st)
	if err != nil {
		panic("rooms: encoding a machine snapshot: " + err.Error())
	}
	return b
}

// state returns the machine's state as a snapshot keeps it, sharing no
// memory the machine goes on changing (maps and slices are copies), so
// that it can be encoded, which costs most of a snapshot, while the
// machine applies further entries (Replica.SaveSnapshot; checked under
// -race by TestSnapshotStateWhileApplying).
func (m *Machine) state() machineState {
	st := machineState{
		Code: m.code, Created: m.created, Room: m.room, Keys: m.keys, Seq: m.seq, Pos: m.pos, Epoch: m.epoch,
		Pinned: m.pinned, NextQ: m.nextQ, AskCIDs: maps.Clone(m.askCIDs),
		Comments: slices.Clone(m.comments), CommentCI: maps.Clone(m.commentCID), NextC: m.nextC,
		Reactions: slices.Clone(m.reactions[:]), Authors: maps.Clone(nilIfEmpty(m.authors)),
	}
	// Empty is empty, however the state came to be (nil or emptied).
	if len(st.Comments) == 0 {
		st.Comments = nil
	}
	if len(st.AskCIDs) == 0 {
		st.AskCIDs = nil
	}
	if len(st.CommentCI) == 0 {
		st.CommentCI = nil
	}
	for _, mq := range m.questions {
		voters := make([]string, 0, len(mq.voters))
		for v := range mq.voters {
			voters = append(voters, v)
		}
		// Participant is kept with the state even though staff-only on the wire.
		st.Questions = append(st.Questions, machineStateQ{Question: mq.q, Voters: voters})
	}
	for p := range m.banned {
		st.Banned = append(st.Banned, p)
	}
	st.NextP, st.Names = m.polls.nextP, maps.Clone(m.polls.names)
	if len(st.Names) == 0 {
		st.Names = nil
	}
	for id, pts := range m.polls.points {
		if st.Points == nil {
			st.Points = make(map[string]map[string]int64)
		}
		if len(pts) == 0 {
			pts = nil
		}
		st.Points[id] = maps.Clone(pts)
	}
	in := &m.insight
	st.Insight = machineStateInsight{
		Seen: keysOf(in.seen), Active: keysOf(in.active),
		Connected: in.connected, Peak: in.peak, PeakAt: in.peakAt,
		ReactionSeconds: maps.Clone(nilIfEmpty(in.reactionSeconds)), PollPresent: maps.Clone(nilIfEmpty(in.pollPresent)),
		ClosedAt: in.closedAt, DeleteAt: in.deleteAt,
	}
	for k, im := range in.minutes {
		if st.Insight.Minutes == nil {
			st.Insight.Minutes = make(map[int64]InsightMinute)
		}
		st.Insight.Minutes[k] = *im
	}
	for _, mp := range m.polls.list {
		sp := machineStateP{Poll: mp.p, Casts: mp.casts}
		for who, b := range mp.ballots {
			sp.Ballots = append(sp.Ballots, machineStateB{Participant: who, Ballot: b, Cast: mp.cast[who], Left: mp.left[who]})
		}
		st.Polls = append(st.Polls, sp)
	}
	g := &m.guard
	st.Guard = machineStateGuard{Joined: maps.Clone(nilIfEmpty(g.joined)), Addrs: cloneLists(nilIfEmpty(g.addrs)),
		Posted: maps.Clone(nilIfEmpty(g.posted)), Covered: keysOf(g.covered), Asks: g.asks}
	st.LastActive = m.lastActive
	return st
}

// cloneLists copies a map of lists, lists included (the machine changes
// them in place).
func cloneLists(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, list := range m {
		out[k] = slices.Clone(list)
	}
	return out
}

// sort puts the state's sets and per-participant lists in their canonical
// order; encodeMachineState does it, after the replica's lock, since it
// is the larger part of what remains of a snapshot's cost.
func (st *machineState) sort() {
	for i := range st.Questions {
		slices.Sort(st.Questions[i].Voters)
	}
	for i := range st.Polls {
		slices.SortFunc(st.Polls[i].Ballots, func(a, b machineStateB) int { return strings.Compare(a.Participant, b.Participant) })
	}
	slices.Sort(st.Banned)
	slices.Sort(st.Insight.Seen)
	slices.Sort(st.Insight.Active)
	slices.Sort(st.Guard.Covered)
}

// Hash is a digest of the machine's state: replicas that applied the same
// log have the same hash.
func (m *Machine) Hash() [32]byte { return sha256.Sum256(m.Snapshot()) }

// RestoreMachine returns the machine a Snapshot encoded.
func RestoreMachine(data []byte) (*Machine, error) {
	var st machineState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("rooms: reading a machine snapshot: %w", err)
	}
	m := &Machine{
		code: st.Code, created: st.Created, room: st.Room, keys: st.Keys, seq: st.Seq, pos: st.Pos, epoch: st.Epoch,
		pinned: st.Pinned, nextQ: st.NextQ, askCIDs: st.AskCIDs,
		comments: st.Comments, commentCID: st.CommentCI, nextC: st.NextC, authors: st.Authors,
	}
	copy(m.reactions[:], st.Reactions)
	if len(st.Questions) > 0 {
		m.byID, m.texts = make(map[string]*machineQuestion, len(st.Questions)), make(map[string]string, len(st.Questions))
	}
	for _, sq := range st.Questions {
		mq := &machineQuestion{q: sq.Question, voters: make(map[string]bool, len(sq.Voters))}
		for _, v := range sq.Voters {
			mq.voters[v] = true
		}
		m.questions = append(m.questions, mq)
		m.byID[mq.q.ID] = mq
		m.texts[mq.q.Text] = mq.q.ID
	}
	si := st.Insight
	m.insight = machineInsight{
		seen: setOf(si.Seen), active: setOf(si.Active),
		connected: si.Connected, peak: si.Peak, peakAt: si.PeakAt,
		reactionSeconds: si.ReactionSeconds, pollPresent: si.PollPresent,
		closedAt: si.ClosedAt, deleteAt: si.DeleteAt,
	}
	for k, im := range si.Minutes {
		if m.insight.minutes == nil {
			m.insight.minutes = make(map[int64]*InsightMinute)
		}
		m.insight.minutes[k] = &im
	}
	m.polls.nextP, m.polls.names, m.polls.points = st.NextP, st.Names, st.Points
	for _, pts := range st.Points {
		for who, n := range pts {
			if m.polls.totals == nil {
				m.polls.totals = make(map[string]int64)
			}
			m.polls.totals[who] += n
		}
	}
	for _, sp := range st.Polls {
		mp := newMachinePoll(sp.Poll)
		mp.casts = sp.Casts
		for _, sb := range sp.Ballots {
			mp.ballots[sb.Participant] = sb.Ballot
			mp.cast[sb.Participant] = sb.Cast
			if sp.Poll.Kind == PollQuiz {
				mp.left[sb.Participant] = sb.Left
			}
			mp.add(sb.Ballot, 1)
		}
		if m.polls.byID == nil {
			m.polls.byID = make(map[string]*machinePoll)
		}
		m.polls.list = append(m.polls.list, mp)
		m.polls.byID[mp.p.ID] = mp
	}
	m.guard = machineGuard{joined: st.Guard.Joined, addrs: st.Guard.Addrs, posted: st.Guard.Posted, covered: setOf(st.Guard.Covered), asks: st.Guard.Asks}
	m.lastActive = st.LastActive
	m.giveHandles()
	if len(st.Banned) > 0 {
		m.banned = make(map[string]bool, len(st.Banned))
		for _, p := range st.Banned {
			m.banned[p] = true
		}
	}
	return m, nil
}
