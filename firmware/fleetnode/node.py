"""
The node: joins WiFi, keeps the clock, holds the MQTT session (birth and
will on `{base}/status`), samples its sensors every interval and sends the
readings (or buffers them), answers commands, follows its shadow and takes
configuration. One loop, no threads: `step()` does a little of each.
"""
import time

from . import VERSION, atomic_file, log
from .batch import Sample, batch_payloads
from .clock import Clock
from .commands import CommandDesk, SeenCommands
from .config_apply import ConfigRejected, ConfigStore
from .mqtt_client import MQTTClient
from .ring import FlashRing
from .sensors import make_drivers, read_all
from .settings import check_backlog_rate, check_interval, check_sensors
from .shadow import ShadowFollower, update_request
from .topics import Topics, device_address
from .transport import parse_broker_url
from .uplink import Uplink
from .wifi import Wifi

STATE_FILE = 'state.json'
CONFIG_FILE = 'device-config.json'
COMMANDS_FILE = 'commands.json'
CONFIG_KEYS = ('interval_s', 'sensors', 'backlog_rate')
LOOP_WAIT_MS = 50
RECONNECT_MAX_MS = 60000


class Node:
    def __init__(self, settings):
        import machine
        import ntptime
        self._machine = machine
        self.settings = settings
        mqtt = settings['mqtt']
        self.address = device_address(mqtt['username'])
        self.topics = Topics(self.address, settings['topic_root'])
        self.wifi = Wifi(settings['wifi'])
        ntptime.host = settings['ntp']['host']
        self.clock = Clock(ntptime, resync_ms=settings['ntp']['resync_s'] * 1000, retry_ms=settings['ntp']['retry_s'] * 1000)
        host, port, tls = parse_broker_url(mqtt['url'])
        self.client = MQTTClient(mqtt['client_id'] or mqtt['username'], host, port, mqtt['username'], mqtt['password'],
                                 keepalive_s=mqtt['keepalive_s'], tls=tls, ca_file=mqtt['ca_file'],
                                 clean_session=mqtt['clean_session'], ack_timeout_ms=mqtt['ack_timeout_ms'])
        self.client.set_last_will(self.topics.status, 'offline', retain=True, qos=1)
        self.client.on_message = self._on_message

        self.config = ConfigStore(CONFIG_FILE, self._check_config)
        applied = self.config.config
        self.state = atomic_file.read_json(STATE_FILE, {})
        self.interval_s = self.state.get('interval_s') or applied.get('interval_s') or settings['interval_s']
        self.drivers = make_drivers(applied.get('sensors', settings['sensors']))
        buffer = settings['buffer']
        self.uplink = Uplink(FlashRing(buffer['file'], buffer['slots'], buffer['slot_bytes']), applied.get('backlog_rate', settings['backlog_rate']))
        self.commands = CommandDesk(SeenCommands(COMMANDS_FILE, settings['commands_kept']), self._publish_command, self.clock.now_ms)
        self.commands.register('reboot', self._command_reboot)
        self.commands.register('read_now', self._command_read_now)
        self.commands.register('set_interval', self._command_set_interval)
        self.shadow = ShadowFollower({'interval': self._apply_interval})

        self.unstamped = []
        self.unstamped_dropped = 0
        self._candidate_drivers = None
        self._report_due = False
        self._reset_requested = False
        self._token = 0
        now = time.ticks_ms()
        self._next_sample = now
        self._wifi_retry = now
        self._mqtt_retry = now
        self._backoff_ms = 1000
        log.event('boot', firmware=VERSION, device='/'.join(self.address), interval_s=self.interval_s,
                  backlog=self.uplink.backlog, dropped=self.uplink.ring.dropped, config_version=self.config.version)

    # --- the loop

    def run(self):
        while True:
            self.step()

    def step(self):
        self._network_step()
        if self.client.connected:
            try:
                self.client.poll(LOOP_WAIT_MS)
            except OSError as error:
                self._lost(error)
        else:
            time.sleep_ms(LOOP_WAIT_MS)
        if time.ticks_diff(time.ticks_ms(), self._next_sample) >= 0:
            self._next_sample = time.ticks_add(time.ticks_ms(), self.interval_s * 1000)
            self.sample_now()
        if self.client.connected and self.uplink.backlog:
            self._guarded(self._drain)
        if self.client.connected and self._report_due:
            self._guarded(self._report_state)
        if self._reset_requested:
            self._reset()

    def _network_step(self):
        now = time.ticks_ms()
        if not self.wifi.is_up():
            if self.client.connected:
                self._lost('wifi down')
            if time.ticks_diff(now, self._wifi_retry) >= 0:
                self._wifi_retry = time.ticks_add(now, self.settings['wifi']['retry_s'] * 1000)
                self.wifi.join()
            return
        if self.clock.sync_due():
            was_set = self.clock.is_set
            if self.clock.sync() and not was_set:
                log.event('clock_set', now_ms=self.clock.now_ms(), unstamped=len(self.unstamped))
                self._stamp_unstamped()
        if not self.client.connected and time.ticks_diff(now, self._mqtt_retry) >= 0:
            self._connect()

    def _connect(self):
        try:
            session = self.client.connect()
            self.client.subscribe(self.topics.subscriptions())
            self.client.publish(self.topics.status, 'online', qos=1, retain=True)
            self.client.publish(self.topics.shadow_get, '{"clientToken": "%s"}' % self._client_token(), qos=1)
        except OSError as error:
            self.client.close()
            log.event('connect_failed', error=str(error), retry_ms=self._backoff_ms)
            self._mqtt_retry = time.ticks_add(time.ticks_ms(), self._backoff_ms)
            self._backoff_ms = min(self._backoff_ms * 2, RECONNECT_MAX_MS)
            return
        self._backoff_ms = 1000
        self._report_due = True
        log.event('connected', session_present=session, backlog=self.uplink.backlog)

    def _lost(self, reason):
        self.client.close()
        self._mqtt_retry = time.ticks_add(time.ticks_ms(), 1000)
        log.event('disconnected', reason=str(reason))

    def _guarded(self, action):
        try:
            action()
        except OSError as error:
            self._lost(error)

    # --- readings

    def sample_now(self):
        values, kinds, units = read_all(self.drivers)
        sample = Sample(values, kinds, units, ticks=time.ticks_ms(), ts=self.clock.now_ms())
        if sample.ts is None:
            self.unstamped.append(sample)
            if len(self.unstamped) > self.settings['max_unstamped']:
                self.unstamped.pop(0)
                self.unstamped_dropped += 1
            log.event('sample_unstamped', held=len(self.unstamped), dropped=self.unstamped_dropped)
            return sample
        self._send(sample)
        return sample

    def _stamp_unstamped(self):
        held, self.unstamped = self.unstamped, []
        for sample in held:
            sample.ts = self.clock.ms_at(sample.ticks)
            self._send(sample)

    def _send(self, sample):
        payloads, skipped = batch_payloads(sample, self.uplink.ring.record_limit)
        publish = self._publish_reading if self.client.connected else None
        try:
            self.uplink.submit(payloads, publish)
        except OSError as error:
            self._lost(error)
        log.event('sample', ts=sample.ts, readings=sample.values, skipped=skipped, backlog=self.uplink.backlog, dropped=self.uplink.ring.dropped)

    def _publish_reading(self, payload):
        self.client.publish(self.topics.uplink, payload, qos=1)

    def _drain(self):
        sent = self.uplink.drain(self._publish_reading)
        if sent:
            log.event('backlog_sent', sent=sent, backlog=self.uplink.backlog)

    # --- messages from the platform

    def _on_message(self, message):
        kind, detail = self.topics.classify(message.topic)
        try:
            if kind == 'command':
                outcome = self.commands.handle(detail[0], detail[1], message.payload)
                log.event('command', id=detail[0], name=detail[1], outcome=outcome, dup=message.dup)
            elif kind == 'shadow_delta':
                self._report_shadow(self.shadow.on_delta(message.payload), 'delta')
            elif kind == 'shadow_accepted' and detail == 'get':
                self._report_shadow(self.shadow.on_document(message.payload), 'document')
            elif kind == 'shadow_rejected':
                log.event('shadow_rejected', operation=detail, body=message.payload.decode())
            elif kind == 'config':
                self._take_config(message.payload)
        except OSError:
            raise
        except Exception as error:
            # a message this firmware cannot handle must not stop the node; it is acknowledged all the same
            log.event('message_failed', topic=message.topic, error='%s: %s' % (type(error).__name__, error))

    def _publish_command(self, what, command_id, status, body):
        import json
        topic = self.topics.command_ack(command_id) if what == 'ack' else self.topics.command_result(command_id, status)
        self.client.publish(topic, json.dumps(body), qos=1)

    def _client_token(self):
        self._token += 1
        return '%s-%d' % (self.address[2], self._token)

    def _report_shadow(self, reported, source):
        if reported is None:
            return
        if reported:
            self.client.publish(self.topics.shadow_update, update_request(reported, self._client_token()), qos=1)
        log.event('shadow_applied', source=source, version=self.shadow.version, reported=reported,
                  problems=self.shadow.problems, ignored=self.shadow.ignored)

    def _report_state(self):
        self._report_due = False
        reported = {'interval': self.interval_s, 'firmware': VERSION, 'config_version': self.config.version}
        self.client.publish(self.topics.shadow_update, update_request(reported, self._client_token()), qos=1)

    def _take_config(self, payload):
        import json
        ack, applied = self.config.offer(payload)
        if ack is None:
            return
        if applied:
            self._activate_config(self.config.config)
        self.client.publish(self.topics.config_ack, json.dumps(ack), qos=1)
        log.event('config', version=ack['version'], status=ack['status'], detail=ack['detail'])

    def _check_config(self, config):
        unknown = [k for k in config if k not in CONFIG_KEYS]
        if unknown:
            raise ConfigRejected('unknown keys %s (this firmware takes %s)' % (', '.join(sorted(unknown)), ', '.join(CONFIG_KEYS)))
        try:
            if 'interval_s' in config:
                check_interval(config['interval_s'])
            if 'backlog_rate' in config:
                check_backlog_rate(config['backlog_rate'])
            self._candidate_drivers = make_drivers(check_sensors(config['sensors'])) if 'sensors' in config else None
        except ValueError as error:
            raise ConfigRejected(str(error))
        except OSError as error:
            raise ConfigRejected('a sensor could not be set up: %s' % error)

    def _activate_config(self, config):
        if 'interval_s' in config:
            self._set_interval(config['interval_s'])
        if 'backlog_rate' in config:
            self.uplink.rate_per_s = config['backlog_rate']
        if self._candidate_drivers is not None:
            for driver in self.drivers:
                driver.close()
            self.drivers, self._candidate_drivers = self._candidate_drivers, None
        self._report_due = True

    # --- the state the platform can change

    def _set_interval(self, seconds):
        if seconds != self.interval_s:
            self.interval_s = seconds
            self.state['interval_s'] = seconds
            atomic_file.write_json(STATE_FILE, self.state)
            self._next_sample = time.ticks_add(time.ticks_ms(), seconds * 1000)
        return seconds

    def _apply_interval(self, value):
        return self._set_interval(check_interval(value, 'interval'))

    # --- built-in commands

    def _command_reboot(self, params):
        self._reset_requested = True
        return {'rebooting': True}

    def _command_read_now(self, params):
        sample = self.sample_now()
        return {'ts': sample.ts, 'readings': sample.values}

    def _command_set_interval(self, params):
        seconds = self._set_interval(check_interval(params.get('seconds'), 'params.seconds'))
        self._report_due = True
        return {'interval': seconds}

    def _reset(self):
        log.event('rebooting')
        if self.client.connected:
            try:
                self.client.publish(self.topics.status, 'offline', qos=1, retain=True)
                self.client.disconnect()
            except OSError:
                pass
        self.uplink.ring.close()
        self._machine.reset()

