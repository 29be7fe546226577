import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRulesText, developmentRules, mqttSourceRules, parseDeviceUsername } from './access-rules';

describe('device usernames', () => {
  it('name a tenant, a site and a device', () => {
    expect(parseDeviceUsername('acme/plant-1/meter.7')).toEqual({ tenant: 'acme', site: 'plant-1', device: 'meter.7' });
  });

  it.each(['acme/plant', 'acme/plant/meter/extra', 'acme/+/meter', 'acme/#/x', 'acme//meter', '$SYS/a/b'])('refuse %s, which would widen the device space', (username) => {
    expect(() => parseDeviceUsername(username)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('the rules file', () => {
  it("lets the connector join any share group on the uplinks and read its watchdog's counter, nothing else", () => {
    expect(accessRulesText(mqttSourceRules('src'))).toBe(
      [
        '# service <account> publish|subscribe|read <topic filter> (broker/plugin/access_rules.h)',
        'service src subscribe $share/+/fleet/+/+/+/up',
        'service src subscribe fleet/+/+/+/up',
        'service src read fleet/+/+/+/up',
        'service src subscribe $SYS/broker/publish/messages/received',
        'service src read $SYS/broker/publish/messages/received',
        '',
      ].join('\n'),
    );
  });

  it.each(['a/b', 'two words', ''])('refuses the service account name "%s"', (account) => {
    expect(() => accessRulesText(mqttSourceRules(account))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it("is the local stack's, generated from the accounts stack.sh makes", () => {
    const stackRules = readFileSync(join(__dirname, '..', 'infra', 'local', 'broker-access.rules'), 'utf8');
    expect(stackRules).toBe(accessRulesText([...mqttSourceRules('fleetstream-mqtt-source'), ...developmentRules('fleetstream-dev')]));
  });

  it("is the deployed broker's (infra/k8s/broker, compose too): the connector's account and no development account", () => {
    const deployedRules = readFileSync(join(__dirname, '..', 'infra', 'k8s', 'broker', 'access.rules'), 'utf8');
    expect(deployedRules).toBe(accessRulesText(mqttSourceRules('fleetstream-mqtt-source')));
  });
});
