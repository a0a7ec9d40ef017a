#!/bin/sh
# A worker that reports the load average until it is told to stop.
set -eu
. ./worker.env

interval=5
while [ $# -gt 0 ]; do
	case $1 in
	--interval) interval=$2; shift 2 ;;
	*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done

trap 'echo "$WORKER_NAME: stopping"; exit 0' TERM INT
echo "$WORKER_NAME: reporting every ${interval}s"
while :; do
	echo "$WORKER_NAME: $(cut -d' ' -f1-3 /proc/loadavg) ($(ps -e --no-headers | wc -l) processes)"
	sleep "$interval" &
	wait $!
done
