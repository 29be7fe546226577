"""
Control configuration from the platform: a retained `{base}/config` with
`{"version": n, "sha256": "<hex>", "config": {...}}`. A new version is checked,
written atomically (temporary file, then rename) and put in effect; the
device answers `{base}/config/ack` with
`{"version": n, "sha256": "<as received>", "status": "applied"|"rejected"|"failed", "detail": "..."}`.
The version in effect is acknowledged again without applying it again.
"""
import json

from . import atomic_file


class ConfigRejected(Exception):
    """The configuration cannot be applied as it is (the detail says why)."""


class ConfigStore:
    def __init__(self, path, check):
        """`check(config)` raises ConfigRejected for a configuration this device cannot take."""
        self.path = path
        self._check = check
        self.current = atomic_file.read_json(path)

    @property
    def version(self):
        return self.current.get('version') if isinstance(self.current, dict) else None

    @property
    def config(self):
        return self.current.get('config', {}) if isinstance(self.current, dict) else {}

    def offer(self, payload):
        """
        Takes a config message. Returns (ack, applied): the acknowledgement to
        publish (None for an empty, cleared message) and whether a new
        configuration is now in effect (the caller puts it to work).
        """
        if not payload:
            return None, False
        try:
            message = json.loads(payload)
        except ValueError:
            return _ack(None, '', 'rejected', 'the message is not JSON'), False
        if not isinstance(message, dict):
            return _ack(None, '', 'rejected', 'the message must be a JSON object'), False
        version = message.get('version')
        sha256 = message.get('sha256')
        config = message.get('config')
        if isinstance(version, bool) or not isinstance(version, int):
            return _ack(None, sha256 if isinstance(sha256, str) else '', 'rejected', '"version" must be an integer'), False
        if not isinstance(sha256, str):
            return _ack(version, '', 'rejected', '"sha256" must be a hex string'), False
        if version == self.version and sha256 == self.current.get('sha256'):
            return _ack(version, sha256, 'applied', 'already in effect'), False
        if not isinstance(config, dict):
            return _ack(version, sha256, 'rejected', '"config" must be an object'), False
        try:
            self._check(config)
        except ConfigRejected as error:
            return _ack(version, sha256, 'rejected', str(error)), False
        document = {'version': version, 'sha256': sha256, 'config': config}
        try:
            atomic_file.write_json(self.path, document)
        except OSError as error:
            return _ack(version, sha256, 'failed', 'could not write %s: %s' % (self.path, error)), False
        self.current = document
        return _ack(version, sha256, 'applied', ''), True


def _ack(version, sha256, status, detail):
    return {'version': version, 'sha256': sha256, 'status': status, 'detail': detail}
