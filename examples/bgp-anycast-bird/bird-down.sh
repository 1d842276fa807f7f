#!/bin/sh
# ucarp-ts downscript for a routed service address with BIRD 2: withdraw the route
# (disable the static protocol), then remove the address from lo.
# Called as: bird-down.sh <interface> <address> [bird-control-socket]
set -u
addr=$2
case $addr in
  *:*) family=-6 len=128 proto=${UCARP_BIRD_PROTOCOL:-anycast6} ;;
  *) family=-4 len=32 proto=${UCARP_BIRD_PROTOCOL:-anycast} ;;
esac
# How long the address stays after the withdrawal: the routers still send traffic here
# until they have switched to the successor's route.
linger=${UCARP_BGP_LINGER:-0.5}
set -- ${3:+-s "$3"}
# Nothing announced (start-up, or already withdrawn): only make sure the address is gone.
if [ "$(birdc "$@" show protocols "$proto" | awk -v p="$proto" '$1 == p { print $4 }')" = up ]; then
  birdc "$@" disable "$proto" >/dev/null
  # Make before break: the address answers until the network has moved to the successor.
  sleep "$linger"
fi
ip "$family" addr del "$addr/$len" dev lo 2>/dev/null
exit 0
