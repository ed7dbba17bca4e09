#!/usr/bin/env bash
# Throughput, latency, memory and listen-queue overflows of the four chapters,
# measured beside nginx in the same run, and what creating one thread costs
# here. Release builds, loopback only. Prints a Markdown table and draws it as
# an SVG chart (BENCH_SVG, default docs/bench.svg).
#
#   tools/scripts/bench.sh                 # 3 rounds, 8 s per measurement (about 10 minutes)
#   ROUNDS=1 DURATION=2 BENCH_SVG=/tmp/bench.svg tools/scripts/bench.sh    # a quick check
#   EXTRA='/path/to/my-server --port {port}' EXTRA_NAME=mine tools/scripts/bench.sh   # takes its port from {port}
#   tools/scripts/bench.sh scaling         # how the cost grows with the clients (see scaling_main below)
#   QUICK=1 SCALING_SVG=/tmp/scaling.svg tools/scripts/bench.sh scaling     # the same in under two minutes
#
# Linux only: it reads /proc (memory, threads, listen queues, kernel counters)
# and needs wrk and nginx.
#
# Workloads (wrk, always with "Connection: close", since our servers close
# after each response):
#   A  -t1 -c50 on /index.html             req/s, p50, p99, errors
#   D  -t1 -c16 on an 8 MiB file           MiB/s and the server's peak RSS
#   E  -t1 -c400 on /index.html            errors and the kernel's ListenOverflows
# Each chapter runs in A twice: --log-level info (to a file) and warn.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(uname -s)" != Linux ]; then
  echo "tools/scripts/bench.sh runs on Linux only: it reads /proc and needs wrk and nginx." >&2
  echo "On $(uname -s), cargo run --release -p lesson-demo -- --all measures the chapters' scenario." >&2
  exit 1
fi
MODE=${1:-bench}
case $MODE in
  bench | scaling) ;;
  *)
    echo "usage: tools/scripts/bench.sh [scaling]" >&2
    exit 2
    ;;
esac

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
BENCH_SVG=${BENCH_SVG:-docs/bench.svg}
ALL_CHAPTERS=(chapter12-sequential chapter13-refactor chapter13-threaded chapter13-threadpool chapter13-async)

if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get install wrk" >&2
  exit 1
fi
if ! command -v nginx >/dev/null; then
  echo "note: nginx is missing (apt-get install nginx-light): no nginx column" >&2
fi

# A chapter that is not in this checkout is skipped, not an error.
CHAPTERS=() packages=(-p lesson-demo)
for c in "${ALL_CHAPTERS[@]}"; do
  if [ -f "$c/Cargo.toml" ]; then
    CHAPTERS+=("$c") packages+=(-p "$c")
  else
    echo "note: skipped $c: no such package in this checkout" >&2
  fi
done
cargo build --release --quiet "${packages[@]}"

work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r static "$work/static"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$work/static/big.bin"
# nginx's worker runs as an unprivileged user: let it read the copy.
chmod -R a+rX "$work"
results="$work/results.tsv"

# A port below the ephemeral range (where wrk's many client sockets live),
# with nothing listening on it now.
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start NAME: starts a server, sets $pid and $port.
start() {
  local name=$1
  port=$(free_port)
  case $name in
    nginx)
      mkdir -p "$work/nginx"
      cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
${NGINX_MAIN:-}
events { worker_connections ${NGINX_CONNECTIONS:-4096}; }
http {
  access_log off;
  ${NGINX_HTTP:-}
  include /etc/nginx/mime.types;
  client_body_temp_path $work/nginx/body;
  server { listen 127.0.0.1:$port backlog=1024; root $work/static; }
}
CONF
      nginx -c "$work/nginx/nginx.conf" &
      ;;
    extra)
      ${EXTRA//\{port\}/$port} >"$work/extra.log" 2>&1 &
      ;;
    *)
      # name is CHAPTER-LEVEL, e.g. chapter13-threaded-warn
      "target/release/${name%-*}" --port "$port" --static-dir "$work/static" \
        --log-level "${name##*-}" ${SERVER_ARGS:-} 2>"$work/$name.log" &
      ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    # Connect and close without a byte: to a server that is a client who
    # changed its mind, not a broken request in its log.
    (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  if [ "$name" = nginx ]; then
    # Memory and CPU are the worker's, not the master's.
    sleep 0.1
    pid=$(pgrep -P "$pid" | head -n 1)
  fi
}

stop() {
  kill "$1" 2>/dev/null || true
  pkill -P $$ nginx 2>/dev/null || true
  wait 2>/dev/null || true
}

listen_overflows() {
  awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["ListenOverflows"] }' /proc/net/netstat
}

# measure ROUND WORKLOAD NAME
measure() {
  local round=$1 workload=$2 name=$3 path=/index.html conns=50 before after out rss
  [ "$workload" = D ] && path=/big.bin conns=16
  [ "$workload" = E ] && conns=400
  start "$name"
  before=$(listen_overflows)
  out=$(wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s -H 'Connection: close' \
    -s tools/scripts/wrk-report.lua "http://127.0.0.1:$port$path" | grep '^RESULT')
  after=$(listen_overflows)
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
  stop "$pid"
  # round workload name requests duration_us bytes p50_us p99_us errors overflows peak_rss_kib
  echo "$out" | sed 's/RESULT //; s/[a-z_0-9]*=//g' |
    awk -v r="$round" -v w="$workload" -v n="$name" -v o=$((after - before)) -v m="$rss" \
      '{ print r "\t" w "\t" n "\t" $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" o "\t" m }' >>"$results"
  echo "round $round $workload $name: $(tail -n 1 "$results" | cut -f4-)" >&2
}

# ---- tools/scripts/bench.sh scaling ----
# Two sweeps over every chapter and nginx, servers interleaved in each round:
#   busy clients:   wrk -t1 -cC (C in BUSY_CLIENTS) on /index.html with
#                   "Connection: close": req/s, p99, errors;
#   silent clients: K connections (K in SILENT_K; by default up to the
#                   open-files limit less 1000, 19000 of 20000) that connect and send
#                   nothing, held by lesson-demo's `scaling` binary, which then
#                   reads the server's threads and memory from /proc and times
#                   one fresh GET /index.html, capped at CAP seconds ("waits").
# The chapters get --read-timeout and --request-timeout of 600 s so the silent
# clients stay; nginx gets client_header_timeout 600s and room for them
# (worker_connections and worker_rlimit_nofile at the open-files limit). The
# tables go to stdout and the picture to SCALING_SVG.
scaling_main() {
  if [ -n "${QUICK:-}" ]; then
    ROUNDS=${SCALING_ROUNDS:-1} DURATION=${SCALING_DURATION:-1} CAP=${CAP:-2}
  else
    ROUNDS=${SCALING_ROUNDS:-3} DURATION=${SCALING_DURATION:-5} CAP=${CAP:-3}
  fi
  # Every silent client is an open file in the server and in the client.
  ulimit -n "$(ulimit -Hn)"
  # The top K is as many as the open-files limit allows, less room for the
  # server's own files (listener, log, the runtime's epoll): 19000 of 20000.
  local top_k=$(( ($(ulimit -n) - 1000) / 1000 * 1000 )) more_k=
  if [ "$top_k" -gt 10000 ]; then more_k=,10000,$top_k; elif [ "$top_k" -gt 5000 ]; then more_k=,$top_k; fi
  local busy_clients=${BUSY_CLIENTS:-1 10 50 200 1000} silent_k=${SILENT_K:-0,10,100,1000,5000$more_k}
  local svg=${SCALING_SVG:-docs/scaling.svg}
  local busy="$work/busy.tsv" silent="$work/silent.tsv" notes="$work/notes.txt"
  : >"$busy" >"$silent" >"$notes"

  echo "open-files limit raised to $(ulimit -n) (soft = hard) for the servers, wrk and the silent clients" >&2
  export NGINX_CONNECTIONS=$(ulimit -n)
  export NGINX_MAIN="worker_rlimit_nofile $(ulimit -n);"
  export NGINX_HTTP="client_header_timeout 600s;"

  local servers=() c
  for c in "${CHAPTERS[@]}"; do servers+=("$c-warn"); done
  if command -v nginx >/dev/null; then servers+=(nginx); fi
  local load_before
  load_before=$(uptime | sed 's/.*load average: //')
  local machine="$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | cut -d/ -f2)"
  local limits="threads-max $(cat /proc/sys/kernel/threads-max), pid_max $(cat /proc/sys/kernel/pid_max), vm.max_map_count $(cat /proc/sys/vm/max_map_count), MemAvailable $(awk '/MemAvailable/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), open files $(ulimit -n)"
  echo "$machine" >&2
  echo "$limits" >&2
  echo "load average before: $load_before" >&2

  local round name server out
  for round in $(seq "$ROUNDS"); do
    for c in $busy_clients; do
      for name in "${servers[@]}"; do
        server=${name%-warn}
        start "$name"
        out=$(wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency -H 'Connection: close' \
          -s tools/scripts/wrk-report.lua "http://127.0.0.1:$port/index.html" | grep '^RESULT' || true)
        stop "$pid"
        if [ -z "$out" ]; then
          echo "round $round: $server with $c busy clients: wrk reported nothing" | tee -a "$notes" >&2
          continue
        fi
        # round server clients requests duration_us p99_us errors
        echo "$out" | sed 's/RESULT //; s/[a-z_0-9]*=//g' |
          awk -v r="$round" -v n="$server" -v c="$c" \
            '{ print r "\t" n "\t" c "\t" $1 "\t" $2 "\t" $5 "\t" $6 }' >>"$busy"
        echo "busy round $round $server c=$c: $(tail -n 1 "$busy" | cut -f4-)" >&2
      done
    done
  done
  local load_between
  load_between=$(uptime | sed 's/.*load average: //')

  local log
  for round in $(seq "$ROUNDS"); do
    for name in "${servers[@]}"; do
      server=${name%-warn}
      SERVER_ARGS="--read-timeout 600 --request-timeout 600" start "$name"
      target/release/scaling silent "127.0.0.1:$port" "$pid" "$server" "$round" "$silent_k" "$CAP" \
        | grep -v '^#' >>"$silent" || echo "round $round: $server: the silent sweep failed" | tee -a "$notes" >&2
      stop "$pid"
      # What the server itself said (at --log-level warn: only trouble).
      log="$work/$name.log"
      [ "$name" = nginx ] && log="$work/nginx/error.log"
      if grep -qiE 'error|warn|emerg|alert|crit' "$log" 2>/dev/null; then
        echo "round $round: $server's log: $(grep -ciE 'error|warn|emerg|alert|crit' "$log") lines of trouble; first: $(grep -m2 -iE 'error|warn|emerg|alert|crit|cause' "$log" | tr '\n' ' ')" >>"$notes"
      fi
    done
  done
  local load_after
  load_after=$(uptime | sed 's/.*load average: //')

  echo
  echo "$machine"
  echo "$limits"
  echo "Load average (1, 5, 15 min): before $load_before; after the busy sweep $load_between; after the silent sweep $load_after."
  echo "Busy: wrk -t1 -cC -d${DURATION}s --latency -H 'Connection: close' on /index.html, C in: $busy_clients; $ROUNDS round(s)."
  echo "Silent: K in $silent_k; fresh GET capped at $CAP s; chapters with --read-timeout 600 --request-timeout 600."
  echo
  mkdir -p "$(dirname "$svg")"
  target/release/scaling report "$busy" "$silent" "$svg" "$CAP" \
    "$(printf '%s; load average before the run %s\n%s round(s), %s s per wrk run, servers interleaved; fresh GET capped at %s s\n%s' \
      "$machine" "$load_before" "$ROUNDS" "$DURATION" "$CAP" "$limits")"
  if [ -s "$notes" ]; then
    echo "Notes from the run:"
    sed 's/^/- /' "$notes"
    echo
  fi
  echo "Chart: $svg"
  echo
  echo "All rows, busy (round, server, clients, requests, duration_us, p99_us, errors):"
  sed 's/^/    /' "$busy"
  echo "All rows, silent (round, server, K, held, queued, threads, rss_kib, kernel_stack_kib, fresh_ms, note):"
  sed 's/^/    /' "$silent"
}

if [ "$MODE" = scaling ]; then
  scaling_main
  exit 0
fi

servers_a=() servers_de=()
for c in "${CHAPTERS[@]}"; do servers_a+=("$c-info" "$c-warn"); servers_de+=("$c-warn"); done
if command -v nginx >/dev/null; then servers_a+=(nginx); servers_de+=(nginx); fi
if [ -n "${EXTRA:-}" ]; then servers_a+=(extra); servers_de+=(extra); fi

machine="$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, Linux $(uname -r), $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | cut -d/ -f2)"
echo "$machine" >&2
# What the threaded chapter pays per client before answering it.
thread_cost=$(target/release/thread-cost)
echo "$thread_cost" >&2
for round in $(seq "$ROUNDS"); do
  for name in "${servers_a[@]}"; do measure "$round" A "$name"; done
  for name in "${servers_de[@]}"; do measure "$round" D "$name"; done
  for name in "${servers_de[@]}"; do measure "$round" E "$name"; done
done

# Medians over the rounds; ratios to nginx's median from the same run.
label() { [ "$1" = extra ] && echo "${EXTRA_NAME:-extra}" || echo "$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v w="$1" -v n="$2" -v e="$3" '$2 == w && $3 == n { print '"$4"' }' "$results" | median; }

nginx_a=$(col A nginx x '$4 / ($5 / 1e6)')
nginx_d=$(col D nginx x '$6 / ($5 / 1e6) / 1048576')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo
echo "Medians of $ROUNDS rounds, ${DURATION}s each; ratios to nginx (1 worker) measured in the same run."
echo "Creating a thread here: $(echo "$thread_cost" | awk '{ print $2 }') µs (spawn + join of an empty thread, median)."
echo
chart="$work/chart.tsv"
echo "# server	A x nginx	D MiB/s	D peak RSS MiB" >"$chart"
echo "| server | A req/s | A × nginx | A p50 ms | A p99 ms | A errors | D MiB/s | D × nginx | D peak RSS MiB | E errors | E ListenOverflows |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for name in "${servers_a[@]}"; do
  a=$(col A "$name" x '$4 / ($5 / 1e6)')
  p50=$(col A "$name" x '$7 / 1000')
  p99=$(col A "$name" x '$8 / 1000')
  aerr=$(awk -F'\t' -v n="$name" '$2 == "A" && $3 == n { s += $9 } END { print s + 0 }' "$results")
  d="" dr="" rss="" eerr="" eov=""
  if printf '%s\n' "${servers_de[@]}" | grep -qx "$name"; then
    d=$(col D "$name" x '$6 / ($5 / 1e6) / 1048576')
    dr=$(ratio "$d" "$nginx_d")
    rss=$(awk -F'\t' -v n="$name" '$2 == "D" && $3 == n && $11 > m { m = $11 } END { printf "%.1f", m / 1024 }' "$results")
    eerr=$(awk -F'\t' -v n="$name" '$2 == "E" && $3 == n { s += $9 } END { print s + 0 }' "$results")
    eov=$(awk -F'\t' -v n="$name" '$2 == "E" && $3 == n { s += $10 } END { print s + 0 }' "$results")
    d=$(printf '%.0f' "$d")
  fi
  printf '| %s | %.0f | %s | %.2f | %.2f | %s | %s | %s | %s | %s | %s |\n' \
    "$(label "$name")" "$a" "$(ratio "$a" "$nginx_a")" "$p50" "$p99" "$aerr" "$d" "$dr" "$rss" "$eerr" "$eov"
  printf '%s\t%s\t%s\t%s\n' "$(label "$name")" "$(ratio "$a" "$nginx_a")" "$d" "$rss" >>"$chart"
done
mkdir -p "$(dirname "$BENCH_SVG")"
target/release/bench-chart "$chart" "$BENCH_SVG" \
  "$(printf 'Medians of %s round(s) of %s s each; creating a thread costs %s µs here\n%s' \
    "$ROUNDS" "$DURATION" "$(echo "$thread_cost" | awk '{ print $2 }')" "$machine")"
echo
echo "Chart: $BENCH_SVG"
echo
echo "All rounds (round, workload, server, requests, duration_us, bytes, p50_us, p99_us, errors, listen_overflows, peak_rss_kib):"
sed 's/^/    /' "$results"
