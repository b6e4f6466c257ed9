package e2e

import (
	"strings"
	"testing"
)

// TestLandingTakesCodeWithSeparators is the code as a person types it off a
// slide: with a space and a dash. The field used to cut it at 6 characters
// and refuse it; now the whole code is taken, cleaned and the audience page
// opens.
func TestLandingTakesCodeWithSeparators(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Typed", false)
	typed := strings.ToLower(r.Code[:3]) + " - " + strings.ToLower(r.Code[3:])
	p := openPage(t, "landing", s.URL+"/", phone())
	p.typeInto(tid("join-input"), typed)
	if got := eval[string](p, `document.querySelector('[data-testid="join-input"]').value`); got != typed {
		t.Fatalf("the field holds %q after typing %q", got, typed)
	}
	p.click(tid("join-submit"))
	p.waitFor("the audience page", `location.pathname === "/r/`+r.Code+`"`)
}
