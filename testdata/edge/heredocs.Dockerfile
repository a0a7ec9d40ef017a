# syntax=docker/dockerfile:1
FROM debian:bookworm
RUN <<-EOT bash
	set -e
	echo "tab-indented body"
	EOT
RUN <<'EOT'
echo "$HOME is not expanded by the frontend"
EOT
COPY <<EOF1 <<"EOF2" /etc/
first
EOF1
second
EOF2
RUN cat /etc/EOF1
RUN echo after
