package loadtest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/hubbubhq/hubbub/loadtest"
)

func ExampleParseAssertions() {
	as, err := loadtest.ParseAssertions("p99<100ms,loss=0,rss_per_client<16KiB")
	if err != nil {
		panic(err)
	}
	for _, a := range as {
		fmt.Println(a.Metric, a.Op, a.Value)
	}
	// Output:
	// p99 < 100
	// loss = 0
	// rss_per_client < 16384
}

// Run a preset against a local server, print the summary and fail on missed thresholds.
func ExampleRun() {
	sc, _ := loadtest.Preset("smoke")
	sc.Targets = []string{"http://127.0.0.1:8080"}
	_, err := loadtest.Run(context.Background(), sc, loadtest.Options{
		Summary: os.Stdout,
		Assert:  "p99<100ms,loss=0",
	})
	if err != nil {
		fmt.Println(err)
	}
}
