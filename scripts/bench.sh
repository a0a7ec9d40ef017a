#!/usr/bin/env bash
# Times the dfopt command, process start to exit, on generated inputs and on
# the corpus, and prints a table: wall time and maximum resident memory of
# each run (GNU time), and the ratios that show how time grows with input.
#
#   scripts/bench.sh                        build dfopt from this tree (static,
#                                           CGO_ENABLED=0), time it
#   DFOPT=/path/to/dfopt scripts/bench.sh   time another build (an older commit)
#   BENCH_SIZES="2500 5000" scripts/bench.sh   only these generated sizes
#   BENCH_TIMEOUT=60 scripts/bench.sh       seconds before a run is given up
#   BENCH_REPS=21 scripts/bench.sh          runs of a case under a second (median)
#   BENCH_ONLY=files|dir|context scripts/bench.sh   one group of cases
#   DOCKERFMT=/path/to/dockerfmt scripts/bench.sh   also time dockerfmt,
#                                           one process per corpus file
#   BENCH_WITHOUT=cache-cleanup scripts/bench.sh   also time the generated
#                                           inputs with these passes disabled
#
# The cases:
#   - a generated Dockerfile with N RUN instructions (internal/bench: apt-get,
#     pip, npm, shell state, plain commands; an ENV every 16 RUNs), for N in
#     BENCH_SIZES (default 2500 5000 10000 20000 50000): dfopt -l FILE, and
#     with --enable=none (parse only); max RSS is also given per byte of
#     input;
#   - one RUN with 100,000 continuation lines;
#   - directory mode: the corpus (testdata/corpus) copied into one folder,
#     dfopt -l DIR, with every pass and without the passes that read the
#     build context, and with no pass (files per second of wall time and
#     of CPU time); and
#     one process per corpus file, one after the other (wall and CPU time
#     per file, counting the shell loop that starts them), and the same for
#     dockerfmt when DOCKERFMT names it;
#   - a Dockerfile whose build context holds a node_modules tree of 25,000
#     files that its .dockerignore excludes.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_s=${BENCH_TIMEOUT:-120}
reps=${BENCH_REPS:-11}
sizes=${BENCH_SIZES:-2500 5000 10000 20000 50000}
only=${BENCH_ONLY:-}
without=${BENCH_WITHOUT:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bin=${DFOPT:-}
if [ -z "$bin" ]; then
  # A static binary, as the README installs it.
  CGO_ENABLED=0 go build -o "$work/dfopt" ./cmd/dfopt
  bin=$work/dfopt
fi
# The inputs come from package internal/bench, as in the Go benchmarks.
go build -o "$work/gen" ./internal/bench/gen
havetime=0
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e' true >/dev/null 2>&1; then
  havetime=1
fi

echo "dfopt: $bin ($("$bin" --version 2>/dev/null || echo '?')); $(nproc) CPUs; $(go env GOOS)/$(go env GOARCH); $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| case | input | wall | CPU (user+sys) | max RSS | note |"
echo "|---|---|---|---|---|---|"

# measure LABEL INPUT NOTE CMD...: one run; exit status 0 or 1 is success.
# Sets secs to the wall time ("" when the run failed or timed out).
measure() {
  local label=$1 input=$2 note=$3
  shift 3
  local rc=0 wall rss user sys cpu
  cpu_secs=
  if [ $havetime = 1 ]; then
    timeout "$timeout_s" /usr/bin/time -o "$work/time" -f '%e %M %U %S' "$@" >/dev/null 2>"$work/err" || rc=$?
    # The last line; GNU time says first when the status is not 0.
    read -r wall rss user sys < <(tail -n 1 "$work/time") || true
    rss_kb=${rss:-0}
    rss="$((rss_kb / 1024)) MB"
    cpu_secs=$(echo "${user:-0} + ${sys:-0}" | bc)
    cpu=$(printf '%.2fs' "$cpu_secs")
  else
    local start end
    start=$(date +%s.%N)
    timeout "$timeout_s" "$@" >/dev/null 2>"$work/err" || rc=$?
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc)
    rss="?"
    cpu="?"
  fi
  # A case under a second is run again, BENCH_REPS times in all, and its
  # median wall and CPU time reported (bash's time: milliseconds, where
  # GNU time gives hundredths); a single run of it is mostly noise.
  if [ "$rc" -le 1 ] && [ "$(echo "${wall:-9} < 1" | bc)" = 1 ] && [ "$reps" -gt 1 ]; then
    local walls=() cpus=() r w u s
    for ((r = 0; r < reps; r++)); do
      read -r w u s < <({ TIMEFORMAT='%3R %3U %3S'; time timeout "$timeout_s" "$@" >/dev/null 2>&1; } 2>&1 | tail -n 1)
      walls+=("$w")
      cpus+=("$(echo "$u + $s" | bc)")
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
    cpu_secs=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
    cpu=$(printf '%.3fs' "$cpu_secs")
    note="${note:+$note; }median of $reps"
  fi
  secs=$wall
  case $rc in
    0 | 1) ;;
    124) note="gave up after ${timeout_s}s"; wall=">${timeout_s}"; rss="-"; cpu="-"; secs="" ;;
    *) note="exit $rc: $(head -c 200 "$work/err" | tr '\n' ' ')"; secs="" ;;
  esac
  if [ -n "$secs" ] && [ -f "${per_byte:-}" ] && [ "${rss_kb:-0}" -gt 0 ]; then
    note="$note; RSS $(echo "$rss_kb * 1024 / $(stat -c %s "$per_byte")" | bc)x the input"
  fi
  echo "| $label | $input | ${wall}s | $cpu | $rss | $note |"
}

size() { du -h "$1" | cut -f1; }

ratio() { # a b: b/a, or "?"
  if [ -n "$1" ] && [ -n "$2" ]; then echo "scale=1; $2 / $1" | bc; else echo "?"; fi
}

if [ -z "$only" ] || [ "$only" = files ]; then
  declare -A t_all c_all
  for n in $sizes; do
    f=$work/runs-$n.Dockerfile
    "$work/gen" runs "$n" >"$f"
    per_byte=$f
    measure "$n RUNs" "$(size "$f")" "every pass" "$bin" -l "$f"
    t_all[$n]=$secs
    c_all[$n]=${secs:+$cpu_secs}
    if [ -n "$without" ]; then
      measure "$n RUNs, --disable=$without" "$(size "$f")" "every other pass" "$bin" -l --disable="$without" "$f"
    fi
    measure "$n RUNs, --enable=none" "$(size "$f")" "parse and print only" "$bin" --enable=none "$f"
    per_byte=
  done
  if [ -n "${t_all[5000]:-}" ] && [ -n "${t_all[50000]:-}" ]; then
    echo "| 50,000 / 5,000 RUNs | 10x input | $(ratio "${t_all[5000]}" "${t_all[50000]}")x | $(ratio "${c_all[5000]}" "${c_all[50000]}")x | | linear: at most 12x (CPU time is the steadier on a busy machine) |"
  fi
  if [ -n "${t_all[2500]:-}" ] && [ -n "${t_all[20000]:-}" ]; then
    echo "| 20,000 / 2,500 RUNs | 8x input | $(ratio "${t_all[2500]}" "${t_all[20000]}")x | $(ratio "${c_all[2500]}" "${c_all[20000]}")x | | |"
  fi

  f=$work/continuations.Dockerfile
  "$work/gen" continuations 100000 >"$f"
  per_byte=$f
  measure "1 RUN, 100,000 continuation lines" "$(size "$f")" "every pass" "$bin" -l "$f"
  if [ -n "$without" ]; then
    measure "1 RUN, 100,000 continuation lines, --disable=$without" "$(size "$f")" "every other pass" "$bin" -l --disable="$without" "$f"
  fi
  measure "1 RUN, 100,000 continuation lines, --enable=none" "$(size "$f")" "parse and print only" "$bin" --enable=none "$f"
  per_byte=
fi

if [ -z "$only" ] || [ "$only" = dir ]; then
  dir=$work/corpus
  mkdir -p "$dir"
  cp testdata/corpus/*.Dockerfile "$dir/"
  count=$(find "$dir" -name '*.Dockerfile' | wc -l)
  # files/s of wall time and of CPU time.
  rate() {
    if [ -n "$secs" ]; then
      local c=?
      [ -n "$cpu_secs" ] && [ "$cpu_secs" != 0 ] && c=$(echo "scale=0; $count / $cpu_secs" | bc)
      echo "| | | $(echo "scale=0; $count / $secs" | bc) files/s | $c files/s | | |"
    fi
  }
  measure "directory mode, -l DIR" "$count corpus files" "every pass" "$bin" -l "$dir"
  rate
  ctxpasses=dockerignore,manifest-first,split-copy,add-to-copy,copy-chown
  measure "directory mode, -l DIR, no context passes" "$count corpus files" "--disable=$ctxpasses" "$bin" -l --disable=$ctxpasses "$dir"
  rate
  # No pass at all: reading, parsing (BuildKit's parser) and printing each
  # file, the floor under the two above.
  measure "directory mode, -l DIR, --enable=none" "$count corpus files" "parse and print only" "$bin" -l --enable=none "$dir"
  rate
  # One process per file, one after the other, from standard input (no
  # build context: what a formatter does). The shell loop that starts them
  # is counted (about 1 ms of CPU per file on 2 cores).
  per_process() { # LABEL CMD...
    local label=$1
    shift
    local wall user sys
    if [ $havetime = 1 ]; then
      /usr/bin/time -o "$work/time" -f '%e %U %S' bash -c 'for f in "$0"/*.Dockerfile; do "$@" <"$f" >/dev/null 2>&1; done' "$dir" "$@" || true
      read -r wall user sys < <(tail -n 1 "$work/time")
      echo "| $label | $count corpus files | $(echo "scale=2; $wall * 1000 / $count" | bc) ms per file | $(echo "scale=2; ($user + $sys) * 1000 / $count" | bc) ms per file | | process start to exit, no context |"
    else
      local start end
      start=$(date +%s%N)
      for f in "$dir"/*.Dockerfile; do
        "$@" <"$f" >/dev/null 2>&1 || true
      done
      end=$(date +%s%N)
      echo "| $label | $count corpus files | $(echo "scale=2; ($end - $start) / 1000000 / $count" | bc) ms per file | | | process start to exit, no context |"
    fi
  }
  per_process "one process per file, -l - <FILE" "$bin" -l -
  if [ -n "${DOCKERFMT:-}" ]; then
    per_process "dockerfmt, one process per file, <FILE" "$DOCKERFMT"
  fi
fi

if [ -z "$only" ] || [ "$only" = context ]; then
  ctx=$work/nodeproject
  mkdir -p "$ctx"
  printf 'FROM node:18\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]\n' >"$ctx/Dockerfile"
  printf '{"name": "app", "version": "1.0.0"}\n' >"$ctx/package.json"
  printf '{"lockfileVersion": 3}\n' >"$ctx/package-lock.json"
  printf 'console.log(1)\n' >"$ctx/server.js"
  printf 'node_modules\n.git\n' >"$ctx/.dockerignore"
  for d in $(seq 0 499); do
    mkdir -p "$ctx/node_modules/pkg$d/lib"
    for i in $(seq 0 49); do : >"$ctx/node_modules/pkg$d/lib/f$i.js"; done
  done
  measure "context with node_modules (25,000 files, ignored)" "1 Dockerfile" "every pass" "$bin" -l "$ctx/Dockerfile"
fi
