"""
The device's MQTT topics under its root `{base}`, `fleet/<tenant>/<site>/<device>`
by default: the contract of schemas/device-topics.ts, names kept exactly. Pure.
"""

DEFAULT_ROOT = 'fleet/{tenant}/{site}/{device}'
SEGMENT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-~@'


def segment_problem(name, segment):
    if not segment or any(c not in SEGMENT_CHARS for c in segment):
        return '%s "%s" is not a valid path segment (letters, digits, _ . : - ~ @)' % (name, segment)
    return None


def device_address(username):
    """The (tenant, site, device) of a device username `<tenant>/<site>/<device>`."""
    parts = username.split('/')
    if len(parts) != 3:
        raise ValueError('mqtt.username "%s" must be <tenant>/<site>/<device>' % username)
    for name, segment in zip(('tenant', 'site', 'device'), parts):
        problem = segment_problem(name, segment)
        if problem:
            raise ValueError('mqtt.username: ' + problem)
    return tuple(parts)


class Topics:
    def __init__(self, address, root=DEFAULT_ROOT):
        tenant, site, device = address
        for placeholder in ('{tenant}', '{site}', '{device}'):
            if root.count(placeholder) != 1:
                raise ValueError('topic_root "%s" needs %s exactly once' % (root, placeholder))
        self.base = root.replace('{tenant}', tenant).replace('{site}', site).replace('{device}', device)
        b = self.base
        self.uplink = b + '/up'
        self.status = b + '/status'
        self.command_requests = b + '/cmd/req/+/+'
        self.shadow_update = b + '/shadow/update'
        self.shadow_get = b + '/shadow/get'
        self.shadow_delta = b + '/shadow/update/delta'
        self.shadow_accepted = b + '/shadow/+/accepted'
        self.shadow_rejected = b + '/shadow/+/rejected'
        self.config = b + '/config'
        self.config_ack = b + '/config/ack'

    def command_ack(self, command_id):
        return '%s/cmd/ack/%s' % (self.base, command_id)

    def command_result(self, command_id, status):
        return '%s/cmd/res/%s/%s' % (self.base, command_id, status)

    def subscriptions(self):
        """What the device listens to, all at QoS 1."""
        return [(f, 1) for f in (self.command_requests, self.shadow_delta, self.shadow_accepted, self.shadow_rejected, self.config)]

    def classify(self, topic):
        """(kind, details) of a message the platform sent, or (None, None) for any other topic."""
        prefix = self.base + '/'
        if not topic.startswith(prefix):
            return None, None
        levels = topic[len(prefix):].split('/')
        if len(levels) == 4 and levels[0] == 'cmd' and levels[1] == 'req':
            return 'command', (levels[2], levels[3])
        if levels == ['shadow', 'update', 'delta']:
            return 'shadow_delta', None
        if len(levels) == 3 and levels[0] == 'shadow' and levels[2] in ('accepted', 'rejected'):
            return 'shadow_' + levels[2], levels[1]
        if levels == ['config']:
            return 'config', None
        return None, None
