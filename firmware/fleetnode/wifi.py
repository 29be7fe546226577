"""
The WiFi station. Joining does not block: `join()` starts it and the node
keeps sampling (into the buffer) while `is_up()` says the link is not there.
"""


class Wifi:
    def __init__(self, settings):
        import network
        self._network = network
        self._settings = settings
        self.wlan = network.WLAN(network.STA_IF)

    def is_up(self):
        return self.wlan.isconnected()

    def join(self):
        """Starts joining the settings' network (again)."""
        settings = self._settings
        self.wlan.active(True)
        if settings['hostname']:
            try:
                self._network.hostname(settings['hostname'])
            except (AttributeError, ValueError, OSError):
                pass
        if self.wlan.isconnected():
            return
        try:
            self.wlan.disconnect()
        except OSError:
            pass
        self.wlan.connect(settings['ssid'], settings['password'])
