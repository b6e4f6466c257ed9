package rooms

import (
	"context"
	"fmt"
	"testing"

	"go.uber.org/zap"
)

// BenchmarkCommand measures one accepted command through Service.Handle
// on a log store over the memory log: the checks, the record's encoding,
// the append, the replica's apply and the events' encoding and publish;
// what the embedded server spends per command besides the network and the
// disk. The audience is 1,000 participants taking turns.
func BenchmarkCommand(b *testing.B) {
	cfg := Config{Secret: []byte("bench"), CommandRate: 1e9, CommandBurst: 1 << 30, AskRate: 1e9, AskBurst: 1 << 30, RoomAskRate: 1e9, RoomAskBurst: 1 << 30, CommentRate: 1e9, CommentBurst: 1 << 30}
	svc := NewService(newTestStore(discard{}, cfg), discard{}, cfg, zap.NewNop(), nil)
	ctx := context.Background()
	created, err := svc.CreateRoom(ctx, "Bench", false)
	if err != nil {
		b.Fatal(err)
	}
	join := func(token string) Actor {
		a, _, err := svc.Join(ctx, Hello{Type: TypeHello, Room: created.Code, Token: token, Name: "Ada"})
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	host := join(created.HostKey)
	audience := make([]Actor, 1000)
	for i := range audience {
		audience[i] = join("")
	}
	must := func(a Actor, cmd Command) Ack {
		ack, err := svc.Handle(ctx, a, cmd)
		if err != nil {
			b.Fatalf("%s: %v", cmd.Type, err)
		}
		return ack
	}
	poll := must(host, Command{Type: TypePollCreate, Kind: PollSingle, Title: ptr("Lunch?"), Options: []string{"pizza", "soup", "salad", "curry"}}).Poll
	must(host, Command{Type: TypePollSet, Poll: poll, State: PollOpen})
	question := must(host, Command{Type: TypeAsk, Text: "Which of these costs the most?"}).Question

	commands := map[string]func(i int) (Actor, Command){
		"vote": func(i int) (Actor, Command) {
			return audience[i%len(audience)], Command{Type: TypeVote, Poll: poll, Choices: []int{i / len(audience) % 4}}
		},
		"upvote": func(i int) (Actor, Command) {
			typ := TypeUpvote
			if i/len(audience)%2 == 1 {
				typ = TypeUnvote
			}
			return audience[i%len(audience)], Command{Type: typ, Question: question}
		},
		"comment": func(i int) (Actor, Command) {
			return audience[i%len(audience)], Command{Type: TypeComment, Text: fmt.Sprintf("comment %d on the talk", i)}
		},
	}
	for _, name := range []string{"vote", "upvote", "comment"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				a, cmd := commands[name](i)
				i++
				must(a, cmd)
			}
		})
	}
}
