#!/bin/sh
# ucarp-ts downscript (Linux): this host is BACKUP (or stopping), so it drops the
# virtual address. Also runs at start-up (unless --neutral), when the address is
# usually absent: that is not an error.
# Called as: vip-down.sh INTERFACE ADDRESS [XPARAM]; UCARP_MASK and UCARP_PREFIX6 as for vip-up.sh.
set -eu
iface=${1:?usage: vip-down.sh INTERFACE ADDRESS [XPARAM]}
addr=${2:?usage: vip-down.sh INTERFACE ADDRESS [XPARAM]}

case $addr in
*:*)
  if [ -n "$(ip -6 -o addr show dev "$iface" to "$addr/128")" ]; then
    exec ip -6 addr del "$addr/${UCARP_PREFIX6:-64}" dev "$iface"
  fi
  exit 0
  ;;
esac
mask=${UCARP_MASK:-24}
if [ -n "$(ip -4 -o addr show dev "$iface" to "$addr/32")" ]; then
  exec ip -4 addr del "$addr/$mask" dev "$iface"
fi
