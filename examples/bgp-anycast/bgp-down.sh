#!/bin/sh
# ucarp-ts downscript for a routed service address: withdraw the route, then remove the
# address from lo. Called as: bgp-down.sh <interface> <address> [frr-instance]
set -u
addr=$2
asn=${UCARP_BGP_ASN:?set UCARP_BGP_ASN, the BGP AS number of this host, in the config file}
case $addr in
  *:*) family=-6 len=128 af=ipv6 ;;
  *) family=-4 len=32 af=ipv4 ;;
esac
# How long the address stays after the withdrawal: the routers still send traffic here
# until they have switched to the successor's route (about 0.1 s measured with FRR).
linger=${UCARP_BGP_LINGER:-0.5}
set -- ${3:+-N "$3"}
# Nothing announced (start-up, or already withdrawn): only make sure the address is gone.
if vtysh "$@" -c 'show running-config' | grep -q "^ *network $addr/$len\$"; then
  vtysh "$@" -c 'configure terminal' -c "router bgp $asn" -c "address-family $af unicast" -c "no network $addr/$len"
  # Make before break: the address answers until the network has moved to the successor.
  sleep "$linger"
fi
ip "$family" addr del "$addr/$len" dev lo 2>/dev/null
exit 0
