#!/bin/sh
# Runs a command in a network namespace whose only interface is loopback, so tests that open
# WebRTC or a PeerServer cannot send a packet off this machine. As root: a plain net namespace;
# otherwise a user namespace maps us to root inside it (unprivileged user namespaces must be on).
set -e
if [ "$(id -u)" = 0 ]; then flags=-n; else flags=-rn; fi
exec unshare $flags sh -c 'ip link set lo up && exec "$@"' sh "$@"
