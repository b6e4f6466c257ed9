package loadtest

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"strings"
)

// WriteHTML writes a self-contained HTML report: the summary and inline SVG
// charts of the timeline. It loads nothing from the network.
func WriteHTML(w io.Writer, rep *Report) error {
	var summary strings.Builder
	WriteText(&summary, rep)
	xs := make([]float64, len(rep.Timeline))
	for i, s := range rep.Timeline {
		xs[i] = s.T
	}
	col := func(get func(Second) float64) []float64 {
		ys := make([]float64, len(rep.Timeline))
		for i, s := range rep.Timeline {
			ys[i] = get(s)
		}
		return ys
	}
	// lat plots a percentile only in seconds that had deliveries.
	lat := func(get func(LatencySummary) float64) []float64 {
		return col(func(s Second) float64 {
			if s.Latency.Count == 0 {
				return math.NaN()
			}
			return get(s.Latency)
		})
	}
	// rate turns a per-interval count into a per-second rate (the last
	// interval is usually shorter than a second).
	rate := func(get func(Second) int64) []float64 {
		return col(func(s Second) float64 {
			if s.Interval <= 0 {
				return float64(get(s))
			}
			return float64(get(s)) / s.Interval
		})
	}
	marks := phaseMarks(rep.Timeline)
	charts := []template.HTML{
		svgChart("Comment delivery latency (ms)", xs, marks, []series{
			{"p50", "#1b9e77", lat(func(l LatencySummary) float64 { return l.P50 })},
			{"p90", "#7570b3", lat(func(l LatencySummary) float64 { return l.P90 })},
			{"p99", "#d95f02", lat(func(l LatencySummary) float64 { return l.P99 })},
			{"p99.9", "#e7298a", lat(func(l LatencySummary) float64 { return l.P999 })},
			{"max", "#999999", lat(func(l LatencySummary) float64 { return l.Max })},
		}),
		svgChart("Deliveries, events and frames per second", xs, marks, []series{
			{"deliveries/s", "#1b9e77", rate(func(s Second) int64 { return s.Deliveries })},
			{"events/s", "#66a61e", rate(func(s Second) int64 { return s.Events })},
			{"frames/s", "#7570b3", rate(func(s Second) int64 { return s.Frames })},
		}),
		svgChart("Commands sent per second", xs, marks, []series{
			{"sent/s", "#d95f02", rate(func(s Second) int64 { return s.Sent })},
		}),
		svgChart("Connected clients", xs, marks, []series{
			{"connected", "#1b9e77", col(func(s Second) float64 { return float64(s.Connected) })},
		}),
		svgChart("Server CPU (cores, all targets)", xs, marks, []series{
			{"cpu", "#d95f02", col(func(s Second) float64 { return s.ServerCPU })},
		}),
		svgChart("Server RSS (MiB, all targets)", xs, marks, []series{
			{"rss", "#7570b3", col(func(s Second) float64 { return s.ServerRSS / (1 << 20) })},
		}),
	}
	return htmlPage.Execute(w, map[string]any{
		"Title":   fmt.Sprintf("hubbub load test %s", rep.Started.Format("2006-01-02 15:04:05")),
		"Summary": summary.String(),
		"Charts":  charts,
	})
}

func writeHTMLFile(path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteHTML(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var htmlPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:13px}
figure{margin:1.5em 0}
svg text{font-size:11px;fill:#444}
</style></head><body>
<h1>{{.Title}}</h1>
<pre>{{.Summary}}</pre>
{{range .Charts}}<figure>{{.}}</figure>
{{end}}</body></html>
`))

type series struct {
	name, color string
	ys          []float64
}

// mark is a phase change on the time axis.
type mark struct {
	t     float64
	label string
}

// phaseMarks returns where each phase of the run begins.
func phaseMarks(tl []Second) []mark {
	var out []mark
	prev := ""
	for i, s := range tl {
		if s.Phase != prev {
			start := 0.0
			if i > 0 {
				start = tl[i-1].T
			}
			out = append(out, mark{start, s.Phase})
			prev = s.Phase
		}
	}
	return out
}

// svgChart draws series against xs (seconds) as an inline SVG line chart,
// with the run's phases marked. NaN values leave gaps.
func svgChart(title string, xs []float64, marks []mark, ss []series) template.HTML {
	const W, H, L, R, T, B = 900.0, 260.0, 60.0, 120.0, 28.0, 30.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" role="img">`, W, H)
	fmt.Fprintf(&b, `<text x="%.0f" y="16" style="font-size:14px;font-weight:600">%s</text>`, L, template.HTMLEscapeString(title))
	xmax, ymax := 1.0, 0.0
	for _, x := range xs {
		xmax = math.Max(xmax, x)
	}
	for _, s := range ss {
		for _, y := range s.ys {
			if !math.IsNaN(y) {
				ymax = math.Max(ymax, y)
			}
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	ymax = niceCeil(ymax)
	px := func(x float64) float64 { return L + x/xmax*(W-L-R) }
	py := func(y float64) float64 { return H - B - y/ymax*(H-T-B) }
	// Grid, axes and phase marks.
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, L, W-R, py(y), py(y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, L-6, py(y)+4, fmtAxis(y))
	}
	for i := 0; i <= 5; i++ {
		x := xmax * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0fs</text>`, px(x), H-B+16, x)
	}
	for _, m := range marks {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#bbb" stroke-dasharray="3,3"/>`, px(m.t), px(m.t), T, H-B)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" style="fill:#888">%s</text>`, px(m.t)+3, H-B-4, template.HTMLEscapeString(m.label))
	}
	for k, s := range ss {
		var pts strings.Builder
		flush := func() {
			if pts.Len() > 0 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, s.color, pts.String())
				pts.Reset()
			}
		}
		for i, y := range s.ys {
			if i >= len(xs) || math.IsNaN(y) {
				flush()
				continue
			}
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(xs[i]), py(y))
		}
		flush()
		ly := T + 14*float64(k)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>`, W-R+10, W-R+26, ly, ly, s.color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, W-R+30, ly+4, template.HTMLEscapeString(s.name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtAxis(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
