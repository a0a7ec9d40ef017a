package stages_test

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/stages"
	"github.com/stretchr/testify/require"
)

func TestCopiedTo(t *testing.T) {
	src := `FROM debian AS build
RUN make /out/tool
COPY scripts/gen.sh /out/gen.sh
FROM debian AS app
WORKDIR /app
COPY . .
COPY install-x /tmp/install-x
COPY bin/ /usr/local/bin/
COPY a.sh b.sh /opt/
ADD https://example.com/get.sh /get.sh
ADD rootfs.tar.gz /rootfs/
COPY --from=build /out/tool /usr/bin/tool
COPY --from=build /out/gen.sh /usr/bin/gen.sh
COPY --from=alpine /bin/busybox /bin/busybox
COPY requirements.txt /srv/
COPY <<EOF /etc/setup.sh
echo hi
EOF
RUN x
`
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	run := doc.Instructions[len(doc.Instructions)-1]
	for _, tc := range []struct {
		path    string
		found   bool
		context []string
		line    int
	}{
		{"./configure", true, []string{"configure"}, 6},      // COPY . . in /app
		{"/tmp/install-x", true, []string{"install-x"}, 7},   // file to file
		{"/usr/local/bin/run", true, []string{"bin/run"}, 8}, // inside a directory source
		{"/opt/b.sh", true, []string{"b.sh"}, 9},
		{"/get.sh", true, nil, 10},                               // a URL: not readable
		{"/rootfs/usr/sbin/x", true, nil, 11},                    // an archive ADD extracts
		{"/usr/bin/tool", false, nil, 0},                         // built by a RUN of stage build
		{"/usr/bin/gen.sh", true, []string{"scripts/gen.sh"}, 3}, // followed into stage build
		{"/bin/busybox", true, nil, 14},                          // from an image
		{"/srv/requirements.txt", true, []string{"requirements.txt"}, 15},
		{"/srv/x/y", false, nil, 0}, // requirements.txt is a file
		{"/rootfs", false, nil, 0},
	} {
		o, ok := stages.CopiedTo(doc, run, tc.path, false)
		require.Equal(t, tc.found, ok, tc.path)
		if !ok {
			continue
		}
		require.Equal(t, tc.context, o.Context, tc.path)
		require.Equal(t, tc.line, o.Ins.StartLine, tc.path)
	}
	o, ok := stages.CopiedTo(doc, run, "/etc/setup.sh", false)
	require.True(t, ok)
	require.True(t, o.Shown)
	require.Equal(t, "echo hi\n", o.Content)
	_, ok = stages.CopiedFile(doc, run, "/usr/local/bin/run")
	require.False(t, ok, "a bare name counts only for a file copied as itself")
}
