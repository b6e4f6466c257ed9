package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOwnQuestionEditAndAnswered: on a phone, the author of a question
// edits its text while nobody has upvoted it: the new text shows on their
// page, on another participant's and in the console (marked edited), and
// the server holds it (the export). Editing keeps the keyboard's focus in
// the form and returns it to Edit. Once someone upvotes it, Edit and
// Delete go from the author's page, and an edit sent anyway is refused
// with the named error. When the host marks it answered, its author is
// told ("Your question was answered") and the other participant is not.
func TestOwnQuestionEditAndAnswered(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Own questions", false)

	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	ada.typeInto(tid("ask-input"), "Waht is the roadmap?")
	ada.click(tid("ask-submit"))
	id := ada.idOf(tid("question"), "Waht is the roadmap?")
	mine := byID("question", id)
	grace := openPage(t, "grace", s.URL+"/r/"+r.Code, phone())
	grace.waitText(byID("question", id), "Waht is the roadmap?")
	if grace.count(byID("question", id)+" "+tid("question-edit")) != 0 {
		t.Fatal("another participant's page offers to edit Ada's question")
	}
	console := openPage(t, "console", hostURL(s, r), desktop())
	console.waitText(byID("question", id), "Waht is the roadmap?")

	// Edit: the form takes the focus, Save sends, Edit gets the focus back.
	ada.click(mine + " " + tid("question-edit"))
	ada.waitFor("the edit field focused", `document.activeElement?.dataset.testid === 'question-edit-text'`)
	ada.fill(mine+" "+tid("question-edit-text"), "What is the roadmap for next year?")
	ada.click(mine + " " + tid("question-edit-save"))
	ada.waitText(mine+" .q-text", "What is the roadmap for next year?")
	ada.waitFor("the focus back on Edit", `document.activeElement?.dataset.testid === 'question-edit'`)
	grace.waitText(byID("question", id)+" .q-text", "What is the roadmap for next year?")
	console.waitText(byID("question", id), "What is the roadmap for next year?")
	console.waitVisible(byID("question", id) + " " + tid("edited-badge"))
	var texts []string
	for _, q := range export(t, s, r)["questions"].([]any) {
		texts = append(texts, q.(map[string]any)["text"].(string))
	}
	if len(texts) != 1 || texts[0] != "What is the roadmap for next year?" {
		t.Fatalf("the server holds %q, want the edited text", texts)
	}

	// One upvote: no more Edit or Delete, and an edit is refused by name.
	grace.click(byID("question", id) + " " + tid("upvote"))
	ada.waitFor("Edit gone", `!document.querySelector('`+mine+` [data-testid="question-edit"]')`)
	if ada.count(mine+" "+tid("question-delete")) != 0 {
		t.Error("the author may still delete an upvoted question from the page")
	}
	token := eval[string](ada, `localStorage.getItem('hubbub:token:`+r.Code+`') || ''`)
	if token == "" {
		t.Fatal("the author's page keeps no token")
	}
	body, _ := json.Marshal(map[string]any{"type": "question_edit", "question": id, "text": "Sneaky change"})
	var refusal map[string]any
	apiDo(t, http.MethodPost, s.URL+"/api/rooms/"+r.Code+"/commands", token, body, http.StatusConflict, &refusal)
	if !strings.Contains(stringOf(refusal), "a question that has upvotes can no longer be edited") {
		t.Errorf("an edit of an upvoted question is refused with %v, want the named error", refusal)
	}

	// Answered: the author is told, the other participant is not.
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "question_set", "question": id, "status": "answered"})
	ada.waitText(mine+" "+tid("answered-badge"), "Your question was answered")
	ada.waitText("body", "Your question was answered: “What is the roadmap for next year?”")
	grace.waitText(byID("question", id)+" "+tid("answered-badge"), "Answered")
	if strings.Contains(eval[string](grace, `document.body.textContent`), "Your question was answered") {
		t.Error("another participant is told the question was answered as if it were theirs")
	}
}

func stringOf(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
