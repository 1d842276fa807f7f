#!/bin/sh
# ucarp-ts upscript for a routed service address with BIRD 2: put the address on lo as a
# /32 and enable the static protocol that announces it over BGP (bird.conf's "anycast").
# Called as: bird-up.sh <interface> <address> [bird-control-socket]
set -eu
addr=$2
proto=${UCARP_BIRD_PROTOCOL:-anycast}
# One BIRD on the host: its default socket; several (a lab): the xparam names this one's.
set -- ${3:+-s "$3"}
ip addr replace "$addr/32" dev lo
out=$(birdc "$@" enable "$proto")
# birdc exits 0 even when BIRD refused the command: read its answer.
case $out in
  *"$proto: enabled"* | *"$proto: already enabled"*) ;;
  *) echo "bird-up.sh: birdc enable $proto: $out" >&2; exit 1 ;;
esac
