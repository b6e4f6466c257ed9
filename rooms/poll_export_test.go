package rooms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

// pollExportRoom is a room with a poll of every kind, filled by
// pollExportScenario through the Service.
type pollExportRoom struct {
	svc     *rooms.Service
	created rooms.Created
	host    rooms.Actor
	people  []rooms.Actor // audience members; people[0] and [1] also comment
}

// pollExportCrowd is how many people vote in the scenario: more than a
// text poll's results keep (MaxTextAnswers), and each writes a distinct
// word, so a wordcloud has more words than its results keep too.
const pollExportCrowd = rooms.MaxTextAnswers + 20

// pollExportScenario: p1 single (everyone; people 0–9 replace their
// ballot), p2 multi, p3 rating, p4 wordcloud (pollExportCrowd+1 distinct
// words), p5 text (pollExportCrowd answers; person 0 replaces theirs
// last), p6 quiz (the host votes too), p7 deleted, p8 a draft.
func pollExportScenario(t *testing.T, svc *rooms.Service) pollExportRoom {
	t.Helper()
	ctx := context.Background()
	r := pollExportRoom{svc: svc}
	var err error
	if r.created, err = svc.CreateRoom(ctx, "Polls", false); err != nil {
		t.Fatal(err)
	}
	join := func(token string) rooms.Actor {
		a, _, err := svc.Join(ctx, rooms.Hello{Type: rooms.TypeHello, Room: r.created.Code, Token: token})
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
		return a
	}
	r.host = join(r.created.HostKey)
	for range pollExportCrowd {
		r.people = append(r.people, join(""))
	}
	do := func(a rooms.Actor, cmd rooms.Command) rooms.Ack {
		t.Helper()
		ack, err := svc.Handle(ctx, a, cmd)
		if err != nil {
			t.Fatalf("%s %+v: %v", cmd.Type, cmd, err)
		}
		return ack
	}
	create := func(kind, title string, options []string, extra func(*rooms.Command)) string {
		cmd := rooms.Command{Type: rooms.TypePollCreate, Kind: kind, Title: &title, Options: options, State: rooms.PollOpen}
		if extra != nil {
			extra(&cmd)
		}
		return do(r.host, cmd).Poll
	}
	single := create(rooms.PollSingle, "Lunch?", []string{"pizza", "=salad", "soup"}, nil)
	multi := create(rooms.PollMulti, "Days", []string{"mon", "tue", "wed"}, nil)
	rating := create(rooms.PollRating, "How was it?", nil, nil)
	cloud := create(rooms.PollWordcloud, "One word", nil, nil)
	text := create(rooms.PollText, "Feedback", nil, nil)
	quiz := create(rooms.PollQuiz, "2+2", []string{"3", "4", "5"}, func(c *rooms.Command) { c.Correct = []int{1} })
	gone := create(rooms.PollSingle, "Deleted", []string{"a", "b"}, nil)
	create(rooms.PollRating, "Draft", nil, func(c *rooms.Command) { c.State = rooms.PollDraft })
	for i, a := range r.people {
		do(a, rooms.Command{Type: rooms.TypeVote, Poll: single, Choices: []int{i % 3}})
		if i < 10 {
			do(a, rooms.Command{Type: rooms.TypeVote, Poll: single, Choices: []int{2}}) // replaces
		}
		if i%2 == 0 {
			do(a, rooms.Command{Type: rooms.TypeVote, Poll: multi, Choices: []int{2, 0}})
		}
		do(a, rooms.Command{Type: rooms.TypeVote, Poll: rating, Rating: 1 + i%rooms.MaxRating})
		do(a, rooms.Command{Type: rooms.TypeVote, Poll: cloud, Text: "Common word" + strconv.Itoa(i)})
		do(a, rooms.Command{Type: rooms.TypeVote, Poll: text, Text: "answer " + strconv.Itoa(i)})
		do(a, rooms.Command{Type: rooms.TypeVote, Poll: gone, Choices: []int{0}})
	}
	do(r.people[0], rooms.Command{Type: rooms.TypeVote, Poll: text, Text: "+changed my mind"})
	do(r.host, rooms.Command{Type: rooms.TypeVote, Poll: quiz, Choices: []int{1}})
	do(r.people[1], rooms.Command{Type: rooms.TypeVote, Poll: quiz, Choices: []int{0}})
	do(r.host, rooms.Command{Type: rooms.TypePollDelete, Poll: gone})
	yes := true
	do(r.host, rooms.Command{Type: rooms.TypePollSet, Poll: single, State: rooms.PollClosed, Reveal: &yes})
	do(r.people[0], rooms.Command{Type: rooms.TypeComment, Text: "a comment"})
	do(r.people[1], rooms.Command{Type: rooms.TypeComment, Text: "another"})
	return r
}

var voterIDPattern = regexp.MustCompile(`^v_[0-9a-f]{12}$`)

// check verifies the export's polls: complete tallies, every ballot under a
// voter id that is the same for one person across polls and exports,
// differs between people and is never a participant id.
func (r pollExportRoom) check(t *testing.T, e rooms.Export) {
	t.Helper()
	ids := make([]string, len(e.Polls))
	for i, p := range e.Polls {
		ids[i] = p.ID
	}
	if strings.Join(ids, ",") != "p1,p2,p3,p4,p5,p6,p8" {
		t.Fatalf("polls %v, want every poll but the deleted p7, by id", ids)
	}
	single, multi, rating, cloud, text, quiz, draft := e.Polls[0], e.Polls[1], e.Polls[2], e.Polls[3], e.Polls[4], e.Polls[5], e.Polls[6]
	n := int64(pollExportCrowd)

	// Voter ids: one per person, the same in every poll.
	voterOf := make(map[string]string) // participant → voter id
	for _, a := range append([]rooms.Actor{r.host}, r.people...) {
		v := r.svc.VoterID(r.created.Code, a.Participant)
		if !voterIDPattern.MatchString(v) {
			t.Fatalf("voter id %q does not match %s", v, voterIDPattern)
		}
		if other, taken := voterOf[v]; taken {
			t.Fatalf("%s and %s share voter id %s", other, a.Participant, v)
		}
		voterOf[v] = a.Participant
	}
	checkVoters := func(p rooms.ExportPoll, want int) {
		t.Helper()
		if len(p.Ballots) != want || int64(want) != p.Results.Total {
			t.Fatalf("%s: %d ballots, total %d; want %d", p.ID, len(p.Ballots), p.Results.Total, want)
		}
		seen := make(map[string]bool)
		for _, b := range p.Ballots {
			if voterOf[b.Voter] == "" || seen[b.Voter] {
				t.Fatalf("%s: ballot %+v: unknown or repeated voter", p.ID, b)
			}
			seen[b.Voter] = true
		}
	}

	wantCounts := make([]int64, 3)
	for i := range pollExportCrowd {
		if i < 10 {
			wantCounts[2]++
		} else {
			wantCounts[i%3]++
		}
	}
	if single.Kind != rooms.PollSingle || single.Title != "Lunch?" || single.State != rooms.PollClosed || !single.Reveal ||
		fmt.Sprint(single.Options) != "[pizza =salad soup]" || single.Max != 1 || single.Correct != nil ||
		fmt.Sprint(single.Results.Counts) != fmt.Sprint(wantCounts) || single.Results.Average != "" || single.Results.Words != nil || single.Results.Answers != nil {
		t.Fatalf("single poll %+v, want counts %v", single, wantCounts)
	}
	checkVoters(single, pollExportCrowd)
	for _, b := range single.Ballots {
		i := r.personIndex(voterOf[b.Voter])
		want := i % 3
		if i < 10 {
			want = 2
		}
		if fmt.Sprint(b.Choices) != fmt.Sprint([]int{want}) || b.Rating != 0 || b.Words != nil || b.Text != "" {
			t.Fatalf("person %d's single ballot %+v, want [%d]", i, b, want)
		}
	}
	for i := 1; i < len(single.Ballots); i++ {
		if single.Ballots[i-1].Voter >= single.Ballots[i].Voter {
			t.Fatalf("single ballots not ordered by voter at %d", i)
		}
	}

	half := (n + 1) / 2
	if fmt.Sprint(multi.Results.Counts) != fmt.Sprint([]int64{half, 0, half}) || multi.Max != 3 {
		t.Fatalf("multi results %+v, want [%d 0 %d]", multi.Results, half, half)
	}
	checkVoters(multi, int(half))
	for _, b := range multi.Ballots {
		if fmt.Sprint(b.Choices) != "[0 2]" || r.personIndex(voterOf[b.Voter])%2 != 0 {
			t.Fatalf("multi ballot %+v", b)
		}
	}

	ratings, sum := make([]int64, rooms.MaxRating), int64(0)
	for i := range pollExportCrowd {
		ratings[i%rooms.MaxRating]++
		sum += int64(1 + i%rooms.MaxRating)
	}
	avg := (sum*200 + n) / (2 * n)
	if fmt.Sprint(rating.Results.Counts) != fmt.Sprint(ratings) || string(rating.Results.Average) != fmt.Sprintf("%d.%02d", avg/100, avg%100) {
		t.Fatalf("rating results %+v, want %v, average %d hundredths", rating.Results, ratings, avg)
	}
	checkVoters(rating, pollExportCrowd)

	// Every word, though the wire's results keep MaxCloudWords.
	if len(cloud.Results.Words) != pollExportCrowd+1 || cloud.Results.Words[0] != (rooms.ExportWord{Word: "common", Count: n}) ||
		len(cloud.Results.Counts) != 0 || cloud.Results.Counts == nil {
		t.Fatalf("wordcloud: %d words, first %+v; want %d, common first", len(cloud.Results.Words), cloud.Results.Words[:1], pollExportCrowd+1)
	}
	for i, w := range cloud.Results.Words[1:] {
		if w.Count != 1 || (i > 0 && cloud.Results.Words[i].Word >= w.Word) {
			t.Fatalf("wordcloud word %d %+v: want count 1, ordered by bytes", i+1, w)
		}
	}
	checkVoters(cloud, pollExportCrowd)
	for _, b := range cloud.Ballots {
		i := r.personIndex(voterOf[b.Voter])
		if fmt.Sprint(b.Words) != fmt.Sprintf("[common word%d]", i) {
			t.Fatalf("person %d's words %v", i, b.Words)
		}
	}

	// Every answer, in the order cast: person 0's replacement last.
	if len(text.Results.Answers) != pollExportCrowd || text.Results.Answers[0] != "answer 1" ||
		text.Results.Answers[pollExportCrowd-1] != "+changed my mind" {
		t.Fatalf("text: %d answers, first %q, last %q", len(text.Results.Answers), text.Results.Answers[0], text.Results.Answers[len(text.Results.Answers)-1])
	}
	checkVoters(text, pollExportCrowd)
	for i, b := range text.Ballots {
		if b.Text != text.Results.Answers[i] {
			t.Fatalf("text ballot %d %+v, want answer %q (ballots in the order cast)", i, b, text.Results.Answers[i])
		}
	}
	if text.Ballots[pollExportCrowd-1].Voter != r.svc.VoterID(r.created.Code, r.people[0].Participant) {
		t.Fatal("the replaced answer is not person 0's")
	}

	if fmt.Sprint(quiz.Correct) != "[1]" || fmt.Sprint(quiz.Results.Counts) != "[1 1 0]" {
		t.Fatalf("quiz %+v", quiz)
	}
	checkVoters(quiz, 2)
	if draft.State != rooms.PollDraft || draft.Results.Total != 0 || len(draft.Ballots) != 0 || draft.Ballots == nil ||
		fmt.Sprint(draft.Results.Counts) != "[0 0 0 0 0]" || draft.Results.Average != "0.00" || draft.Options == nil {
		t.Fatalf("draft %+v", draft)
	}

	// No participant id anywhere in the polls.
	body, err := json.Marshal(e.Polls)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range r.people {
		if strings.Contains(string(body), a.Participant) {
			t.Fatalf("the export's polls carry participant id %s", a.Participant)
		}
	}
	comments, err := json.Marshal(e.Comments)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Comments) != 2 || !rooms.IsHandle(e.Comments[0].Participant) || strings.Contains(string(comments), r.people[0].Participant) {
		t.Fatalf("comments %+v", e.Comments)
	}
}

// personIndex returns i of people[i] for a participant id, or fails.
func (r pollExportRoom) personIndex(participant string) int {
	for i, a := range r.people {
		if a.Participant == participant {
			return i
		}
	}
	return -1
}

func testPollExport(t *testing.T, svc *rooms.Service) {
	r := pollExportScenario(t, svc)
	ctx := context.Background()
	e1, err := svc.Export(ctx, r.created.HostKey, r.created.Code)
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, e1)
	// A second export names every voter the same.
	e2, err := svc.Export(ctx, r.created.ModeratorKey, r.created.Code)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(e1.Polls)
	b, _ := json.Marshal(e2.Polls)
	if string(a) != string(b) {
		t.Fatal("two exports of an unchanged room differ in their polls")
	}
}

func TestPollExportMemory(t *testing.T) {
	svc := rooms.NewService(rooms.NewLogStore(rooms.NewMemoryLog(), nopPublisher{}, rooms.LogStoreOptions{}), nopPublisher{}, rooms.Config{Secret: []byte("s")}, zap.NewNop(), nil)
	testPollExport(t, svc)
}

func TestPollExportRedis(t *testing.T) {
	srv := redistest.Start(t)
	store := rooms.NewLogStore(roomlog.NewRedis(redisClient(t, srv), roomlog.RedisOptions{}), nopPublisher{}, rooms.LogStoreOptions{Shared: true})
	svc := rooms.NewService(store, nopPublisher{}, rooms.Config{Secret: []byte("s")}, zap.NewNop(), nil)
	testPollExport(t, svc)
}

// TestVoterID: voter ids depend on the secret, the room and the participant,
// and are never the participant id.
func TestVoterID(t *testing.T) {
	a, b := rooms.NewTokens([]byte("secret a")), rooms.NewTokens([]byte("secret b"))
	id := a.VoterID("K7QX2M", "p_0123456789abcdef")
	for what, other := range map[string]string{
		"another secret":      b.VoterID("K7QX2M", "p_0123456789abcdef"),
		"another room":        a.VoterID("K7QX2N", "p_0123456789abcdef"),
		"another participant": a.VoterID("K7QX2M", "p_0123456789abcdee"),
	} {
		if other == id {
			t.Errorf("%s gives the same voter id %s", what, id)
		}
	}
	if !voterIDPattern.MatchString(id) || id != a.VoterID("K7QX2M", "p_0123456789abcdef") {
		t.Fatalf("voter id %q: want %s, stable", id, voterIDPattern)
	}
}
