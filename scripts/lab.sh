#!/bin/sh
# Runs a command in a network namespace that looks like a small offline LAN to a browser: `lo`,
# plus a veth pair with this test host's own address (10.99.0.1/24) and a default route to a
# gateway that does not exist. Browsers then gather mDNS `.local` host candidates with no flags
# (as on real users' machines), and Firefox, which gathers nothing with only `lo`, works too.
# Both ends of the veth are inside the namespace: no packet can leave this machine. Servers keep
# binding 127.0.0.1. As root: a plain net namespace; otherwise a user namespace maps us to root.
set -e
if [ "$(id -u)" = 0 ]; then flags=-n; else flags=-rn; fi
exec unshare $flags sh -c '
set -e
ip link set lo up
ip link add lab0 type veth peer name lab1
ip addr add 10.99.0.1/24 dev lab0
ip link set lab0 up
ip link set lab1 up
ip route add default via 10.99.0.254 dev lab0 onlink
export E2E_NETWORK=lab
exec "$@"' sh "$@"
