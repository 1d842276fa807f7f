#!/bin/sh
# ucarp-ts upscript for a routed service address with BIRD 2: put the address on lo as a
# /32 (IPv6: a /128) and enable the static protocol that announces it over BGP (bird.conf's
# "anycast", for IPv6 "anycast6"). Called as: bird-up.sh <interface> <address> [bird-control-socket]
set -eu
addr=$2
case $addr in
  *:*) family=-6 len=128 proto=${UCARP_BIRD_PROTOCOL:-anycast6} ;;
  *) family=-4 len=32 proto=${UCARP_BIRD_PROTOCOL:-anycast} ;;
esac
# One BIRD on the host: its default socket; several (a lab): the xparam names this one's.
set -- ${3:+-s "$3"}
ip "$family" addr replace "$addr/$len" dev lo
out=$(birdc "$@" enable "$proto")
# birdc exits 0 even when BIRD refused the command: read its answer.
case $out in
  *"$proto: enabled"* | *"$proto: already enabled"*) ;;
  *) echo "bird-up.sh: birdc enable $proto: $out" >&2; exit 1 ;;
esac
