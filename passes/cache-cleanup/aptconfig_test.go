package cachecleanup

import "testing"

// TestAptConfigName checks that the quick test in front of aptConfigRE
// keeps every match.
func TestAptConfigName(t *testing.T) {
	for _, s := range []string{
		"echo deb x > /etc/apt/sources.list.d/x.list", "cp sources.list /tmp", "cp x.sources /tmp",
		"add-apt-repository ppa:x", "apt-key add k", "export http_proxy=x", "HTTPS_PROXY=x apt-get update",
		"apt-get install -y curl", "echo /etc/aptitude", "",
	} {
		if got, want := aptConfigName(s), aptConfigRE.FindString(s); got != want {
			t.Errorf("%q: aptConfigName %q, the regexp %q", s, got, want)
		}
	}
}
