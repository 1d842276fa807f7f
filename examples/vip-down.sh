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

# Several virtual addresses in one subnet (many groups): the first one added is the
# subnet's primary address, and the kernel deletes every secondary with a primary
# unless promote_secondaries is on. Then this would take the other groups' addresses
# away too. Turned on here when it can be (not under the hardened systemd units, whose
# /proc/sys is read-only: set it in /etc/sysctl.d there); otherwise it says so.
promote() {
  [ "$(cat /proc/sys/net/ipv4/conf/all/promote_secondaries 2>/dev/null)" = 1 ] ||
    [ "$(cat "/proc/sys/net/ipv4/conf/$iface/promote_secondaries" 2>/dev/null)" = 1 ]
}
if ! promote && ! { echo 1 > "/proc/sys/net/ipv4/conf/$iface/promote_secondaries"; } 2>/dev/null; then
  echo "vip-down.sh: net.ipv4.conf.$iface.promote_secondaries is off and cannot be turned on here:" \
    "removing $addr removes the other addresses of its subnet if it is their primary" >&2
fi

if [ -n "$(ip -4 -o addr show dev "$iface" to "$addr/32")" ]; then
  exec ip -4 addr del "$addr/$mask" dev "$iface"
fi
