#!/bin/sh
# ucarp-ts downscript for a routed service address: withdraw the route, then remove the
# address from lo. Called as: bgp-down.sh <interface> <address> [frr-instance]
set -u
addr=$2
asn=${UCARP_BGP_ASN:?set UCARP_BGP_ASN, the BGP AS number of this host, in the config file}
# How long the address stays after the withdrawal: the routers still send traffic here
# until they have switched to the successor's route (about 0.1 s measured with FRR).
linger=${UCARP_BGP_LINGER:-0.5}
set -- ${3:+-N "$3"}
# Nothing announced (start-up, or already withdrawn): only make sure the address is gone.
if vtysh "$@" -c 'show running-config' | grep -q "^ *network $addr/32\$"; then
  vtysh "$@" -c 'configure terminal' -c "router bgp $asn" -c 'address-family ipv4 unicast' -c "no network $addr/32"
  # Make before break: the address answers until the network has moved to the successor.
  sleep "$linger"
fi
ip addr del "$addr/32" dev lo 2>/dev/null
exit 0
