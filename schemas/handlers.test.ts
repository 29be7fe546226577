import { checkHandlerTarget, mqttPublishTopicProblem } from './handlers';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('handler targets', () => {
  it('takes a webhook target and fills its defaults', () => {
    expect(checkHandlerTarget('acme', 'webhook', { url: 'https://example.com/hook', secret })).toEqual({ ok: true, kind: 'webhook', target: { url: 'https://example.com/hook', secret, headers: {} } });
  });

  it('refuses an unknown kind and a target failing its schema, each with its reason', () => {
    expect(checkHandlerTarget('acme', 'fax', {})).toMatchObject({ ok: false, reason: 'handler_unknown' });
    expect(checkHandlerTarget('acme', 'webhook', { url: 'ftp://x', secret })).toMatchObject({ ok: false, reason: 'handler_target_invalid', message: expect.stringContaining('http') });
    expect(checkHandlerTarget('acme', 'email', { to: ['not-an-address'], subject: 's' })).toMatchObject({ ok: false, reason: 'handler_target_invalid' });
    expect(checkHandlerTarget('acme', 'set_desired', { site: 's', device: 'a/b', desired: {} })).toMatchObject({ ok: false, reason: 'handler_target_invalid' });
    expect(checkHandlerTarget('acme', 'device_command', { site: 's', device: 'd', name: 'reboot', extra: 1 })).toMatchObject({ ok: false, reason: 'handler_target_invalid' });
  });

  it('keeps mqtt_publish inside the tenant and off the devices\' own subtopics', () => {
    expect(mqttPublishTopicProblem('acme', 'fleet/acme/hmi/line1')).toBeUndefined();
    expect(mqttPublishTopicProblem('acme', 'fleet/acme/plant/meter/display')).toBeUndefined();
    expect(mqttPublishTopicProblem('acme', 'fleet/other/hmi')).toContain('fleet/acme/');
    expect(mqttPublishTopicProblem('acme', 'fleet/acme/#')).toContain('no + or #');
    expect(mqttPublishTopicProblem('acme', 'fleet/acme/plant/meter/up')).toContain('uplink');
    expect(mqttPublishTopicProblem('acme', 'fleet/acme/plant/meter/cmd/req/x/y')).toContain('platform');
    expect(checkHandlerTarget('acme', 'mqtt_publish', { topic: 'fleet/beta/x' })).toMatchObject({ ok: false, reason: 'handler_target_invalid' });
  });

  it('takes both destinations of forward_payload', () => {
    const from = { site: 's', device: 'src', metric: 'temperature' };
    expect(checkHandlerTarget('acme', 'forward_payload', { from, to: { as: 'desired', site: 's', device: 'dst', key: 'setpoint' } })).toMatchObject({ ok: true });
    expect(checkHandlerTarget('acme', 'forward_payload', { from, to: { as: 'command', site: 's', device: 'dst', name: 'set' } })).toMatchObject({ ok: true, target: { to: { param: 'value', timeoutMs: 30000 } } });
  });
});
