#!/usr/bin/env bash
# The cache server (tools/cache-server, fs storage) against nginx serving (GET) and accepting
# (WebDAV PUT, dav_methods PUT) the same files from the same disk, side by side in one run:
# GET and PUT throughput and each server's peak memory, for every artifact size and client count.
#
#   bash bench/cache-server.sh [--sizes "1 50 500"] [--clients "1 16 64"] [--seconds 3] [--rounds 3] [--steer on|off]
#
# Sizes are MiB. Each cell runs the cache server and nginx one after the other, --rounds times
# (which goes first alternates from round to round and from cell to cell), each for --seconds of
# closed-loop load from bench/cache-server-load.mjs
# (keep-alive connections, one per client; transfers still running at the deadline are cut and
# their bytes so far counted, so 64 clients x 500 MiB take --seconds, not 32 GB of traffic; a
# PUT's bytes count once the server has read them, not while they wait in the sockets' queues).
# Like for like on 2 cores: the cache server (one Node process) and nginx (one worker) are pinned
# to core 0 in turn, the load generator to core 1 (taskset). Both store under one temp folder on
# the same disk: nginx serves the cache server's own entry files, and writes its PUTs beside them.
# The cache server makes each stored artifact durable before linking it into place (a crash never
# leaves a partial entry), after it answers: by its own fdatasync, or by group commit (syncfs(2)
# calls whose writeback the kernel's workers do) when uploads overlap. nginx does not sync at all,
# and the bench deletes each run's files before the kernel would write them back (30 s): its PUTs
# never reach the disk. So a PUT run is timed until every byte it accepted is on the disk (the
# same syncfs for both sides, see on_disk), and that "durable" throughput is the PUT goal's
# measure; the throughput of accepted bytes is shown beside it.
# Peak memory is VmHWM from /proc (reset through /proc/<pid>/clear_refs before each cell) of the
# cache server process and of the nginx worker. The cache server is a fresh process for each
# artifact size, warmed up by a second of that size's GETs and PUTs, so a size's peak is its own.
# Prints a table with each side's median throughput over the rounds (for a PUT the durable one,
# then the accepted one and the share of the accepted bytes the disk wrote during the load), the
# ratio of the medians cache-server/nginx and the range of the rounds' own ratios (this machine is
# shared: one round decides nothing), each side's peak memory, and each side's CPU time per GiB
# moved (median; the whole process, every thread, during the load): where both are held back by
# something else, the disk or the memory, the CPU per GiB still shows which one does more work for
# the same bytes (nginx's writeback, done later by the kernel, is not in its figure).
# Goals: median throughput (a PUT's durable one) >= 0.8x nginx's in every cell; memory flat in
# artifact size (peak RSS, the highest of the rounds, at the largest size within 1.5x of the
# smallest, for the same client count). Exits 1 when a request fails; a missed goal is reported, not fatal.
# After every PUT run the bench waits for the memory its deleted files held to go back to the
# hypervisor, so that every PUT run starts from the same memory (see settle below).
# Loopback's receive work is steered to core 1, the load generator's (RPS: rps_cpus of lo's
# receive queue, restored on exit; --steer off leaves it alone). Unsteered, a packet sent on
# loopback is received on the sender's core or on the reader's, depending on who holds the socket
# at that instant, and that flips from run to run: one server's 1 MiB x1 GETs, twelve 2 s runs in
# a row, went from 971 to 1806 MiB/s and back, at 0.13-0.58 s of CPU per GiB (bimodal, for nginx
# alike). Steered, the client's side is received on the client's core, as on a real network, and
# each server's core does its own side's work: 900-1299 MiB/s at 0.41-0.52 s/GiB (docs/benchmarks.md).
# Needs root (or write access to /sys/class/net/lo/queues/rx-0/rps_cpus); without it the bench
# says so and runs unsteered.
# nginx, taskset and ss are the ones tools/scripts/tool.mjs finds (`npm run setup` installs nginx
# and iproute2).
set -euo pipefail

sizes="1 50 500"
client_counts="1 16 64"
seconds=3
rounds=3
steer=on
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --clients) client_counts=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --steer) steer=$2; shift 2 ;;
    -h|--help) sed -n '2,43p' "$0"; exit 0 ;;
    *) echo "bench/cache-server.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench/cache-server.sh: --rounds must be a whole number >= 1, not '$rounds'" >&2; exit 2; }
case $steer in on|off) ;; *) echo "bench/cache-server.sh: --steer must be on or off, not '$steer'" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/proc-cpu.sh
. "$root/bench/proc-cpu.sh"
nginx=$(node "$root/tools/scripts/tool.mjs" nginx) || exit 1
taskset=$(node "$root/tools/scripts/tool.mjs" taskset) || exit 1
ss=$(node "$root/tools/scripts/tool.mjs" ss) || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-cache-server.XXXXXX")
server_pid=
nginx_pid=
rps=/sys/class/net/lo/queues/rx-0/rps_cpus
rps_before=
cleanup() {
  set +e
  [ -n "$rps_before" ] && echo "$rps_before" > "$rps"
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '[bench] %s\n' "$*" >&2; }

# Loopback's receive work on core 1 (see the top of this file); `steering` says what was done.
steering="loopback receive not steered (--steer off)"
if [ "$steer" = on ]; then
  if [ -w "$rps" ] && rps_before=$(cat "$rps") && echo 2 > "$rps"; then
    steering="loopback receive steered to core 1 (RPS)"
  else
    rps_before=
    steering="loopback receive NOT steered: $rps is not writable (run as root)"
    say "$steering: the 1 MiB cells' figures flip between two modes from run to run"
  fi
fi
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

token=$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')
mkdir -p "$work/store" "$work/dav" "$work/nginx-tmp"

# The cache server on core 0, on a port picked here (--log-level warn prints no "listening" line).
# --sendfile on, --group-commit on: it refuses to start without its native addon (npm run setup
# builds it), so the figures are never those of a server that silently streamed every GET or
# fdatasynced every upload on its own.
# The token goes by environment: the server refuses one on its command line. A fresh process per
# artifact size (see the loop below): start_server stops the one before.
start_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null || true
  fi
  server_port=$(free_port)
  # The bin runs as the executable, as `npx cache-server` runs it: its first line gives node the
  # flags the server is meant to run with.
  CACHE_SERVER_TOKENS="read-write:main:$token" "$taskset" -c 0 "$root/tools/cache-server/bin/cache-server.js" \
    --port "$server_port" --dir "$work/store" --max-entry-size 1GiB --evict-interval 0 --sendfile on --group-commit on --log-level warn > "$work/server.log" 2>&1 &
  server_pid=$!
  server_url="http://127.0.0.1:$server_port"
  for _ in $(seq 1 100); do
    health=$(node -e 'fetch(process.argv[1]).then((r) => console.log(r.status), () => console.log(0))' "$server_url/healthz")
    [ "$health" = 200 ] && break
    sleep 0.1
  done
  [ "$health" = 200 ] || { echo "bench/cache-server.sh: the cache server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
}
start_server

# nginx on core 0, one worker, a config of its own in the temp folder.
nginx_port=$(free_port)
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
user root;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/store;
    location /dav/ {
      root $work;
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
    }
  }
}
EOF
"$taskset" -c 0 "$nginx" -c "$work/nginx.conf" -e "$work/nginx-error.log" 2> "$work/nginx.log" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port"
for _ in $(seq 1 100); do
  [ -s "$work/nginx.pid" ] && [ -n "$(cat "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null)" ] && break
  sleep 0.1
done
nginx_worker=$(awk '{ print $1 }' "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null)
[ -n "$nginx_worker" ] || { echo "bench/cache-server.sh: nginx did not start:" >&2; cat "$work/nginx.log" "$work/nginx-error.log" >&2; exit 1; }
say "cache server $server_url (pid $server_pid), nginx $nginx_url (worker pid $nginx_worker), folder $work"

# One artifact per size: stored through the cache server (entry main/ge/ge<size>), served by both.
for size in $sizes; do
  head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/artifact-$size.bin"
  # shellcheck disable=SC2016 # JavaScript, not shell
  status=$(node -e '
    const [url, token, file] = process.argv.slice(1);
    require("fs").openAsBlob(file).then((body) => fetch(url, { method: "PUT", body, headers: { authorization: `Bearer ${token}` } }))
      .then((r) => console.log(r.status), (e) => console.log(e.message));' "$server_url/v1/cache/ge$size" "$token" "$work/artifact-$size.bin")
  [ "$status" = 200 ] || { echo "bench/cache-server.sh: seeding ge$size through the cache server answered $status" >&2; exit 1; }
done

peak_reset() { echo 5 > "/proc/$1/clear_refs"; }
peak_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# settle: after a PUT run has deleted its files, wait for the guest to hand their freed memory
# back to the hypervisor, so the next run starts from the same memory as every other. On a VM with
# free page reporting (virtio-balloon; this machine's kernel counts it in reported_kib), memory
# freed a moment ago is still backed by the host and fresh memory is not: a loop writing 3000 MiB
# of new files took 0.85 s right after 3000 MiB of files were deleted, and ran at 390 MiB/s after
# its first 0.9-1.1 GiB once the host had taken the freed memory back (passes 2.1 s apart, of
# 100-700 MiB each, for 10 s or more). Without this wait each PUT run wrote into what the run
# before it had just freed: a head start of up to 3 GiB for whichever side ran second. Waits until
# no pass for 2.5 s, at most 20 s; returns at once where the kernel has no such counter.
settle() {
  local counter=/sys/module/page_reporting/parameters/reported_kib last now stable=0
  [ -r "$counter" ] || return 0
  last=$(cat "$counter")
  for _ in $(seq 1 80); do
    sleep 0.25
    now=$(cat "$counter")
    if [ "$now" = "$last" ]; then stable=$((stable + 1)); else stable=0; last=$now; fi
    [ "$stable" -ge 10 ] && return 0
  done
}

# The /sys/class/block stat file of the block device holding $work, or none (tmpfs, overlay).
disk_stat=$(df --output=source "$work" 2>/dev/null | tail -n 1) || disk_stat=
disk_stat=/sys/class/block/${disk_stat#/dev/}/stat
[ -r "$disk_stat" ] || disk_stat=

# disk_written <GET|PUT>: for a PUT, sectors written so far by that device (field 7 of its stat);
# nothing for a GET or without the device: the run's % written is then -.
disk_written() {
  [ "$1" = PUT ] && [ -n "$disk_stat" ] && awk '{ print $7 }' "$disk_stat"
  return 0
}

# on_disk <server|nginx>, right after a PUT run: waits until every byte that side accepted is on
# the disk and prints the seconds that took. The same for both: first the side's own uploads end,
# each stored or removed (its temporary folder empties: the cache server's .tmp once each upload
# is committed and linked, or cut and removed; nginx's client_body_temp_path once each body is
# renamed into place or dropped), then syncfs(2) of the file system both store on (`sync -f`).
# The PUT's "durable" throughput is its bytes over the run's seconds plus this wait. Why it is the
# PUT goal's measure: nginx never syncs, and in a 3 s run its bytes stay in the page cache (below
# vm.dirty_background_ratio), so its accepted throughput is the page cache's speed, not the
# disk's: /sys/block/<disk>/stat counted 0 MiB written by one client's 1 MiB PUTs through nginx
# (1.46-1.49 GiB accepted per run), while the cache server wrote every byte it accepted
# (docs/benchmarks.md).
on_disk() {
  local started=$EPOCHREALTIME uploads="$work/nginx-tmp/body"
  [ "$1" = server ] && uploads="$work/store/.tmp"
  for _ in $(seq 1 2000); do
    [ -z "$(ls -A "$uploads" 2>/dev/null)" ] && break
    sleep 0.01
  done
  sync -f "$work"
  awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# run <server|nginx> <GET|PUT> <size> <clients>: prints "<MiB/s> <peak MiB> <CPU s per GiB> <durable MiB/s>
# <% written to disk>" (durable: see on_disk, a GET's is its throughput; % written: of the bytes a PUT
# run accepted, how much the disk holding them wrote during the load, - where unknown)
run() {
  local target=$1 method=$2 size=$3 clients=$4 run_seconds=${5:-$seconds} pid url args=()
  if [ "$target" = server ]; then
    pid=$server_pid
    args=(--token "$token")
    if [ "$method" = GET ]; then url="$server_url/v1/cache/ge$size"; else url="$server_url/v1/cache/"; fi
  else
    pid=$nginx_worker
    if [ "$method" = GET ]; then url="$nginx_url/main/ge/ge$size"; else url="$nginx_url/dav/"; fi
  fi
  [ "$method" = PUT ] && args+=(--file "$work/artifact-$size.bin" --ss "$ss")
  peak_reset "$pid"
  local result cpu_before cpu_after
  cpu_before=$(cpu_seconds "$pid")
  local written_before
  written_before=$(disk_written "$method")
  result=$("$taskset" -c 1 node "$root/bench/cache-server-load.mjs" --method "$method" --url "$url" \
    --clients "$clients" --seconds "$run_seconds" --size "$((size * 1024 * 1024))" "${args[@]}")
  cpu_after=$(cpu_seconds "$pid")
  local peak durable_wait=0 written_after
  written_after=$(disk_written "$method")
  peak=$(peak_mib "$pid")
  # PUTs leave files (and cut uploads) behind: drop them so the disk does not fill up, and so
  # the next run's PUTs of the same names are new. The cache server answers a PUT before it links
  # the entry (docs/remote-cache.md), and removes an upload's temporary file once it is linked or
  # cut: on_disk waits for its .tmp folder to empty first, or a late link would leave an entry
  # behind.
  if [ "$method" = PUT ]; then
    durable_wait=$(on_disk "$target")
    for _ in $(seq 1 20); do
      rm -rf "$work/store/main/pp" "$work/dav"/pp* 2>/dev/null && break
      sleep 0.5
    done
    # The next cell must not pay for this one's writes: flush them to disk now.
    sync
    settle
  fi
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const r = JSON.parse(process.argv[1]);
    if (r.failed > 0) { console.error(`bench/cache-server.sh: ${process.argv[2]} ${r.failed} failed requests: ${r.failures.join("; ")}`); process.exit(1); }
    const cpu = (Number(process.argv[5]) - Number(process.argv[4])) / (r.bytes / 1073741824);
    const mib = r.bytes / 1048576;
    const [before, after] = [process.argv[7], process.argv[8]];
    const written = before && after && r.bytes > 0 ? (((after - before) * 512) / r.bytes * 100).toFixed(0) : "-";
    console.log((mib / r.seconds).toFixed(1), process.argv[3], cpu.toFixed(3), (mib / (r.seconds + Number(process.argv[6]))).toFixed(1), written);' \
    "$result" "$target $method ${size}MiB x$clients" "$peak" "$cpu_before" "$cpu_after" "$durable_wait" "$written_before" "$written_after"
}

rows="$work/rows.txt"
: > "$rows"
order=0
for size in $sizes; do
  # Each size on a fresh server process, warmed up by one second of GETs and PUTs at that size: a
  # process's RSS never shrinks back (V8's heap, malloc's arenas), so one process serving every
  # size in turn would report the later sizes' peaks on top of the earlier ones'.
  start_server
  run server GET "$size" 1 1 > /dev/null
  run server PUT "$size" 1 1 > /dev/null
  say "${size} MiB: fresh cache server (pid $server_pid), warmed up"
  for clients in $client_counts; do
    for method in GET PUT; do
      for round in $(seq 1 "$rounds"); do
        order=$((order + 1))
        if [ $((order % 2)) -eq 1 ]; then
          s=$(run server "$method" "$size" "$clients"); n=$(run nginx "$method" "$size" "$clients")
        else
          n=$(run nginx "$method" "$size" "$clients"); s=$(run server "$method" "$size" "$clients")
        fi
        echo "$size $clients $method $s $n" >> "$rows"
        say "${size} MiB x $clients $method, round $round/$rounds: cache server $s, nginx $n (MiB/s, peak MiB, CPU s/GiB, durable MiB/s, % on disk)"
      done
    done
  done
done

echo
echo "Cache server vs nginx, ${seconds} s per run, median of $rounds round(s) per cell, $(nproc) cores (server and nginx pinned to core 0, load to core 1; $steering)"
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const cells = new Map();
  for (const line of lines) {
    const [size, clients, method, serverAccepted, serverPeak, serverCpu, serverDurable, serverWritten, nginxAccepted, nginxPeak, nginxCpu, nginxDurable, nginxWritten] = line.split(" ");
    const key = `${size} ${clients} ${method}`;
    if (!cells.has(key)) cells.set(key, { size: +size, clients: +clients, method, server: [], nginx: [], serverAccepted: [], nginxAccepted: [], serverWritten: [], nginxWritten: [], serverCpu: [], nginxCpu: [], serverPeak: 0, nginxPeak: 0 });
    const cell = cells.get(key);
    // The goal measure: the throughput of a GET, the durable throughput of a PUT (see on_disk).
    cell.server.push(+serverDurable);
    cell.nginx.push(+nginxDurable);
    cell.serverAccepted.push(+serverAccepted);
    cell.nginxAccepted.push(+nginxAccepted);
    if (serverWritten !== "-" && nginxWritten !== "-") {
      cell.serverWritten.push(+serverWritten);
      cell.nginxWritten.push(+nginxWritten);
    }
    cell.serverCpu.push(+serverCpu);
    cell.nginxCpu.push(+nginxCpu);
    cell.serverPeak = Math.max(cell.serverPeak, +serverPeak);
    cell.nginxPeak = Math.max(cell.nginxPeak, +nginxPeak);
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  // Ratios are shown rounded down, so a ratio shown as 0.80 is one that meets 0.8.
  const down = (ratio) => (Math.floor(ratio * 100) / 100).toFixed(2);
  const pad = (text, width, left) => (left ? String(text).padEnd(width) : String(text).padStart(width));
  console.log([pad("size", 8, 1), pad("clients", 7, 1), pad("method", 6, 1), pad("server MiB/s", 14), pad("nginx MiB/s", 14), pad("ratio", 7), pad("rounds", 11), pad("goal", 7), pad("accepted server", 15), pad("nginx", 7), pad("ratio", 5), pad("% on disk server", 16), pad("nginx", 5), pad("server peak MiB", 15), pad("nginx peak", 10), pad("CPU s/GiB server", 16), pad("nginx", 5)].join(" "));
  const worst = { GET: Infinity, PUT: Infinity, accepted: Infinity };
  let met = 0;
  for (const cell of cells.values()) {
    const server = median(cell.server);
    const nginx = median(cell.nginx);
    const ratio = nginx > 0 ? server / nginx : 0;
    const each = cell.server.map((value, i) => (cell.nginx[i] > 0 ? value / cell.nginx[i] : 0));
    const range = `${down(Math.min(...each))}-${down(Math.max(...each))}`;
    worst[cell.method] = Math.min(worst[cell.method], ratio);
    if (ratio >= 0.8) met += 1;
    const accepted = cell.method === "PUT" ? [median(cell.serverAccepted), median(cell.nginxAccepted)] : undefined;
    const acceptedRatio = accepted && accepted[1] > 0 ? accepted[0] / accepted[1] : 0;
    if (accepted) worst.accepted = Math.min(worst.accepted, acceptedRatio);
    console.log([pad(`${cell.size} MiB`, 8, 1), pad(cell.clients, 7, 1), pad(cell.method, 6, 1), pad(server.toFixed(1), 14), pad(nginx.toFixed(1), 14), pad(down(ratio), 7), pad(range, 11), pad(ratio >= 0.8 ? "meets" : "MISSES", 7), pad(accepted ? accepted[0].toFixed(1) : "-", 15), pad(accepted ? accepted[1].toFixed(1) : "-", 7), pad(accepted ? down(acceptedRatio) : "-", 5), pad(accepted && cell.serverWritten.length ? median(cell.serverWritten).toFixed(0) : "-", 16), pad(accepted && cell.nginxWritten.length ? median(cell.nginxWritten).toFixed(0) : "-", 5), pad(cell.serverPeak, 15), pad(cell.nginxPeak, 10), pad(median(cell.serverCpu).toFixed(2), 16), pad(median(cell.nginxCpu).toFixed(2), 5)].join(" "));
  }
  console.log(`\n${met} of ${cells.size} cells meet 0.8x; lowest median throughput ratio: GET ${down(worst.GET)}, PUT ${down(worst.PUT)} (goal >= 0.80; PUT: durable, see on_disk)`);
  if (Number.isFinite(worst.accepted)) console.log(`lowest PUT ratio of accepted throughput (bytes of nginx still in the page cache, not the goal): ${down(worst.accepted)}`);
  const bySeries = new Map();
  for (const cell of cells.values()) {
    const key = `${cell.clients} clients ${cell.method}`;
    const series = bySeries.get(key) ?? [];
    series.push(cell);
    bySeries.set(key, series);
  }
  for (const [key, series] of bySeries) {
    series.sort((a, b) => a.size - b.size);
    const small = series[0];
    const large = series[series.length - 1];
    const growth = small.serverPeak > 0 ? large.serverPeak / small.serverPeak : 0;
    console.log(`server peak memory, ${key}: ${small.serverPeak} MiB at ${small.size} MiB, ${large.serverPeak} MiB at ${large.size} MiB: ${growth.toFixed(2)}x (goal <= 1.5x: ${growth <= 1.5 ? "meets" : "MISSES"})`);
  }
' "$rows"
