"""Host stand-in for MicroPython's `network`: a station whose link a test takes down and brings back."""
STA_IF = 0
AP_IF = 1
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010

_link = {'up': True}
_stations = []


def set_link(up):
    """The stand-in's own: the access point is reachable or not. Going down drops every station."""
    _link['up'] = bool(up)
    if not up:
        for station in _stations:
            station._joined = False


def hostname(name=None):
    return 'fleetnode-host' if name is None else None


class WLAN:
    def __init__(self, interface=STA_IF):
        self._active = False
        self._joined = False
        self.ssid = None
        _stations.append(self)

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid=None, key=None):
        if not self._active:
            raise OSError('WLAN is not active')
        self.ssid = ssid
        self._joined = _link['up']

    def disconnect(self):
        self._joined = False

    def isconnected(self):
        return self._active and self._joined and _link['up']

    def status(self, *args):
        return STAT_GOT_IP if self.isconnected() else STAT_IDLE

    def ifconfig(self, *args):
        return ('127.0.0.1', '255.0.0.0', '127.0.0.1', '127.0.0.1')
