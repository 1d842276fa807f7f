#!/bin/sh
# ucarp-ts upscript (Linux): this host became MASTER, so it takes the virtual address.
# Called as: vip-up.sh INTERFACE ADDRESS [XPARAM]
# From the config file, via the environment (no need to source it here):
#   UCARP_MASK      prefix length or dotted netmask of the address (default 24)
#   UCARP_IF_ALIAS  optional label suffix: the address shows as INTERFACE:ALIAS
# ucarp-ts itself sends the gratuitous ARP, so nothing else is needed.
set -eu
iface=${1:?usage: vip-up.sh INTERFACE ADDRESS [XPARAM]}
addr=${2:?usage: vip-up.sh INTERFACE ADDRESS [XPARAM]}
mask=${UCARP_MASK:-24}

if [ -n "${UCARP_IF_ALIAS:-}" ]; then
  # "replace" rather than "add": a MASTER that already holds the address stays quiet.
  exec ip -4 addr replace "$addr/$mask" dev "$iface" label "$iface:$UCARP_IF_ALIAS"
fi
exec ip -4 addr replace "$addr/$mask" dev "$iface"
