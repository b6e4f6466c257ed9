// Command hubbub-load drives one or several hubbub instances with thousands of
// WebSocket clients and reports delivery latency, throughput and loss. See
// docs/loadtest.md.
//
//	hubbub-load -preset smoke -targets http://127.0.0.1:8080 -assert 'p99<100ms,loss=0'
//
// A scenario comes from a preset (-preset), then a JSON file (-scenario),
// then the flags given on the command line, each overriding the one before.
// The exit status is 0 on success, 1 when an -assert threshold failed or the
// run could not be done, 2 on bad usage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/hubbubhq/hubbub/loadtest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// defaultClients is the clients per room without a preset or flag.
const defaultClients = 100

// options are the flags that are not part of the scenario.
type options struct {
	preset, scenarioFile string
	json, html, assert   string
	cpuProfile           string
	wait                 time.Duration
	quiet, listMetrics   bool
}

// bindScenario registers the scenario flags on fs, writing into s.
func bindScenario(fs *flag.FlagSet, s *loadtest.Scenario) {
	fs.Var((*listFlag)(&s.Targets), "targets", "comma-separated base URLs of hubbub instances; clients spread round-robin (default "+loadtest.DefaultTarget+")")
	fs.IntVar(&s.Rooms, "rooms", s.Rooms, "rooms to create through POST /api/rooms")
	fs.Var((*listFlag)(&s.RoomCodes), "room-codes", "comma-separated codes of existing rooms to use instead of creating")
	fs.IntVar(&s.ClientsPerRoom, "clients-per-room", s.ClientsPerRoom, "clients joined to each room")
	fs.Float64Var(&s.Ramp, "ramp", s.Ramp, "clients connected per second (0: default)")
	fs.DurationVar(&s.Duration, "duration", s.Duration, "traffic after the ramp (or hold, with no traffic)")
	fs.DurationVar(&s.Drain, "drain", s.Drain, "most time to wait for in-flight events after traffic")
	fs.DurationVar(&s.ConnectTimeout, "connect-timeout", s.ConnectTimeout, "time one client has from dial to welcome")
	fs.Float64Var(&s.CommentRate, "comment-rate", s.CommentRate, "comments per second per room")
	fs.Float64Var(&s.ReactRate, "react-rate", s.ReactRate, "reactions per second per room")
	fs.Float64Var(&s.CommentsPerClient, "comments-per-client", s.CommentsPerClient, "comments per second one publishing client sends (0: default 1)")
	fs.Float64Var(&s.ReactsPerClient, "reacts-per-client", s.ReactsPerClient, "reactions per second one publishing client sends (0: default 10)")
	fs.Float64Var(&s.QuestionRate, "question-rate", s.QuestionRate, "questions asked per second per room (timed like comments)")
	fs.Float64Var(&s.QuestionsPerClient, "questions-per-client", s.QuestionsPerClient, "questions per second one asking client sends (0: default 0.04, under the server's 3 per minute)")
	fs.Float64Var(&s.UpvoteRate, "upvote-rate", s.UpvoteRate, "upvotes (toggling to unvotes past one per client and question) per second per room, on questions the host asks at traffic start")
	fs.Float64Var(&s.UpvotesPerClient, "upvotes-per-client", s.UpvotesPerClient, "upvote actions per second one client sends (0: the rate spread over every client of the room)")
	fs.IntVar(&s.UpvoteQuestions, "upvote-questions", s.UpvoteQuestions, "questions the host asks for upvoting, per room (0: default 1, at most 3)")
	fs.DurationVar(&s.UpvoteFor, "upvote-for", s.UpvoteFor, "end the upvote storm this long after traffic starts (0: all of it); exactly upvote-rate × upvote-for are sent")
	fs.Float64Var(&s.VoteRate, "vote-rate", s.VoteRate, "ballots per second per room, in polls the host creates (open, revealed) at traffic start; a second round replaces ballots")
	fs.Float64Var(&s.VotesPerClient, "votes-per-client", s.VotesPerClient, "ballots per second one client sends (0: the rate spread over every client of the room)")
	fs.IntVar(&s.Attackers, "attackers", s.Attackers, "attacking clients per room: each mints identity after identity and fires questions, comments, reactions and ballots at full speed")
	fs.IntVar(&s.VotePolls, "vote-polls", s.VotePolls, "polls the host creates for voting, per room: 1 single-choice, 2 adds a wordcloud (0: default 1)")
	fs.DurationVar(&s.VoteFor, "vote-for", s.VoteFor, "end the vote storm this long after traffic starts (0: all of it); exactly vote-rate × vote-for are sent")
	fs.Float64Var(&s.DropRate, "drop-rate", s.DropRate, "connections per second per room broken during traffic, alternately dropped (no close frame) and left (1000); each comes back 0.5–5 s later as the same participant")
	fs.BoolVar(&s.Verify, "verify", s.Verify, "after the run, check every acknowledged comment, question and ballot in each room's export (host key)")
	fs.BoolVar(&s.DeleteRooms, "delete-rooms", s.DeleteRooms, "delete the rooms the harness created at the end (host key)")
	fs.BoolVar(&s.NoReconnect, "no-reconnect", s.NoReconnect, "do not resume after 1001/1012/4008/4029 closes")
	fs.IntVar(&s.SourceAddrs, "source-addrs", s.SourceAddrs, "loopback source addresses (127.0.x.y) to spread clients over (0: default 64)")
}

// newFlags defines every flag on a new FlagSet writing into the returned options.
func newFlags(stderr io.Writer) (*flag.FlagSet, *options) {
	opt := &options{}
	var given loadtest.Scenario // only read through fs.Visit
	fs := flag.NewFlagSet("hubbub-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opt.preset, "preset", "", "named scenario: "+strings.Join(loadtest.PresetNames(), ", "))
	fs.StringVar(&opt.scenarioFile, "scenario", "", "JSON scenario file (overrides the preset; flags override it)")
	fs.StringVar(&opt.json, "json", "", "write the JSON report to this file")
	fs.StringVar(&opt.html, "html", "", "write the HTML report (self-contained, with charts) to this file")
	fs.StringVar(&opt.assert, "assert", "", "thresholds, e.g. 'p99<100ms,loss=0,connect_failures=0' (see -list-metrics); exit 1 when missed")
	fs.DurationVar(&opt.wait, "wait", 0, "wait up to this long for every target's /readyz before starting")
	fs.BoolVar(&opt.quiet, "quiet", false, "no live progress on stderr")
	fs.StringVar(&opt.cpuProfile, "cpuprofile", "", "write the harness's own CPU profile to this file")
	fs.BoolVar(&opt.listMetrics, "list-metrics", false, "list the metrics -assert accepts and exit")
	bindScenario(fs, &given)
	return fs, opt
}

func run(args []string, stdout, stderr io.Writer) int {
	fs, opt := newFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hubbub-load: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if opt.listMetrics {
		for _, m := range loadtest.MetricNames() {
			fmt.Fprintln(stdout, m)
		}
		return 0
	}

	sc, err := buildScenario(fs, *opt)
	if err != nil {
		fmt.Fprintln(stderr, "hubbub-load:", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if opt.wait > 0 {
		if err := waitReady(ctx, sc.Targets, opt.wait); err != nil {
			fmt.Fprintln(stderr, "hubbub-load:", err)
			return 1
		}
	}
	if opt.cpuProfile != "" {
		f, err := os.Create(opt.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "hubbub-load:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "hubbub-load:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ro := loadtest.Options{Summary: stdout, JSONPath: opt.json, HTMLPath: opt.html, Assert: opt.assert}
	if !opt.quiet {
		ro.Progress = stderr
		if f, ok := stderr.(*os.File); ok {
			ro.TTY = loadtest.IsTerminal(f)
		}
	}
	if _, err := loadtest.Run(ctx, sc, ro); err != nil {
		if errors.Is(err, loadtest.ErrThresholds) {
			fmt.Fprintln(stderr, "hubbub-load: FAIL:", err)
		} else {
			fmt.Fprintln(stderr, "hubbub-load:", err)
		}
		return 1
	}
	return 0
}

// buildScenario layers the preset, then the scenario file, then the
// scenario flags that were given on the command line (parsed into fs).
func buildScenario(fs *flag.FlagSet, opt options) (loadtest.Scenario, error) {
	var sc loadtest.Scenario
	if opt.preset != "" {
		p, err := loadtest.Preset(opt.preset)
		if err != nil {
			return sc, err
		}
		sc = p
	}
	if opt.scenarioFile != "" {
		if err := sc.LoadFile(opt.scenarioFile); err != nil {
			return sc, err
		}
	}
	onto := flag.NewFlagSet("", flag.ContinueOnError)
	bindScenario(onto, &sc)
	var err error
	fs.Visit(func(f *flag.Flag) {
		if onto.Lookup(f.Name) != nil && err == nil {
			err = onto.Set(f.Name, f.Value.String())
		}
	})
	if err != nil {
		return sc, err
	}
	if sc.ClientsPerRoom == 0 {
		sc.ClientsPerRoom = defaultClients
	}
	return sc, sc.Validate()
}

// waitReady polls every target's /readyz until all answer 200 or d passes.
func waitReady(ctx context.Context, targets []string, d time.Duration) error {
	if len(targets) == 0 {
		targets = []string{loadtest.DefaultTarget}
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	for _, t := range targets {
		url := strings.TrimRight(t, "/") + "/readyz"
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := hc.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s not ready after %s", url, d)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = nil
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
