import json

from fleetnode.commands import CommandDesk, CommandFailed, SeenCommands, parse_request
from support import ScratchDir, eq, raises, true


class Desk:
    """A desk on a scratch file with a settable clock, recording what it publishes and what its handlers ran."""

    def __init__(self, path, now=1000, limit=32):
        self.now = now
        self.sent = []
        self.ran = []
        self.desk = CommandDesk(SeenCommands(path, limit), lambda *sent: self.sent.append(sent), lambda: self.now)
        self.desk.register('echo', self._echo)
        self.desk.register('fail', self._fail)

    def _echo(self, params):
        self.ran.append(params)
        return {'echo': params}

    def _fail(self, params):
        self.ran.append(params)
        raise CommandFailed('valve stuck')

    def handle(self, command_id, name, body):
        return self.desk.handle(command_id, name, json.dumps(body).encode())


def test_a_command_is_acknowledged_executed_and_answered():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'))
        eq(desk.handle('c1', 'echo', {'params': {'a': 1}, 'expiresAt': None}), 'executed')
        eq(desk.ran, [{'a': 1}])
        eq(desk.sent, [('ack', 'c1', None, {}), ('result', 'c1', 'succeeded', {'echo': {'a': 1}})])


def test_a_redelivered_request_is_not_executed_again_and_gets_the_stored_answer():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'))
        desk.handle('c1', 'echo', {'params': {'n': 1}})
        desk.sent = []
        eq(desk.handle('c1', 'echo', {'params': {'n': 1}}), 'repeated')
        eq(len(desk.ran), 1)
        eq(desk.sent, [('ack', 'c1', None, {}), ('result', 'c1', 'succeeded', {'echo': {'n': 1}})])


def test_the_ids_survive_a_reboot_so_a_request_redelivered_after_it_is_not_executed():
    with ScratchDir() as d:
        Desk(d.path('commands.json')).handle('c1', 'echo', {'params': {}})
        rebooted = Desk(d.path('commands.json'))
        eq(rebooted.handle('c1', 'echo', {'params': {}}), 'repeated')
        eq(rebooted.ran, [])
        eq(rebooted.sent[-1], ('result', 'c1', 'succeeded', {'echo': {}}))


def test_a_command_taken_but_never_answered_is_answered_interrupted_not_run_again():
    with ScratchDir() as d:
        seen = SeenCommands(d.path('commands.json'))
        seen.record('c1', 'taken')
        desk = Desk(d.path('commands.json'))
        eq(desk.handle('c1', 'echo', {}), 'repeated')
        eq(desk.ran, [])
        eq(desk.sent[-1][2], 'failed')
        true('interrupted' in desk.sent[-1][3]['error'])


def test_the_kept_ids_are_bounded_oldest_forgotten():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'), limit=3)
        for i in range(5):
            desk.handle('c%d' % i, 'echo', {})
        eq(SeenCommands(d.path('commands.json'), 3).ids(), ['c2', 'c3', 'c4'])


def test_an_expired_request_is_answered_failed_without_executing_or_acknowledging():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'), now=5000)
        eq(desk.handle('c1', 'echo', {'params': {}, 'expiresAt': 4999}), 'expired')
        eq(desk.ran, [])
        eq(desk.sent, [('result', 'c1', 'failed', {'error': 'expired'})])
        eq(desk.handle('c1', 'echo', {'params': {}, 'expiresAt': 4999}), 'repeated')
        eq(desk.sent[-1], ('result', 'c1', 'failed', {'error': 'expired'}))
        eq(len(desk.sent), 2)


def test_expiry_is_not_judged_while_the_clock_is_unset():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'), now=None)
        eq(desk.handle('c1', 'echo', {'params': {}, 'expiresAt': 1}), 'executed')


def test_failures_unknown_commands_and_bad_requests_are_answered_failed():
    with ScratchDir() as d:
        desk = Desk(d.path('commands.json'))
        desk.handle('c1', 'fail', {})
        eq(desk.sent[-1], ('result', 'c1', 'failed', {'error': 'valve stuck'}))
        eq(desk.handle('c2', 'launch', {}), 'rejected')
        true('echo, fail' in desk.sent[-1][3]['error'], desk.sent[-1][3]['error'])
        eq(desk.desk.handle('c3', 'echo', b'{nope'), 'rejected')
        eq(desk.sent[-1][2], 'failed')
        eq(desk.handle('c4', 'echo', {'params': [1]}), 'rejected')
        eq(len(desk.ran), 1)
        eq(desk.desk.executed, 1)


def test_parse_request():
    eq(parse_request(b''), ({}, None))
    eq(parse_request(b'{"params": {"s": 5}, "expiresAt": 17}'), ({'s': 5}, 17))
    raises(ValueError, parse_request, b'[]')
    raises(ValueError, parse_request, b'{"expiresAt": "soon"}')
