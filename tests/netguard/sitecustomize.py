"""Block network access for any Python process that has this folder on PYTHONPATH.

Loopback stays open (a Jupyter kernel talks to its client over it); every other address is
refused with an error that says why, so a notebook or loader that tries to download fails loudly."""
import os, socket

_LOCAL_PREFIXES = ('127.',)
_LOCAL_NAMES = ('', '::1', 'localhost', '0.0.0.0', '::', '::ffff:127.0.0.1')

def _is_local(addr):
    host = addr[0] if isinstance(addr, tuple) else addr
    if isinstance(host, bytes): host = host.decode()
    if host is None: return True
    return isinstance(host, str) and (host.startswith(_LOCAL_PREFIXES) or host in _LOCAL_NAMES)

class NetworkBlocked(OSError):
    pass

def _refuse(addr): raise NetworkBlocked(f"network access blocked in tests: tried to reach {addr!r}")

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

def connect(self, addr):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(addr): _refuse(addr)
    return _connect(self, addr)

def connect_ex(self, addr):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(addr): _refuse(addr)
    return _connect_ex(self, addr)

def getaddrinfo(host, *args, **kw):
    if not _is_local(host): _refuse(host)
    return _getaddrinfo(host, *args, **kw)

if os.environ.get('FASTBOOK_ANSWERS_NETGUARD', '1') != '0':
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
