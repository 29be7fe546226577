import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformSubtopicFilters } from '../schemas/device-topics';
import { accessRulesText, deviceAllowed, developmentRules, handlersRules, mqttDownlinkRules, mqttRepublisherRules, mqttSourceRules, parseDeviceUsername } from './access-rules';

describe('device usernames', () => {
  it('name a tenant, a site and a device', () => {
    expect(parseDeviceUsername('acme/plant-1/meter.7')).toEqual({ tenant: 'acme', site: 'plant-1', device: 'meter.7' });
  });

  it.each(['acme/plant', 'acme/plant/meter/extra', 'acme/+/meter', 'acme/#/x', 'acme//meter', '$SYS/a/b'])('refuse %s, which would widen the device space', (username) => {
    expect(() => parseDeviceUsername(username)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe("a device's rights (the plugin's rule, broker/plugin/access_rules.c)", () => {
  const a = { tenant: 't', site: 's', device: 'a' };
  const id = '0b6f3c1e-1a2b-4c3d-8e9f-0123456789ab';

  it.each([
    ['fleet/t/s/a/up', true],
    [`fleet/t/s/a/cmd/ack/${id}`, true],
    [`fleet/t/s/a/cmd/res/${id}/succeeded`, true],
    ['fleet/t/s/a/shadow/update', true],
    ['fleet/t/s/a/config/ack', true],
    ['fleet/t/s/a/status', true],
    [`fleet/t/s/a/cmd/req/${id}/reboot`, false],
    ['fleet/t/s/a/cmd/req', false],
    ['fleet/t/s/a/shadow/update/accepted', false],
    ['fleet/t/s/a/shadow/get/rejected', false],
    ['fleet/t/s/a/shadow/update/delta', false],
    ['fleet/t/s/a/config', false],
    [`fleet/t/s/b/cmd/ack/${id}`, false],
    ['fleet/t/s/ab/up', false],
    ['other/t/s/a/up', false],
  ])('publish %s: %s', (topic, allowed) => {
    expect(deviceAllowed(a, 'publish', topic)).toBe(allowed);
  });

  it.each([
    ['fleet/t/s/a/cmd/#', true],
    ['fleet/t/s/a/cmd/req/#', true],
    ['fleet/t/s/a/shadow/#', true],
    ['fleet/t/s/a/config', true],
    ['fleet/t/s/a/+/+', true],
    ['fleet/t/s/a/up', false],
    ['fleet/t/s/a/#', false],
    ['fleet/t/s/a/+', false],
    ['fleet/#', false],
    ['fleet/+/s/a/cmd/#', false],
    ['$share/g/fleet/t/s/a/cmd/#', false],
  ])('subscribe %s: %s', (filter, allowed) => {
    expect(deviceAllowed(a, 'subscribe', filter)).toBe(allowed);
  });

  it('receives what is published in its space, its own uplink and other spaces aside', () => {
    expect(deviceAllowed(a, 'read', 'fleet/t/s/a/config')).toBe(true);
    expect(deviceAllowed(a, 'read', 'fleet/t/s/a/shadow/update/delta')).toBe(true);
    expect(deviceAllowed(a, 'read', 'fleet/t/s/a/up')).toBe(false);
    expect(deviceAllowed(a, 'read', 'fleet/t/s/b/config')).toBe(false);
  });

  it("refuses the platform's subtopics the plugin lists, the same as schemas/device-topics.ts", () => {
    const source = readFileSync(join(__dirname, 'plugin', 'access_rules.c'), 'utf8');
    const list = /platform_subtopic_filters\[\] = \{([^}]*)\}/.exec(source)?.[1];
    expect([...(list ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1])).toEqual([...platformSubtopicFilters]);
  });
});

describe('the rules file', () => {
  it("lets the connector join any share group on the uplinks and read its watchdog's counter, nothing else", () => {
    const uplinks = ['up', 'cmd/ack/+', 'cmd/res/+/+', 'shadow/update', 'shadow/get', 'shadow/delete', 'config/ack', 'status'];
    expect(accessRulesText(mqttSourceRules('src'))).toBe(
      [
        '# service <account> publish|subscribe|read <topic filter> (broker/plugin/access_rules.h)',
        ...uplinks.flatMap((u) => [`service src subscribe $share/+/fleet/+/+/+/${u}`, `service src subscribe fleet/+/+/+/${u}`, `service src read fleet/+/+/+/${u}`]),
        'service src subscribe $SYS/broker/publish/messages/received',
        'service src read $SYS/broker/publish/messages/received',
        '',
      ].join('\n'),
    );
  });

  it("lets the downlink publish on the platform's subtopics of every device, nothing else", () => {
    expect(accessRulesText(mqttDownlinkRules('down'))).toBe(
      [
        '# service <account> publish|subscribe|read <topic filter> (broker/plugin/access_rules.h)',
        'service down publish fleet/+/+/+/cmd/req/#',
        'service down publish fleet/+/+/+/shadow/+/accepted',
        'service down publish fleet/+/+/+/shadow/+/rejected',
        'service down publish fleet/+/+/+/shadow/update/delta',
        'service down publish fleet/+/+/+/config',
        '',
      ].join('\n'),
    );
  });

  it.each(['a/b', 'two words', ''])('refuses the service account name "%s"', (account) => {
    expect(() => accessRulesText(mqttSourceRules(account))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it("is the local stack's, generated from the accounts stack.sh makes", () => {
    const stackRules = readFileSync(join(__dirname, '..', 'infra', 'local', 'broker-access.rules'), 'utf8');
    expect(stackRules).toBe(accessRulesText([...mqttSourceRules('fleetstream-mqtt-source'), ...mqttDownlinkRules('fleetstream-mqtt-downlink'), ...handlersRules('fleetstream-handlers'), ...mqttRepublisherRules('fleetstream-mqtt-republisher'), ...developmentRules('fleetstream-dev')]));
  });

  it("is the deployed broker's (infra/k8s/broker, compose too): the connector's, the downlink's, the handler workers' and the republisher's accounts and no development account", () => {
    const deployedRules = readFileSync(join(__dirname, '..', 'infra', 'k8s', 'broker', 'access.rules'), 'utf8');
    expect(deployedRules).toBe(accessRulesText([...mqttSourceRules('fleetstream-mqtt-source'), ...mqttDownlinkRules('fleetstream-mqtt-downlink'), ...handlersRules('fleetstream-handlers'), ...mqttRepublisherRules('fleetstream-mqtt-republisher')]));
  });
});
