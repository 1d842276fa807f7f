#!/bin/sh
# LVS director downscript: this director is BACKUP (or stopping). Give up the
# address first, then the virtual services. Also runs at start-up, when there is
# nothing to remove: not an error.
# Called as: lvs-down.sh INTERFACE ADDRESS [XPARAM]; settings as for lvs-up.sh.
set -eu
iface=${1:?usage: lvs-down.sh INTERFACE ADDRESS [XPARAM]}
vip=${2:?usage: lvs-down.sh INTERFACE ADDRESS [XPARAM]}

if [ -n "$(ip -4 -o addr show dev "$iface" to "$vip/32")" ]; then
  ip -4 addr del "$vip/${UCARP_MASK:-24}" dev "$iface"
fi

for port in ${UCARP_LVS_PORTS:-}; do
  ipvsadm -D -t "$vip:$port" 2>/dev/null || true
done

if [ -n "${UCARP_LVS_SYNC_ID:-}" ]; then
  # Receive the master's connection table, ready to take over.
  ipvsadm --stop-daemon master 2>/dev/null || true
  ipvsadm --start-daemon backup --mcast-interface "$iface" --syncid "$UCARP_LVS_SYNC_ID" 2>/dev/null || true
fi
exit 0
