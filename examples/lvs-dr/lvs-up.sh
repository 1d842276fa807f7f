#!/bin/sh
# LVS director upscript: this director became MASTER. Build the virtual services
# first, then take the address, so the first packet already finds them.
# Called as: lvs-up.sh INTERFACE ADDRESS [XPARAM]; settings from the config file:
#   UCARP_LVS_PORTS, UCARP_LVS_REAL_SERVERS, UCARP_LVS_SCHEDULER (wlc),
#   UCARP_LVS_SYNC_ID (optional), UCARP_MASK (24).
set -eu
iface=${1:?usage: lvs-up.sh INTERFACE ADDRESS [XPARAM]}
vip=${2:?usage: lvs-up.sh INTERFACE ADDRESS [XPARAM]}
sched=${UCARP_LVS_SCHEDULER:-wlc}

for port in ${UCARP_LVS_PORTS:?set UCARP_LVS_PORTS in the config file}; do
  # -A fails when the service exists (a repeated upscript): then just update it.
  ipvsadm -A -t "$vip:$port" -s "$sched" 2>/dev/null || ipvsadm -E -t "$vip:$port" -s "$sched"
  for rs in ${UCARP_LVS_REAL_SERVERS:?set UCARP_LVS_REAL_SERVERS in the config file}; do
    # -g: direct routing ("gatewaying"); the real servers answer clients themselves.
    ipvsadm -a -t "$vip:$port" -r "$rs:$port" -g -w 1 2>/dev/null || ipvsadm -e -t "$vip:$port" -r "$rs:$port" -g -w 1
  done
done

if [ -n "${UCARP_LVS_SYNC_ID:-}" ]; then
  # The master sends its connection table, so the other director can take over
  # established connections.
  ipvsadm --stop-daemon backup 2>/dev/null || true
  ipvsadm --start-daemon master --mcast-interface "$iface" --syncid "$UCARP_LVS_SYNC_ID" 2>/dev/null || true
fi

exec ip -4 addr replace "$vip/${UCARP_MASK:-24}" dev "$iface"
