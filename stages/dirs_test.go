package stages_test

import (
	"io/fs"
	"testing"

	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

// Directories made by earlier instructions exist, with the owner and mode
// they got, until a RUN may remove them.
func TestDirBefore(t *testing.T) {
	type want struct {
		owner, group string
		mode         fs.FileMode
	}
	for _, tc := range []struct {
		name, src, path string
		want            *want // nil: not known to exist
	}{
		{"useradd -m", "FROM debian:bookworm\nRUN useradd -m app\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"useradd --create-home -d", "FROM debian:bookworm\nRUN useradd --create-home -d /srv/app/home app\nCOPY x /y\n", "/srv/app/home", &want{owner: "app"}},
		{"useradd -b", "FROM debian:bookworm\nRUN useradd -m -b /srv app\nCOPY x /y\n", "/home/app", nil},
		{"useradd -b, home under it", "FROM debian:bookworm\nRUN useradd -m -b /srv app\nCOPY x /y\n", "/srv/app", &want{owner: "app"}},
		{"useradd -mb", "FROM debian:bookworm\nRUN useradd -mb /srv app\nCOPY x /y\n", "/srv/app", &want{owner: "app"}},
		{"useradd -md", "FROM debian:bookworm\nRUN useradd -md /opt/app app\nCOPY x /y\n", "/home/app", nil},
		{"useradd -md, home", "FROM debian:bookworm\nRUN useradd -md /opt/app app\nCOPY x /y\n", "/opt/app", &want{owner: "app"}},
		{"useradd --home abbreviated", "FROM debian:bookworm\nRUN useradd -m --home /opt/app app\nCOPY x /y\n", "/home/app", nil},
		{"useradd --home=", "FROM debian:bookworm\nRUN useradd -m --home=/opt/app app\nCOPY x /y\n", "/opt/app", &want{owner: "app"}},
		{"useradd -R", "FROM debian:bookworm\nRUN useradd -m -R /chroot app\nCOPY x /y\n", "/home/app", nil},
		{"useradd -d attached, no -m", "FROM debian:bookworm\nRUN useradd -d/home/app app\nCOPY x /y\n", "/home/app", nil},
		{"usermod -m later", "FROM debian:bookworm\nRUN useradd -m app\nRUN usermod -d /srv/app -m app\nCOPY x /y\n", "/home/app", nil},
		{"usermod -aG later", "FROM debian:bookworm\nRUN useradd -m app\nRUN usermod -aG staff app\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"useradd without -m", "FROM debian:bookworm\nRUN useradd app\nCOPY x /y\n", "/home/app", nil},
		{"useradd -m -M", "FROM debian:bookworm\nRUN useradd -m -M app\nCOPY x /y\n", "/home/app", nil},
		{"Debian adduser", "FROM debian:bookworm\nRUN adduser --disabled-password --gecos '' app\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"Debian adduser --system", "FROM debian:bookworm\nRUN adduser --system app\nCOPY x /y\n", "/home/app", nil},
		{"Debian adduser --system --home", "FROM debian:bookworm\nRUN adduser --system --home /srv/app app\nCOPY x /y\n", "/srv/app", &want{owner: "app"}},
		{"Debian adduser --no-create-home", "FROM debian:bookworm\nRUN adduser --no-create-home app\nCOPY x /y\n", "/home/app", nil},
		{"BusyBox adduser", "FROM alpine:3.20\nRUN adduser -D -S app\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"BusyBox adduser -H", "FROM alpine:3.20\nRUN adduser -D -H app\nCOPY x /y\n", "/home/app", nil},
		{"mkdir -p, parents", "FROM debian:bookworm\nRUN mkdir -p /opt/a/b\nCOPY x /y\n", "/opt/a", &want{owner: "root", mode: 0o755}},
		{"mkdir -m", "FROM debian:bookworm\nRUN mkdir -m 0700 /data\nCOPY x /y\n", "/data", &want{owner: "root", mode: 0o700}},
		{"mkdir as USER", "FROM debian:bookworm\nUSER app\nRUN mkdir -p /tmp/w\nCOPY x /y\n", "/tmp/w", &want{owner: "app", mode: 0o755}},
		{"install -d", "FROM debian:bookworm\nRUN install -d -o app -g staff -m 750 /var/app\nCOPY x /y\n", "/var/app", &want{owner: "app", group: "staff", mode: 0o750}},
		{"install without -d", "FROM debian:bookworm\nRUN install -m 755 a /usr/local/bin/a\nCOPY x /y\n", "/usr/local/bin/a", nil},
		{"WORKDIR", "FROM debian:bookworm\nUSER app\nWORKDIR /srv/app\nCOPY x /y\n", "/srv", &want{owner: "app", mode: 0o755}},
		{"in a heredoc script", "FROM debian:bookworm\nRUN <<EOF\nset -e\nuseradd -m app\necho done\nEOF\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"in a heredoc for another interpreter", "FROM debian:bookworm\nRUN <<EOF\n#!/usr/bin/env python3\nimport os; os.system('useradd -m app')\nEOF\nCOPY x /y\n", "/home/app", nil},
		{"by a script", "FROM debian:bookworm\nRUN ./create-user.sh app\nCOPY x /y\n", "/home/app", nil},
		{"its failure is ignored", "FROM debian:bookworm\nRUN useradd -m app; echo done\nCOPY x /y\n", "/home/app", nil},
		{"under set -e", "FROM debian:bookworm\nRUN set -e; useradd -m app; echo done\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"in a condition", "FROM debian:bookworm\nRUN id app || useradd -m app\nCOPY x /y\n", "/home/app", nil},
		{"removed by the same RUN", "FROM debian:bookworm\nRUN mkdir -p /w && rm -rf /w\nCOPY x /y\n", "/w", nil},
		{"removed later", "FROM debian:bookworm\nRUN useradd -m app\nRUN rm -rf /home/*\nCOPY x /y\n", "/home/app", nil},
		{"a removal below it", "FROM debian:bookworm\nRUN useradd -m app\nRUN rm -rf /home/app/.cache\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"a removal that cannot be read", "FROM debian:bookworm\nRUN useradd -m app\nRUN rm -rf \"$D\"\nCOPY x /y\n", "/home/app", nil},
		{"userdel -r", "FROM debian:bookworm\nRUN useradd -m app\nRUN userdel -r app\nCOPY x /y\n", "/home/app", nil},
		{"in the parent stage", "FROM debian:bookworm AS a\nRUN useradd -m app\nFROM a\nCOPY x /y\n", "/home/app", &want{owner: "app"}},
		{"in another stage", "FROM debian:bookworm AS a\nRUN useradd -m app\nFROM debian:bookworm\nCOPY x /y\n", "/home/app", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins := last(t, tc.src)
			d, ok := stages.DirBefore(ins, tc.path)
			if tc.want == nil {
				require.False(t, ok, "%+v", d)
				return
			}
			require.True(t, ok)
			require.Equal(t, *tc.want, want{d.Owner, d.Group, d.Mode})
			require.NotNil(t, d.By)
		})
	}
}
