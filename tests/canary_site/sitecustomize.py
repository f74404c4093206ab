"""Loaded by the canary test's subprocesses (on their PYTHONPATH): with
ACACIA_TEST_NO_DNS set, a name under ``.invalid`` fails to resolve at once, as an unknown
host does, without asking any DNS server (the tests stay on 127.0.0.1)."""

import os
import socket

if os.environ.get("ACACIA_TEST_NO_DNS"):
    _getaddrinfo = socket.getaddrinfo

    def _no_dns(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if isinstance(host, str) and host.rstrip(".").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = _no_dns
