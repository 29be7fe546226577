"""
The byte stream under MQTT: a TCP socket, wrapped in TLS for mqtts:// URLs,
the same code on MicroPython (read/write, select.poll) and CPython
(recv/sendall, pending TLS bytes).
"""
import select

DEFAULT_PORTS = {'mqtt': 1883, 'mqtts': 8883}


def parse_broker_url(url):
    """`mqtt://host[:port]` or `mqtts://host[:port]` -> (host, port, tls)."""
    scheme, sep, rest = url.partition('://')
    if not sep or scheme not in DEFAULT_PORTS:
        raise ValueError('broker url "%s" must start with mqtt:// or mqtts://' % url)
    hostport = rest.split('/')[0]
    if '@' in hostport:
        raise ValueError('broker url "%s": put the credentials in mqtt.username and mqtt.password, not the url' % url)
    host, sep, port = hostport.rpartition(':')
    if not sep:
        host, port = hostport, DEFAULT_PORTS[scheme]
    else:
        try:
            port = int(port)
        except ValueError:
            raise ValueError('broker url "%s": port "%s" is not a number' % (url, port))
    if not host:
        raise ValueError('broker url "%s" names no host' % url)
    return host, port, scheme == 'mqtts'


def _tls_wrap(sock, host, ca_file):
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context.wrap_socket(sock, server_hostname=host)


class Stream:
    """A connected socket; `read_some` waits at most `timeout_ms` for bytes."""

    def __init__(self, sock):
        self._sock = sock
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)
        self._recv = getattr(sock, 'recv', None) or sock.read
        self._pending = getattr(sock, 'pending', None)

    def read_some(self, timeout_ms):
        """Bytes that arrived (waiting up to timeout_ms), or None; OSError once the peer closed."""
        if not (self._pending and self._pending()):
            events = self._poller.poll(timeout_ms)
            if not events:
                return None
        try:
            data = self._recv(4096)
        except OSError as error:
            if _would_block(error):
                return None
            raise
        if data is None:
            return None
        if not data:
            raise OSError(104, 'connection closed by the broker')
        return data

    def write(self, data):
        sendall = getattr(self._sock, 'sendall', None)
        if sendall:
            sendall(data)
            return
        view = memoryview(data)
        while view:
            n = self._sock.write(view)
            if n is None:
                continue
            view = view[n:]

    def close(self):
        try:
            self._poller.unregister(self._sock)
        except Exception:
            pass
        try:
            self._sock.close()
        except Exception:
            pass


def _would_block(error):
    code = error.args[0] if error.args else None
    # 11 EAGAIN, 110 ETIMEDOUT (MicroPython), None: CPython's socket.timeout
    return code in (11, 110, None) or 'timed out' in str(error)


def open_stream(host, port, tls=False, ca_file=None, timeout_s=10):
    """A Stream to host:port, TLS-verified against ca_file when tls."""
    import socket
    family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.settimeout(timeout_s)
        sock.connect(address)
        if tls:
            sock = _tls_wrap(sock, host, ca_file)
    except Exception:
        sock.close()
        raise
    return Stream(sock)
