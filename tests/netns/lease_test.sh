#!/usr/bin/env bash
# netns_lease (tests/support/netns_lease.sh), which the namespace tests use to get a subnet: what a test killed
# with SIGKILL left (namespaces, bridge, route, lease) is reaped by the next one, which gets the same subnet
# back; a leftover with no lease (an older test's) is avoided, not reused. Usage: lease_test.sh SOURCE_DIR.
# Exit 77 without root or namespaces.
set -euo pipefail
source_dir=$1
if [ "$(id -u)" != 0 ] || ! ip netns add kiln-probe-$$ 2>/dev/null; then
  echo "SKIPPED: needs root and network namespaces"; exit 77
fi
ip netns del kiln-probe-$$
source "$source_dir/tests/support/netns_lease.sh"
orphan=kt$$o
cleanup() { set +e; ip link del "$orphan" 2>/dev/null; netns_remove "${dead_tag:-none}" 2; netns_release; }
trap cleanup EXIT

# A test that leases a subnet, builds its hosts and is killed before its cleanup.
dead=$(bash -c 'source "$1"; netns_lease kt 251 2
  ip link add "${lease_tag}br" type bridge && ip addr add "$lease_net.254/24" dev "${lease_tag}br" && ip link set "${lease_tag}br" up
  ip netns add "${lease_tag}h1" && ip netns add "${lease_tag}h2"
  ip netns exec "${lease_tag}h1" sleep 600 > /dev/null 2>&1 &
  echo "$lease_tag $lease_net"; kill -KILL $$' sh "$source_dir/tests/support/netns_lease.sh" || true)
read -r dead_tag dead_net <<< "$dead"
[ -n "$dead_tag" ] && ip link show "${dead_tag}br" > /dev/null || { echo "FAIL: the killed test made nothing ($dead)"; exit 1; }

netns_lease kt 251 2
ip link show "${dead_tag}br" > /dev/null 2>&1 && { echo "FAIL: ${dead_tag}br was not reaped"; exit 1; }
ip netns list | grep -q "^${dead_tag}h" && { echo "FAIL: namespaces of $dead_tag were not reaped"; exit 1; }
[ "$lease_net" = "$dead_net" ] || { echo "FAIL: got $lease_net, expected the reaped $dead_net back"; exit 1; }
netns_release

# A leftover nobody leased: its subnet is in use, so the lease takes another.
ip link add "$orphan" type bridge && ip addr add "$dead_net.254/24" dev "$orphan" && ip link set "$orphan" up
netns_lease kt 251 2
[ "$lease_net" != "$dead_net" ] || { echo "FAIL: got $lease_net, which an unleased bridge uses"; exit 1; }
ip link show "$orphan" > /dev/null || { echo "FAIL: an unleased bridge was removed"; exit 1; }
echo "PASS: reaped $dead_tag ($dead_net) and leased it again; with an unleased bridge there, got $lease_net"
