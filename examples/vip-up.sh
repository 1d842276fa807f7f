#!/bin/sh
# ucarp-ts upscript (Linux): this host became MASTER, so it takes the virtual address.
# Called as: vip-up.sh INTERFACE ADDRESS [XPARAM]
# From the config file, via the environment (no need to source it here):
#   UCARP_MASK      IPv4: prefix length or dotted netmask of the address (default 24)
#   UCARP_PREFIX6   IPv6: prefix length of the address (default 64)
#   UCARP_IF_ALIAS  optional label suffix (IPv4 only): the address shows as INTERFACE:ALIAS
# ucarp-ts itself sends the gratuitous ARP (IPv4) or the unsolicited neighbour
# advertisement (IPv6), so nothing else is needed. With several groups' IPv4 addresses in
# one subnet, see vip-down.sh about promote_secondaries.
set -eu
iface=${1:?usage: vip-up.sh INTERFACE ADDRESS [XPARAM]}
addr=${2:?usage: vip-up.sh INTERFACE ADDRESS [XPARAM]}

case $addr in
*:*)
  # nodad: duplicate address detection would keep the address unusable for a second
  # or more (an outage); the election already made sure nobody else holds it.
  exec ip -6 addr replace "$addr/${UCARP_PREFIX6:-64}" dev "$iface" nodad
  ;;
esac
mask=${UCARP_MASK:-24}
if [ -n "${UCARP_IF_ALIAS:-}" ]; then
  # "replace" rather than "add": a MASTER that already holds the address stays quiet.
  exec ip -4 addr replace "$addr/$mask" dev "$iface" label "$iface:$UCARP_IF_ALIAS"
fi
exec ip -4 addr replace "$addr/$mask" dev "$iface"
