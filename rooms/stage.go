package rooms

// What the room's screens put on stage (the room setting `stage`, set by
// the host with room_set). StageAuto is the default: the screen follows the
// room (a poll takes the stage when it opens or is revealed, a pin brings
// the questions back, a revealed quiz's leaderboard follows its answer).
// Every other value holds one element on stage, full size, on every screen
// of the room, until the host picks another.
const (
	StageAuto        = "auto"
	StageQuestion    = "question"    // the pinned question (the top questions when none is pinned)
	StagePoll        = "poll"        // the poll on stage: the last opened or revealed one, its chart or word cloud
	StageLeaderboard = "leaderboard" // the quiz standings, every ranked player in rows
	StagePodium      = "podium"      // the first three of the quiz standings
	StageCode        = "code"        // the join address, code and QR code
	StageBlank       = "blank"       // nothing: a dark stage
)

// Stages lists the values of the `stage` setting, StageAuto first.
var Stages = []string{StageAuto, StageQuestion, StagePoll, StageLeaderboard, StagePodium, StageCode, StageBlank}

// ErrUnknownStage refuses a room_set whose `stage` is none of Stages.
var ErrUnknownStage = &Error{Code: CodeBadRequest, Message: "unknown stage; use auto, question, poll, leaderboard, podium, code or blank"}

// ValidStage reports whether s is one of Stages.
func ValidStage(s string) bool {
	for _, v := range Stages {
		if s == v {
			return true
		}
	}
	return false
}

// storedStage is how a valid stage is kept in Room.Stage: StageAuto as ""
// (the field is left out of `room` events), so a room that never chose a
// stage reads as it did before the setting existed.
func storedStage(s string) string {
	if s == StageAuto {
		return ""
	}
	return s
}
