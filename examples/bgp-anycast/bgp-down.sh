#!/bin/sh
# ucarp-ts downscript for a routed service address: withdraw the route, then remove the
# address from lo. Called as: bgp-down.sh <interface> <address> [frr-instance]
# Withdrawing first means the router stops sending here before the address goes, so
# packets still in flight are answered (make before break with the new master's announce).
set -u
addr=$2
asn=${UCARP_BGP_ASN:?set UCARP_BGP_ASN, the BGP AS number of this host, in the config file}
set -- ${3:+-N "$3"}
# At start-up nothing is announced: "no network" then fails, which is no failure here.
vtysh "$@" -c 'configure terminal' -c "router bgp $asn" -c 'address-family ipv4 unicast' -c "no network $addr/32" >/dev/null 2>&1
ip addr del "$addr/32" dev lo 2>/dev/null
exit 0
