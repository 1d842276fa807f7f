#!/bin/sh
# ucarp-ts upscript for a routed service address: put it on lo as a /32 (IPv6: a /128)
# and have the local FRR bgpd announce it. Called as: bgp-up.sh <interface> <address> [frr-instance]
# UCARP_BGP_ASN (this host's AS number) comes from the ucarp-ts config file.
set -eu
addr=$2
asn=${UCARP_BGP_ASN:?set UCARP_BGP_ASN, the BGP AS number of this host, in the config file}
case $addr in
  *:*) family=-6 len=128 af=ipv6 ;;
  *) family=-4 len=32 af=ipv4 ;;
esac
# Only one FRR on the host: no instance; several (a lab): the xparam names this one's.
set -- ${3:+-N "$3"}
# The address first: bgpd announces a network only once it is in the routing table.
ip "$family" addr replace "$addr/$len" dev lo
vtysh "$@" -c 'configure terminal' -c "router bgp $asn" -c "address-family $af unicast" -c "network $addr/$len"
