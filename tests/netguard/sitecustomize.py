"""Block network access for any Python process that has this folder on PYTHONPATH.

Loopback stays open (a Jupyter kernel talks to its client over it); every other address, and every
name lookup other than `localhost`, is refused with an error that says why, so a notebook or loader
that tries to download fails loudly, and no DNS query leaves the machine."""
import os, socket, ipaddress

_LOCAL_NAMES = ('', 'localhost', '0.0.0.0', '::')

def _is_local(addr):
    "True for loopback IP addresses (127.0.0.0/8, ::1, ::ffff:127.x) and the name `localhost`; names are never resolved here."
    host = addr[0] if isinstance(addr, tuple) else addr
    if isinstance(host, bytes): host = host.decode()
    if host is None: return True
    if not isinstance(host, str): return False
    if host.lower() in _LOCAL_NAMES: return True
    try: ip = ipaddress.ip_address(host.split('%')[0])
    except ValueError: return False                    # a host name: only `localhost` is allowed
    return ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)

class NetworkBlocked(OSError):
    pass

def _refuse(addr): raise NetworkBlocked(f"network access blocked in tests: tried to reach {addr!r}")

_orig = dict(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex, sendto=socket.socket.sendto,
             sendmsg=socket.socket.sendmsg, getaddrinfo=socket.getaddrinfo, gethostbyname=socket.gethostbyname,
             gethostbyname_ex=socket.gethostbyname_ex)

def _inet(sock): return sock.family in (socket.AF_INET, socket.AF_INET6)

def connect(self, addr):
    if _inet(self) and not _is_local(addr): _refuse(addr)
    return _orig['connect'](self, addr)

def connect_ex(self, addr):
    if _inet(self) and not _is_local(addr): _refuse(addr)
    return _orig['connect_ex'](self, addr)

def sendto(self, data, *args):
    addr = args[-1]                                   # sendto(data, addr) or sendto(data, flags, addr)
    if _inet(self) and not _is_local(addr): _refuse(addr)
    return _orig['sendto'](self, data, *args)

def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
    if _inet(self) and address is not None and not _is_local(address): _refuse(address)
    return _orig['sendmsg'](self, buffers, ancdata, flags, *([address] if address is not None else []))

def getaddrinfo(host, *args, **kw):
    if not _is_local(host): _refuse(host)
    return _orig['getaddrinfo'](host, *args, **kw)

def gethostbyname(host):
    if not _is_local(host): _refuse(host)
    return _orig['gethostbyname'](host)

def gethostbyname_ex(host):
    if not _is_local(host): _refuse(host)
    return _orig['gethostbyname_ex'](host)

if os.environ.get('FASTBOOK_ANSWERS_NETGUARD', '1') != '0':
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.socket.sendto, socket.socket.sendmsg = sendto, sendmsg
    socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex = getaddrinfo, gethostbyname, gethostbyname_ex
