package e2e

import "testing"

// TestAudienceToldWhenTheNetworkIsOverItsAllowance: a person behind an
// address that has used up its posts in the room (a hall's NAT with a
// script in it) is told that many posts are arriving at once and when to
// try again, not to slow down; the comment stays in the box to send again.
func TestAudienceToldWhenTheNetworkIsOverItsAllowance(t *testing.T) {
	t.Parallel()
	s := startServer(t, "-address-post-rate", "1", "-address-post-burst", "1")
	r := createRoom(t, s, "Allowance", false)
	aud := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	aud.waitVisible(tid("ask-submit"))
	showTab(aud, "tab-comments")
	aud.typeInto(tid("comment-input"), "the first")
	aud.click(tid("comment-submit"))
	aud.waitText(tid("comment"), "the first")

	aud.typeInto(tid("comment-input"), "the second")
	aud.click(tid("comment-submit"))
	aud.waitFor("a toast that says many posts are arriving and when to try again",
		`[...document.querySelectorAll('[data-testid="toast"]')].some((e) => /Many posts are arriving at once — try again in \d+ s\./.test(e.textContent))`)
	if v := eval[string](aud, `document.querySelector('[data-testid="comment-input"]').value`); v != "the second" {
		t.Errorf("the comment box holds %q after the refusal, want the comment to send again", v)
	}
}
