"""
Commands (RPC) from the platform: a request on `{base}/cmd/req/<id>/<name>`
with `{"params": {...}, "expiresAt": <epoch ms or null>}`; the device
publishes `cmd/ack/<id>` (`{}`) when it takes it, then
`cmd/res/<id>/succeeded|failed` with the answer or `{"error": "..."}`.

At most once per id: the ids of recent commands and their answers are kept in
flash, so a request delivered again (MQTT QoS 1 redelivers, the platform
retries, the device rebooted before its PUBACK went out) is answered from
what was kept and never executed twice. An id taken whose answer was never
kept (the device reset mid-command) is answered failed/interrupted.
"""
import json

from . import atomic_file

TAKEN = 'taken'
SUCCEEDED = 'succeeded'
FAILED = 'failed'
# answered failed without being taken (expired, malformed, unknown): no ack
REFUSED = 'refused'


class CommandFailed(Exception):
    """Raised by a handler to answer `failed` with this message."""


class SeenCommands:
    """The most recent `limit` command ids with their state and answer, in one flash file."""

    def __init__(self, path, limit=32):
        self.path = path
        self.limit = limit
        entries = atomic_file.read_json(path, [])
        self._entries = [e for e in entries if isinstance(e, list) and len(e) == 3] if isinstance(entries, list) else []

    def get(self, command_id):
        """(state, answer) of a command seen before, or None."""
        for entry in self._entries:
            if entry[0] == command_id:
                return entry[1], entry[2]
        return None

    def record(self, command_id, state, answer=None):
        self._entries = [e for e in self._entries if e[0] != command_id]
        self._entries.append([command_id, state, answer])
        if len(self._entries) > self.limit:
            self._entries = self._entries[-self.limit:]
        atomic_file.write_json(self.path, self._entries)

    def ids(self):
        return [e[0] for e in self._entries]


def parse_request(payload):
    """(params, expires_at) of a request body; ValueError saying what is wrong."""
    if not payload:
        return {}, None
    try:
        body = json.loads(payload)
    except ValueError:
        raise ValueError('the request is not JSON')
    if not isinstance(body, dict):
        raise ValueError('the request must be a JSON object')
    params = body.get('params')
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValueError('"params" must be an object')
    expires_at = body.get('expiresAt')
    if expires_at is not None and (isinstance(expires_at, bool) or not isinstance(expires_at, (int, float))):
        raise ValueError('"expiresAt" must be epoch milliseconds or null')
    return params, expires_at


class CommandDesk:
    """
    Takes requests and answers them through `publish(topic_kind, command_id, status, body)`:
    ('ack', id, None, {}) or ('result', id, status, body). `now_ms()` is None while the clock is unset.
    """

    def __init__(self, seen, publish, now_ms):
        self.seen = seen
        self._publish = publish
        self._now_ms = now_ms
        self._handlers = {}
        self.executed = 0

    def register(self, name, handler):
        """`handler(params)` returns the answer (a dict) or raises CommandFailed."""
        self._handlers[name] = handler

    def names(self):
        return sorted(self._handlers)

    def handle(self, command_id, name, payload):
        """Returns what happened: 'executed', 'repeated', 'expired', 'rejected'."""
        earlier = self.seen.get(command_id)
        if earlier is not None:
            state, answer = earlier
            if state == TAKEN:
                answer = {'error': 'interrupted: the device restarted while executing this command'}
                self.seen.record(command_id, FAILED, answer)
                state = FAILED
            if state != REFUSED:
                self._publish('ack', command_id, None, {})
            self._publish('result', command_id, FAILED if state == REFUSED else state, answer)
            return 'repeated'
        try:
            params, expires_at = parse_request(payload)
        except ValueError as error:
            return self._refuse(command_id, {'error': 'bad request: %s' % error}, 'rejected')
        now = self._now_ms()
        if expires_at is not None and now is not None and now > expires_at:
            return self._refuse(command_id, {'error': 'expired'}, 'expired')
        handler = self._handlers.get(name)
        if handler is None:
            return self._refuse(command_id, {'error': 'unknown command "%s" (this device knows %s)' % (name, ', '.join(self.names()))}, 'rejected')
        self.seen.record(command_id, TAKEN)
        self._publish('ack', command_id, None, {})
        self.executed += 1
        try:
            answer = handler(params)
            if answer is None:
                answer = {}
            state = SUCCEEDED
        except CommandFailed as error:
            answer, state = {'error': str(error)}, FAILED
        except Exception as error:
            answer, state = {'error': '%s: %s' % (type(error).__name__, error)}, FAILED
        self.seen.record(command_id, state, answer)
        self._publish('result', command_id, state, answer)
        return 'executed'

    def _refuse(self, command_id, answer, outcome):
        self.seen.record(command_id, REFUSED, answer)
        self._publish('result', command_id, FAILED, answer)
        return outcome
