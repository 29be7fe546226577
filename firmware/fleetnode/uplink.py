"""
Where readings go: straight to the broker while connected and nothing is
waiting, otherwise into the flash ring, whose backlog is sent oldest first at
`rate` messages a second once connected again (a backlog after a long outage
must not flood the broker or trip the connector's per-device rate limit).
New readings queue behind the backlog, so the platform gets them in order.
"""
import time


class Uplink:
    def __init__(self, ring, rate_per_s):
        self.ring = ring
        self.rate_per_s = rate_per_s
        self.sent = 0
        self.buffered = 0
        self._allowance = 1.0
        self._refilled = time.ticks_ms()

    @property
    def backlog(self):
        return len(self.ring)

    def submit(self, payloads, publish=None):
        """
        Sends `payloads` with `publish(payload)` when given and no backlog waits,
        else keeps them in the ring. A publish that raises OSError (the connection
        dropped) leaves that payload and the rest in the ring, then re-raises.
        """
        for i in range(len(payloads)):
            if publish is not None and not len(self.ring):
                try:
                    publish(payloads[i])
                    self.sent += 1
                    continue
                except OSError:
                    self._keep(payloads[i:])
                    raise
            self._keep([payloads[i]])

    def _keep(self, payloads):
        for payload in payloads:
            self.ring.append(payload)
            self.buffered += 1

    def drain(self, publish, now=None):
        """Sends what the rate allows now, oldest first; returns how many. OSError leaves the record in the ring."""
        now = time.ticks_ms() if now is None else now
        elapsed = max(0, time.ticks_diff(now, self._refilled))
        self._refilled = now
        # at most one second's worth at once: a long quiet spell is no licence to burst
        self._allowance = min(float(self.rate_per_s), self._allowance + elapsed * self.rate_per_s / 1000)
        sent = 0
        while self._allowance >= 1 and len(self.ring):
            record = self.ring.peek()
            publish(record)
            self.ring.pop()
            self._allowance -= 1
            self.sent += 1
            sent += 1
        return sent
