package admin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/admin"
	"github.com/wxlend/wxlend/shared/staff"
)

// TestEveryEndpointAgainstEveryRole walks every admin endpoint with a
// staff member of every role: an endpoint whose permission the role lacks
// is refused (403 forbidden, reason permission) and one it holds is not.
// Proposals name their permission per kind: each kind is proposed by
// every role too.
func TestEveryEndpointAgainstEveryRole(t *testing.T) {
	s := newStack(t)
	for _, role := range staff.Roles() {
		c := s.login(t, "role-"+string(role))
		for _, rt := range admin.Routes() {
			if rt.Public || strings.HasSuffix(rt.Path, "/logout") {
				continue
			}
			path := strings.NewReplacer("{id}", "1", "{$}", "").Replace(rt.Path)
			var r resp
			if rt.Method == "GET" {
				r = c.get(t, path)
			} else {
				r = c.post(t, path, map[string]string{})
			}
			_, reason := r.refusal()
			denied := r.Status == 403 && reason == "permission"
			if shouldDeny := rt.Perm != "" && !role.Can(rt.Perm); denied != shouldDeny {
				t.Errorf("%s %s as %s: %d %s (want denied=%v)", rt.Method, rt.Path, role, r.Status, r.Body, shouldDeny)
			}
		}
		for _, k := range staff.Kinds() {
			r := c.post(t, "/admin/v1/proposals", map[string]any{"kind": k, "payload": json.RawMessage(`{}`), "reason": "walk"})
			_, reason := r.refusal()
			if denied := r.Status == 403 && reason == "permission"; denied != !role.Can(k.ProposeRight()) {
				t.Errorf("propose %s as %s: %d %s", k, role, r.Status, r.Body)
			}
		}
	}
	if !s.audited(t, "role-viewer", "access.denied", "refused:forbidden:permission") {
		t.Error("permission refusals are not audited")
	}
}

// TestRolesTable pins the table's intent: checkers and makers are
// distinct people by role where money moves, viewers change nothing.
func TestRolesTable(t *testing.T) {
	for _, p := range staff.Viewer.Permissions() {
		if !strings.HasPrefix(string(p), "READ_") && p != staff.SearchBorrowers {
			t.Errorf("viewer may %s", p)
		}
	}
	for _, k := range staff.Kinds() {
		if k.ProposeRight() == k.CheckRight() {
			t.Errorf("%s: the same permission proposes and checks", k)
		}
		n := 0
		for _, r := range staff.Roles() {
			if r.Can(k.CheckRight()) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("nobody can check %s", k)
		}
	}
	if staff.Viewer.Can(staff.UnmaskPII) || staff.RiskAnalyst.Can(staff.UnmaskPII) {
		t.Error("unmasking PII is for few roles")
	}
}
