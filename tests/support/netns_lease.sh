# Sourced by the tests that emulate hosts in network namespaces (bash). A test killed hard (SIGKILL, the end of
# a session) cannot clean up: its namespaces, bridge and route stay, and a later test given the same subnet
# reaches nothing through the stale route (every trial "hangs"). netns_lease first reaps what dead tests left,
# then picks a tag and a /24 that nothing on this machine uses, and records them with the owner's pid (and its
# start time, so a reused pid does not count) for the next test to reap in turn.
#   netns_lease PREFIX PREFERRED_OCTET [HOSTS]  sets lease_tag (PREFIX and digits, at most 6 characters) and
#                                                lease_net (10.213.X, no trailing dot)
#   netns_remove TAG HOSTS                       kills the processes in TAGh1..TAGhHOSTS, deletes them and TAGbr
#   netns_release                                forgets this test's lease (after netns_remove)
lease_dir=/run/kiln-netns

netns_start_time() {  # field 22 of /proc/PID/stat: after "pid (comm) ", the 20th
  sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

netns_remove() {
  local tag=$1 hosts=$2 i pid
  for i in $(seq 1 "$hosts"); do
    for pid in $(ip netns pids "${tag}h$i" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "${tag}h$i" 2>/dev/null || true
  done
  ip link del "${tag}br" 2>/dev/null || true
  return 0
}

netns_lease_alive() {  # LEASE_FILE: is its owner still running?
  local pid started
  read -r pid started _ < "$1" || return 1
  [ -n "$pid" ] && [ "$(netns_start_time "$pid")" = "$started" ]
}

netns_lease() {
  local prefix=$1 preferred=$2 hosts=${3:-8} lease octet tag candidate used
  mkdir -p "$lease_dir"
  exec 9> "$lease_dir/lock"
  flock 9
  for lease in "$lease_dir"/*.lease; do
    [ -e "$lease" ] || continue
    netns_lease_alive "$lease" && continue
    local dead_pid dead_start dead_tag dead_net dead_hosts
    read -r dead_pid dead_start dead_tag dead_net dead_hosts < "$lease"
    echo "reaping what a dead test (pid $dead_pid) left: namespaces ${dead_tag}h1..h$dead_hosts, bridge ${dead_tag}br, $dead_net.0/24" >&2
    netns_remove "$dead_tag" "${dead_hosts:-8}"
    rm -f "$lease"
  done
  # Every /24 in use here: addresses, routes, and the leases of live tests (whose bridge may not exist yet).
  # (Callers run under set -e -o pipefail: a grep that finds nothing must not end them.)
  used=$( { ip -4 -o addr show; ip -4 route show; } | { grep -oE '(^| )10\.213\.[0-9]+\.' || true; } | tr -d ' '
          cat "$lease_dir"/*.lease 2>/dev/null | awk '{print $4 "."; print "tag:" $3}' || true)
  lease_net=
  for octet in "$preferred" $(seq 200 254); do
    candidate="10.213.$octet"
    if ! grep -qxF "$candidate." <<< "$used"; then lease_net=$candidate; break; fi
  done
  for _ in $(seq 1 100); do
    tag="$prefix$((RANDOM % 1000))"
    ip link show "${tag}br" > /dev/null 2>&1 && continue
    ip netns list | grep -q "^${tag}h" && continue
    grep -qxF "tag:$tag" <<< "$used" && continue
    lease_tag=$tag
    break
  done
  if [ -z "$lease_net" ] || [ -z "${lease_tag:-}" ]; then
    flock -u 9; exec 9>&-
    echo "no free subnet 10.213.200-254.0/24 or tag $prefix* on this machine (see ip addr, $lease_dir)" >&2
    return 1
  fi
  lease_file="$lease_dir/$lease_tag.lease"
  echo "$$ $(netns_start_time $$) $lease_tag $lease_net $hosts" > "$lease_file"
  flock -u 9
  exec 9>&-
}

netns_release() {
  [ -n "${lease_file:-}" ] && rm -f "$lease_file"
  return 0
}
