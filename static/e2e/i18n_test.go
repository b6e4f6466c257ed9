package e2e

import (
	"fmt"
	"testing"
)

// untranslatedJS finds string keys shown as text: t() shows the key itself
// when neither language has it (e.g. "aud.tab_questions").
const untranslatedJS = `(document.body.innerText.match(/\b(?:aud|c|chart|conn|err|host|kind|landing|lang|lb|poll|q|r|screen|report|stats)\.[a-z][a-z0-9_.]*[a-z0-9]\b/g) || [])`

// hasCJK is a JS expression true when the element matching css has Chinese text.
func hasCJK(css string) string {
	return fmt.Sprintf(`/[\u4e00-\u9fff]/.test((document.querySelector(%s) || {}).textContent || "")`, js(css))
}

// TestLanguageSwitchToChinese: the switcher turns the landing page's
// strings into Chinese and sets <html lang>; the choice is remembered
// across a reload and on the room's other pages; switching back restores
// English; a browser that prefers Chinese starts in Chinese. No page shows
// an untranslated string key.
func TestLanguageSwitchToChinese(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Language check", false)

	p := openPage(t, "landing", s.URL+"/")
	p.waitText("h1", "Questions, polls and reactions, live.")
	p.waitText(tid("create-submit"), "Create room")
	p.selectValue(tid("lang-switch"), "zh")
	p.waitFor("the headline in Chinese", hasCJK("h1"))
	p.waitFor("the create button in Chinese", hasCJK(tid("create-submit")))
	p.waitFor("<html lang> zh-CN", `document.documentElement.lang === "zh-CN"`)
	noKeys(t, p)

	p.reload()
	p.waitFor("Chinese after a reload", hasCJK("h1"))
	if v := eval[string](p, `document.querySelector('[data-testid="lang-switch"]').value`); v != "zh" {
		t.Errorf("after a reload the switcher shows %q, want zh", v)
	}

	// The same browser's audience page and host console follow the choice.
	p.navigate(s.URL + "/r/" + r.Code)
	p.waitVisible(tid("ask-submit"))
	p.waitFor("the questions tab in Chinese", hasCJK(tid("tab-questions")))
	p.waitFor("the ask button in Chinese", hasCJK(tid("ask-submit")))
	noKeys(t, p)
	p.navigate(hostURL(s, r))
	p.waitVisible(tid("poll-create"))
	p.waitFor("the console in Chinese", hasCJK(tid("poll-create")))
	noKeys(t, p)

	// Back to English, live, without a reload.
	p.selectValue(tid("lang-switch"), "en")
	p.waitText(tid("poll-create"), "Create poll")
	p.waitFor("<html lang> en", `document.documentElement.lang === "en"`)
	noKeys(t, p)

	// A browser that prefers Chinese starts in Chinese.
	zh := openPage(t, "zh-browser", s.URL+"/r/"+r.Code, acceptLanguage("zh-CN,zh"))
	zh.waitVisible(tid("ask-submit"))
	zh.waitFor("the audience page in Chinese from navigator.languages", hasCJK(tid("tab-questions")))
	noKeys(t, zh)
}

// noKeys fails the test when the page shows an untranslated string key.
func noKeys(t *testing.T, p *page) {
	t.Helper()
	if keys := eval[[]string](p, untranslatedJS); len(keys) > 0 {
		t.Errorf("%s (%s) shows untranslated string keys: %v", p.name, eval[string](p, "location.pathname"), keys)
	}
}
