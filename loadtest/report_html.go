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
	col := func(get func(Second) float64) []float64 {
		ys := make([]float64, len(rep.Timeline))
		for i, s := range rep.Timeline {
			ys[i] = get(s)
		}
		return ys
	}
	for i, s := range rep.Timeline {
		xs[i] = s.T
	}
	charts := []template.HTML{
		svgChart("Comment delivery latency (ms)", xs, []series{
			{"p50", "#1b9e77", col(func(s Second) float64 { return s.Latency.P50 })},
			{"p90", "#7570b3", col(func(s Second) float64 { return s.Latency.P90 })},
			{"p99", "#d95f02", col(func(s Second) float64 { return s.Latency.P99 })},
			{"p99.9", "#e7298a", col(func(s Second) float64 { return s.Latency.P999 })},
			{"max", "#999999", col(func(s Second) float64 { return s.Latency.Max })},
		}),
		svgChart("Deliveries and commands per second", xs, []series{
			{"deliveries/s", "#1b9e77", col(func(s Second) float64 { return float64(s.Deliveries) })},
			{"events/s", "#66a61e", col(func(s Second) float64 { return float64(s.Events) })},
			{"frames/s", "#7570b3", col(func(s Second) float64 { return float64(s.Frames) })},
			{"sent/s", "#d95f02", col(func(s Second) float64 { return float64(s.Sent) })},
		}),
		svgChart("Connected clients", xs, []series{
			{"connected", "#1b9e77", col(func(s Second) float64 { return float64(s.Connected) })},
		}),
		svgChart("Server CPU (cores, all targets)", xs, []series{
			{"cpu", "#d95f02", col(func(s Second) float64 { return s.ServerCPU })},
		}),
		svgChart("Server RSS (MiB, all targets)", xs, []series{
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

// svgChart draws series against xs (seconds) as an inline SVG line chart.
func svgChart(title string, xs []float64, ss []series) template.HTML {
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
			ymax = math.Max(ymax, y)
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	ymax = niceCeil(ymax)
	px := func(x float64) float64 { return L + x/xmax*(W-L-R) }
	py := func(y float64) float64 { return H - B - y/ymax*(H-T-B) }
	// Axes and grid.
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, L, W-R, py(y), py(y))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, L-6, py(y)+4, fmtAxis(y))
	}
	for i := 0; i <= 5; i++ {
		x := xmax * float64(i) / 5
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0fs</text>`, px(x), H-B+16, x)
	}
	for k, s := range ss {
		var pts strings.Builder
		for i, y := range s.ys {
			if i < len(xs) {
				fmt.Fprintf(&pts, "%.1f,%.1f ", px(xs[i]), py(y))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, s.color, pts.String())
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
