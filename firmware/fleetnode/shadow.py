"""
The device shadow, as a device follows it (AWS IoT semantics): the platform
keeps `desired` and `reported`; the device gets what differs as a retained
delta on `{base}/shadow/update/delta` (`{"state": {...}, "version": n}`, an
empty payload: no delta) or the whole document on `shadow/get/accepted`,
applies the keys it knows and reports their new values. A key it cannot
apply is left out of the report, so the delta stays and shows it. Pure.
"""
import json


class ShadowFollower:
    def __init__(self, appliers):
        """`appliers` {key: fn(desired value) -> value now in effect}; fn raises ValueError to refuse."""
        self._appliers = appliers
        self.version = -1
        self.problems = {}
        self.ignored = []

    def apply(self, changes):
        """The reported values after applying `changes` ({key: desired value})."""
        reported = {}
        self.problems = {}
        self.ignored = []
        for key in sorted(changes):
            applier = self._appliers.get(key)
            if applier is None:
                self.ignored.append(key)
                continue
            try:
                reported[key] = applier(changes[key])
            except (ValueError, TypeError) as error:
                self.problems[key] = str(error)
        return reported

    def on_delta(self, payload):
        """The report for a delta message, or None (no delta, or one already applied)."""
        body = _object(payload)
        if body is None:
            return None
        version = body.get('version')
        if isinstance(version, int) and version <= self.version:
            return None
        state = body.get('state')
        if not isinstance(state, dict) or not state:
            return None
        if isinstance(version, int):
            self.version = version
        return self.apply(state)

    def on_document(self, payload):
        """The report for the whole document (`shadow/get/accepted`), or None when nothing differs."""
        body = _object(payload)
        if body is None:
            return None
        state = body.get('state')
        if not isinstance(state, dict):
            return None
        delta = state.get('delta')
        if not isinstance(delta, dict):
            desired = state.get('desired') if isinstance(state.get('desired'), dict) else {}
            reported = state.get('reported') if isinstance(state.get('reported'), dict) else {}
            delta = dict((k, v) for k, v in desired.items() if v is not None and reported.get(k) != v)
        if isinstance(body.get('version'), int):
            self.version = max(self.version, body['version'])
        if not delta:
            return None
        return self.apply(delta)


def _object(payload):
    if not payload:
        return None
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def update_request(reported, client_token):
    return json.dumps({'state': {'reported': reported}, 'clientToken': client_token}).encode()
