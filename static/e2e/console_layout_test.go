package e2e

import (
	"fmt"
	"testing"
)

// TestConsoleLayoutQAFirst: on a laptop or desktop screen the console's
// Q&A starts on the first screen beside the stage control, which is in
// view too (its preview and its switch), and nothing is wider than the
// window; on a phone nothing is wider than the window either. (The stage
// card spanned the console's width, so at 1440×900 the questions started
// below the fold.)
func TestConsoleLayoutQAFirst(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 10, 60, 80)
	type box struct{ Top, Bottom, Left, Right float64 }
	type layout struct {
		Question, Preview, Switch box
		ScrollWidth, Width        float64
		Height                    float64
	}
	measure := `(() => {
		const b = (sel) => { const e = document.querySelector(sel); if (!e) return null; const r = e.getBoundingClientRect();
			return { Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right }; };
		window.scrollTo(0, 0);
		return { Question: b('[data-testid="question-list"] [data-testid="question"]'), Preview: b('#stage-preview-box'),
			Switch: b('#stage-switch'), ScrollWidth: document.documentElement.scrollWidth, Width: window.innerWidth, Height: window.innerHeight };
	})()`
	for _, size := range [][2]int64{{1440, 900}, {1280, 800}, {1024, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			host := openPage(t, "host", hostURL(s, r.room), viewport(size[0], size[1], 1, false))
			host.waitCount(tid("question-list")+" "+tid("question"), 20)
			host.waitFor("the stage preview", `Boolean(document.querySelector('[data-testid="stage-preview"]'))`)
			l := eval[layout](host, measure)
			if l.Question.Top < 0 || l.Question.Top > l.Height-80 {
				t.Errorf("the first question starts at y=%.0f; want it on the first screen of %.0f px", l.Question.Top, l.Height)
			}
			for name, b := range map[string]box{"stage preview": l.Preview, "stage switch": l.Switch} {
				if b.Top < 0 || b.Bottom > l.Height || b.Left < 0 || b.Right > l.Width {
					t.Errorf("the %s lies at %.0f–%.0f × %.0f–%.0f; want it inside the %.0f×%.0f window", name, b.Left, b.Right, b.Top, b.Bottom, l.Width, l.Height)
				}
			}
			if l.ScrollWidth > l.Width {
				t.Errorf("the page is %.0f px wide in a %.0f px window", l.ScrollWidth, l.Width)
			}
		})
	}
	t.Run("phone", func(t *testing.T) {
		pc := openPage(t, "phone console", hostURL(s, r.room), phone())
		pc.waitCount(tid("question-list")+" "+tid("question"), 20)
		for _, tab := range []string{"#tab-qa", "#tab-polls", "#tab-room"} {
			pc.click(tab)
			if w := eval[[]float64](pc, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
				t.Errorf("with %s the page is %.0f px wide in a %.0f px window", tab, w[0], w[1])
			}
		}
	})
}
