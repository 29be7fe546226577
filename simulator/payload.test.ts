import { batchPayload, deviceTopic, malformedMessage, malformedVariants, seriesPath } from './payload';
import { createRandom } from './random';

const address = { tenant: 'acme', site: 'plant1', device: 'dev-00001' };

describe('payload', () => {
  test('a batch payload carries every metric with its kind and unit', () => {
    const payload = JSON.parse(
      batchPayload(1700000000000, [
        { metric: 'temperature', value: 21.5, kind: 'non_additive', unit: 'degC' },
        { metric: 'energy_kwh', value: 1234.5, kind: 'energy', unit: 'kWh' },
      ]),
    );
    expect(payload).toEqual({
      ts: 1700000000000,
      readings: { temperature: 21.5, energy_kwh: 1234.5 },
      kinds: { temperature: 'non_additive', energy_kwh: 'energy' },
      units: { temperature: 'degC', energy_kwh: 'kWh' },
    });
  });

  test('topics and series paths follow the scheme', () => {
    expect(deviceTopic(address)).toBe('fleet/acme/plant1/dev-00001/up');
    expect(seriesPath(address, 'pulses')).toBe('/acme/plant1/dev-00001/pulses');
  });

  test.each(malformedVariants)('the malformed variant %s is not an acceptable reading', (variant) => {
    const message = malformedMessage(variant, address, 1700000000000, createRandom(1));
    expect(message.variant).toBe(variant);
    if (variant === 'topic-outside-scheme') {
      expect(message.topic.split('/')).toHaveLength(4);
      return;
    }
    expect(message.topic).toBe('fleet/acme/plant1/dev-00001/up');
    let parsed: { ts?: unknown; readings?: Record<string, unknown>; kinds?: Record<string, unknown> } | undefined;
    try {
      parsed = JSON.parse(message.payload.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed === null || typeof parsed !== 'object') return;
    const values = Object.values(parsed.readings ?? {});
    const kinds = Object.values(parsed.kinds ?? {});
    const acceptable =
      typeof parsed.ts === 'number' && values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v)) && kinds.every((k) => ['energy', 'additive', 'non_additive'].includes(k as string));
    expect(acceptable).toBe(false);
  });
});
