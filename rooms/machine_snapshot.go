package rooms

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
)

// machineState is a Machine as a snapshot keeps it. Its JSON is canonical:
// slices in the machine's order, sets as sorted lists, and maps (which
// encoding/json writes with sorted keys), so equal states encode to equal
// bytes and Hash can compare replicas.
type machineState struct {
	Code      string            `json:"code"`
	Created   bool              `json:"created"`
	Room      Room              `json:"room"`
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
	Reactions []int64           `json:"reactions"`
}

type machineStateQ struct {
	Question
	Voters []string `json:"voters"`
}

// Snapshot encodes the machine's state after its last entry (Pos).
// Restore(Snapshot()) is a machine in the same state.
func (m *Machine) Snapshot() []byte {
	st := machineState{
		Code: m.code, Created: m.created, Room: m.room, Seq: m.seq, Pos: m.pos, Epoch: m.epoch,
		Pinned: m.pinned, NextQ: m.nextQ, AskCIDs: m.askCIDs,
		Comments: m.comments, CommentCI: m.commentCID, NextC: m.nextC,
		Reactions: m.reactions[:],
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
		slices.Sort(voters)
		// Participant is kept with the state even though staff-only on the wire.
		st.Questions = append(st.Questions, machineStateQ{Question: mq.q, Voters: voters})
	}
	for p := range m.banned {
		st.Banned = append(st.Banned, p)
	}
	slices.Sort(st.Banned)
	b, err := json.Marshal(st)
	if err != nil {
		panic("rooms: encoding a machine snapshot: " + err.Error())
	}
	return b
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
		code: st.Code, created: st.Created, room: st.Room, seq: st.Seq, pos: st.Pos, epoch: st.Epoch,
		pinned: st.Pinned, nextQ: st.NextQ, askCIDs: st.AskCIDs,
		comments: st.Comments, commentCID: st.CommentCI, nextC: st.NextC,
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
	if len(st.Banned) > 0 {
		m.banned = make(map[string]bool, len(st.Banned))
		for _, p := range st.Banned {
			m.banned[p] = true
		}
	}
	return m, nil
}
