package shellparse

import (
	"slices"
	"testing"
)

func TestNameWords(t *testing.T) {
	for name, want := range map[string][]string{
		"listenAddr":    {"listen", "addr"},
		"API_KEY":       {"api", "key"},
		"--http-port":   {"http", "port"},
		"s3Bucket":      {"s3", "bucket"},
		"AWSSecretKey":  {"awssecret", "key"},
		"PORT":          {"port"},
		"x.y_z":         {"x", "y", "z"},
		"":              nil,
		"server.port=8": {"server", "port", "8"},
	} {
		if got := NameWords(name); !slices.Equal(got, want) {
			t.Errorf("NameWords(%q) = %q, want %q", name, got, want)
		}
	}
}
