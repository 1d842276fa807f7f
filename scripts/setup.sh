#!/usr/bin/env bash
# Installs what ucarp-ts, its tests and its demo need on a Debian machine with Node.js:
# the reference peers and network tools, the compiler for the native addons, the
# manual and packaging checkers (apt), then the npm packages and the build.
# Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (network namespaces, raw sockets and apt-get need it)" >&2
  exit 1
fi

need=()
for pair in ucarp:ucarp keepalived:keepalived ip:iproute2 tcpdump:tcpdump ping:iputils-ping tc:iproute2 pgrep:procps systemd-analyze:systemd setpriv:util-linux unshare:util-linux \
  cc:build-essential g++:build-essential make:build-essential python3:python3 \
  nft:nftables mandoc:mandoc man:man-db zsh:zsh lintian:lintian dpkg-shlibdeps:dpkg-dev vtysh:frr birdc:bird2; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
# Debian's own python3 with libseccomp's binding: the systemd unit tests confine the daemon
# as RestrictAddressFamilies= and SystemCallFilter= would (test/support/systemd-confine.py).
/usr/bin/python3 -c 'import seccomp' >/dev/null 2>&1 || need+=(python3-seccomp)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Installing a daemon's package must not start it on this machine's own interfaces
  # (FRR, BIRD, keepalived): tests run them only inside their own namespaces. policy-rc.d
  # exiting 101 forbids every service start during the install.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
  # Should a service manager have started FRR or BIRD anyway, stop it: it would run outside the labs.
  for service in frr bird; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
fi

# promtool (the tests check the metrics exposition with it) comes with the prometheus
# server package. The server must never run here: its start at install is refused
# (policy-rc.d), and it is disabled and stopped in case it was already installed.
if ! command -v promtool >/dev/null 2>&1; then
  echo "setup: installing prometheus (for promtool; its server is kept off)" >&2
  export DEBIAN_FRONTEND=noninteractive
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if [ -e /lib/systemd/system/prometheus.service ] || [ -e /etc/init.d/prometheus ]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
  update-rc.d prometheus disable >/dev/null 2>&1 || true
  [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
