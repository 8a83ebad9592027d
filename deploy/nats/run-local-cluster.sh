#!/usr/bin/env bash
# Runs the 3-node NATS JetStream cluster of nats-1.conf, nats-2.conf and
# nats-3.conf on this machine, to try Ohjaamo against a cluster with stream
# replicas R3. Not for production: all three servers share one disk and one
# power supply.
#
#   deploy/nats/run-local-cluster.sh [start]   build nats-server if needed, start all three, wait until healthy
#   deploy/nats/run-local-cluster.sh status    which servers run, and their /healthz
#   deploy/nats/run-local-cluster.sh stop      stop the servers this script started (by their pid files)
#
# Environment:
#   NATS_SERVER   nats-server binary (default: bin/nats-server, built from the
#                 nats-server module version in go.mod)
#   RUN_DIR       store directories, logs and pid files (default: data/nats-cluster,
#                 which git ignores). Remove it to start from an empty cluster.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
nats_server="${NATS_SERVER:-$repo/bin/nats-server}"
run_dir="${RUN_DIR:-$repo/data/nats-cluster}"
nodes=(1 2 3)
client_urls="nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224"

monitor_port() { echo $((8221 + $1)); }

# pid_of N prints the pid of server N if it is running.
pid_of() {
	local f="$run_dir/nats-$1.pid" pid
	[[ -s $f ]] || return 1
	pid="$(cat "$f")"
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

healthy() {
	curl -fsS --max-time 2 "http://127.0.0.1:$(monitor_port "$1")/healthz" >/dev/null 2>&1
}

build() {
	if [[ -x $nats_server ]]; then
		return
	fi
	echo "building $nats_server from the nats-server module in go.mod"
	# The module is already required by go.mod (the embedded server), so this
	# needs no `go get` and does not change go.mod or go.sum.
	(cd "$repo" && go build -o "$nats_server" github.com/nats-io/nats-server/v2)
}

start() {
	build
	mkdir -p "$run_dir"
	local n pid
	for n in "${nodes[@]}"; do
		if pid="$(pid_of "$n")"; then
			echo "nats-$n is already running (pid $pid)"
			continue
		fi
		"$nats_server" -t -c "$here/nats-$n.conf" >/dev/null 2>&1 || "$nats_server" -t -c "$here/nats-$n.conf"
		# store_dir in the config is relative: the server runs in $run_dir.
		(
			cd "$run_dir"
			nohup "$nats_server" -c "$here/nats-$n.conf" \
				-l "$run_dir/nats-$n.log" -P "$run_dir/nats-$n.pid" </dev/null >/dev/null 2>&1 &
		)
		echo "started nats-$n (log $run_dir/nats-$n.log)"
	done

	# /healthz answers 200 once the server's JetStream is up and it has
	# contact with the cluster's meta leader, so all three healthy = ready.
	local deadline=$((SECONDS + 60)) ok
	while :; do
		ok=0
		for n in "${nodes[@]}"; do
			healthy "$n" && ok=$((ok + 1))
		done
		[[ $ok -eq ${#nodes[@]} ]] && break
		if ((SECONDS >= deadline)); then
			echo "the cluster is not healthy after 60s; see $run_dir/nats-*.log" >&2
			status >&2
			exit 1
		fi
		sleep 0.5
	done

	cat <<EOF

The NATS cluster "ohjaamo" is running: 3 servers with JetStream, fsync on every write.
  clients     $client_urls
  monitoring  http://127.0.0.1:8222/jsz  http://127.0.0.1:8223/jsz  http://127.0.0.1:8224/jsz
  files       $run_dir

Start Ohjaamo against it, with the event stream replicated to all three servers:

  go build -tags sqlite_fts5 -o bin/ohjaamo ./cmd/ohjaamo
  bin/ohjaamo serve --nats-url $client_urls --replicas 3 --data data/ohjaamo-1

A second instance may serve the same stream (its own --data for its read models):

  bin/ohjaamo serve --nats-url $client_urls --replicas 3 --data data/ohjaamo-2 --listen 127.0.0.1:8081 --demo=false

Then:  bin/ohjaamo group list --server http://127.0.0.1:8080
Stop:  $0 stop
EOF
}

status() {
	local n pid health
	for n in "${nodes[@]}"; do
		if pid="$(pid_of "$n")"; then
			health="$(curl -sS --max-time 2 "http://127.0.0.1:$(monitor_port "$n")/healthz" 2>&1 || true)"
			echo "nats-$n running (pid $pid): $health"
		else
			echo "nats-$n not running"
		fi
	done
}

stop() {
	local n pid
	for n in "${nodes[@]}"; do
		if pid="$(pid_of "$n")"; then
			kill -TERM "$pid"
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "nats-$n (pid $pid) did not stop within 10s" >&2
			else
				echo "stopped nats-$n (pid $pid)"
			fi
		fi
		rm -f "$run_dir/nats-$n.pid"
	done
}

case "${1:-start}" in
start) start ;;
status) status ;;
stop) stop ;;
*)
	echo "usage: $0 [start|status|stop]" >&2
	exit 2
	;;
esac
