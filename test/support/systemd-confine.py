#!/usr/bin/python3
# systemd-confine.py FAMILIES SYSCALLS ERRNO PROGRAM [ARG...]: runs PROGRAM under the two
# seccomp rules of a unit that systemd would apply, without systemd (the lab has no service
# manager), using libseccomp's python3-seccomp:
#   FAMILIES  RestrictAddressFamilies= (comma-separated, e.g. AF_INET,AF_UNIX): socket()
#             of any other family fails with EAFNOSUPPORT
#   SYSCALLS  SystemCallFilter= (comma-separated names and @groups, expanded as this
#             machine's `systemd-analyze syscall-filter` lists them): any other system
#             call fails with ERRNO (SystemCallErrorNumber=, e.g. EPERM)
# The filter is inherited by PROGRAM's children (the hook scripts), as under the unit.
import errno
import os
import socket
import subprocess
import sys

import seccomp


def syscall_groups():
    """Each @group of this systemd and its members (names and nested @groups)."""
    out = subprocess.run(['systemd-analyze', 'syscall-filter', '--no-pager'], check=True, capture_output=True, text=True).stdout
    groups, current = {}, None
    for line in out.splitlines():
        if line.startswith('@'):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and not line.strip().startswith('#'):
            current.append(line.strip())
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        if name.startswith('@'):
            expand(groups[name], groups, seen)
    return {n for n in seen if not n.startswith('@')}


families, syscalls, error_name = sys.argv[1], sys.argv[2], sys.argv[3]
error = getattr(errno, error_name)
f = seccomp.SyscallFilter(seccomp.ERRNO(error))
permitted = expand(syscalls.split(','), syscall_groups())
for name in sorted(permitted - {'socket'}):
    try:
        f.add_rule(seccomp.ALLOW, name)
    except (RuntimeError, ValueError, OSError):
        pass  # a name of another architecture (e.g. the *_time64 calls of 32-bit ones)
# socket(): by family, within what the list permits (systemd narrows it the same way).
allowed = {int(getattr(socket, n)) for n in families.split(',')}
for family in range(0, 64):  # AF_MAX is 46 on Linux 6.x; room for newer kernels
    if 'socket' not in permitted:
        break
    f.add_rule(seccomp.ALLOW if family in allowed else seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket', seccomp.Arg(0, seccomp.EQ, family))
f.load()
os.execvp(sys.argv[4], sys.argv[4:])
