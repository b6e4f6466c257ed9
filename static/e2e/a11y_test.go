package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// interactiveRoles are the accessibility roles a screen-reader user acts
// on; each needs a name that says what it does.
var interactiveRoles = map[string]bool{
	"button": true, "checkbox": true, "combobox": true, "link": true, "listbox": true,
	"menuitem": true, "radio": true, "searchbox": true, "slider": true, "spinbutton": true,
	"switch": true, "tab": true, "textbox": true,
}

// unnamedControls lists the page's interactive elements that have no
// accessible name in Chromium's accessibility tree (the name a screen
// reader announces), as outer HTML.
func unnamedControls(p *page) []string {
	p.t.Helper()
	var found []string
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, accessibility.Enable, cdp.Empty{}); err != nil {
			return err
		}
		tree, err := cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		if err != nil {
			return err
		}
		for _, n := range tree.Nodes {
			if n.Ignored || n.Role == nil || !interactiveRoles[strings.Trim(string(n.Role.Value), `"`)] {
				continue
			}
			if n.Name != nil && strings.Trim(strings.TrimSpace(string(n.Name.Value)), `"`) != "" {
				continue
			}
			html := "(no DOM node)"
			if n.BackendDOMNodeID != 0 {
				if res, err := cdp.Call(ctx, tg, dom.GetOuterHTML, dom.GetOuterHTMLParams{BackendNodeID: n.BackendDOMNodeID}); err == nil {
					html = res.OuterHTML
				}
			}
			if len(html) > 200 {
				html = html[:200] + "…"
			}
			found = append(found, fmt.Sprintf("%s %s", n.Role.Value, html))
		}
		return nil
	}))
	return found
}

// overflowJS lists elements that stick out to the right of a viewport
// width px wide, when the document is wider than that. (A phone's layout
// viewport widens to fit content that overflows, so window.innerWidth
// cannot be the yardstick.)
func overflowJS(width int) string {
	return strings.ReplaceAll(overflowTemplate, "window.innerWidth", fmt.Sprint(width))
}

const overflowTemplate = `(() => {
	if (document.documentElement.scrollWidth <= window.innerWidth + 1) return [];
	const out = [];
	for (const e of document.querySelectorAll("body *")) {
		const r = e.getBoundingClientRect();
		if (r.width > 0 && r.right > window.innerWidth + 1) {
			out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") +
				(e.dataset.testid ? "[" + e.dataset.testid + "]" : "") + " right=" + Math.round(r.right));
			if (out.length >= 8) break;
		}
	}
	return out.length ? out : ["document " + document.documentElement.scrollWidth + "px wide"];
})()`

// TestPagesUsableOnSmallPhonesAndScreenReaders opens every page of a room
// with activity on a 360-px-wide phone and checks that nothing makes the
// page scroll sideways, and that every control (button, field, switch,
// tab, link, option) has an accessible name, in English and in Chinese.
func TestPagesUsableOnSmallPhonesAndScreenReaders(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := seedRoom(t, s, "en")
	type view struct {
		name, path string
		tab        string // audience tab to select first
		ready      string
	}
	views := []view{
		{"landing", "/", "", tid("create-submit")},
		{"audience questions", "/r/" + r.Code, "tab-questions", tid("question")},
		{"audience polls", "/r/" + r.Code, "tab-polls", tid("poll")},
		{"audience comments", "/r/" + r.Code, "tab-comments", tid("comment")},
		{"host", "/host/" + r.Code + "#key=" + r.HostKey, "", tid("question")},
		{"report", "/report/" + r.Code + "#key=" + r.HostKey, "", "main"},
	}
	for _, lang := range []string{"en-US,en", "zh-CN,zh"} {
		// One tab per language, going from view to view.
		p := newPage(t, "360px "+lang[:2], viewport(360, 740, 1, true), acceptLanguage(lang))
		for _, v := range views {
			p.navigate(s.URL + v.path)
			if v.tab != "" {
				p.waitVisible(tid(v.tab))
				showTab(p, v.tab)
			}
			p.waitVisible(v.ready)
			if off := eval[[]string](p, overflowJS(360)); len(off) > 0 {
				t.Errorf("%s (%s) scrolls sideways at 360 px: %v", v.name, lang, off)
			}
			if bad := unnamedControls(p); len(bad) > 0 {
				t.Errorf("%s (%s): controls without an accessible name:\n  %s", v.name, lang, strings.Join(bad, "\n  "))
			}
		}
		p.close()
	}
}
