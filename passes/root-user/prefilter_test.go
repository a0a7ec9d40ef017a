package rootuser

import "testing"

// TestMayDropPrivileges checks that the quick test never says no where the
// regexp says yes.
func TestMayDropPrivileges(t *testing.T) {
	for _, s := range []string{
		"RUN gosu app true", "RUN GOSU app", "CMD [\"Su-Exec\", \"app\"]", "RUN setpriv --reuid=1 x",
		"ENTRYPOINT s6-setuidgid app run", "RUN go\u017fu app", "RUN apt-get install -y curl",
		"RUN gosux", "RUN xsetpriv", "RUN su-exe", "RUN s6-setuid gid", "",
	} {
		if dropsPrivilegesRE.MatchString(s) && !mayDropPrivileges(s) {
			t.Errorf("%q: the regexp matches, the quick test says no", s)
		}
	}
	if mayDropPrivileges("RUN apt-get install -y curl && su-exe x") {
		t.Error("the quick test should rule out a text without the words")
	}
}
