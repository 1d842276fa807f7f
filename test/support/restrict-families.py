#!/usr/bin/python3
# restrict-families.py FAMILIES PROGRAM [ARG...]: runs PROGRAM as systemd's
# RestrictAddressFamilies=FAMILIES (comma-separated, e.g. AF_INET,AF_UNIX) would, without
# systemd: a seccomp filter (libseccomp's python3-seccomp) makes socket() fail with
# EAFNOSUPPORT for every other family. The filter is inherited by PROGRAM's children
# (the hook scripts), as under the unit. socketpair() stays open, as it does there.
import errno
import os
import socket
import sys

import seccomp

allowed = {int(getattr(socket, name)) for name in sys.argv[1].split(',')}
f = seccomp.SyscallFilter(seccomp.ALLOW)
for family in range(0, 64):  # AF_MAX is 46 on Linux 6.x; spare room for newer kernels
    if family not in allowed:
        f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket', seccomp.Arg(0, seccomp.EQ, family))
f.load()
os.execvp(sys.argv[2], sys.argv[2:])
