import { decodePayload } from './payload';

const now = 1_700_000_000_000;
const decode = (payload: string | Buffer) => decodePayload(typeof payload === 'string' ? Buffer.from(payload) : payload, now);

describe('decodePayload', () => {
  it('decodes one reading with every optional field', () => {
    expect(decode('{"metric":"temperature","value":21.5,"ts":1699999999000,"kind":"non_additive","unit":"degC"}')).toEqual({
      ok: true,
      format: 'single',
      readings: [{ metric: 'temperature', value: 21.5, timestamp: 1_699_999_999_000, kind: 'non_additive', unit: 'degC' }],
    });
  });

  it('accepts an ISO 8601 ts', () => {
    const result = decode('{"metric":"t","value":1,"ts":"2023-11-14T22:13:20Z"}');
    expect(result).toMatchObject({ ok: true, readings: [{ timestamp: 1_700_000_000_000 }] });
  });

  it('decodes a batch, with per-metric kinds and units', () => {
    expect(decode('{"ts":1699999999000,"readings":{"energy_kwh":1234.5,"pulses":3},"kinds":{"energy_kwh":"energy"},"units":{"energy_kwh":"kWh"}}')).toEqual({
      ok: true,
      format: 'batch',
      readings: [
        { metric: 'energy_kwh', value: 1234.5, timestamp: 1_699_999_999_000, kind: 'energy', unit: 'kWh' },
        { metric: 'pulses', value: 3, timestamp: 1_699_999_999_000, kind: undefined, unit: undefined },
      ],
    });
  });

  it('decodes SenML with base name, base time, base unit and relative times', () => {
    const senml = [
      { bn: 'meter7:', bt: 1_699_999_990, bu: 'kWh', n: 'energy', v: 10 },
      { n: 'energy', t: 5, v: 11 },
      { n: 'power', u: 'kW', v: 2.5, t: 5 },
      { bn: '', bt: 0, n: 'rel', t: -2, v: 1 },
    ];
    const result = decode(JSON.stringify(senml));
    expect(result).toEqual({
      ok: true,
      format: 'senml',
      readings: [
        { metric: 'meter7:energy', value: 10, timestamp: 1_699_999_990_000, kind: undefined, unit: 'kWh' },
        { metric: 'meter7:energy', value: 11, timestamp: 1_699_999_995_000, kind: undefined, unit: 'kWh' },
        { metric: 'meter7:power', value: 2.5, timestamp: 1_699_999_995_000, kind: undefined, unit: 'kW' },
        { metric: 'rel', value: 1, timestamp: now - 2000, kind: undefined, unit: 'kWh' },
      ],
    });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
    ['malformed JSON', '{"metric":', 'malformed_json'],
    ['a bare NaN literal (not JSON)', '{"metric":"t","value":NaN}', 'malformed_json'],
    ['a number that parses to Infinity', '{"metric":"t","value":1e999}', 'non_finite_value'],
    ['a "NaN" string value', '{"metric":"t","value":"NaN"}', 'non_finite_value'],
    ['a "-Infinity" string in a batch', '{"readings":{"t":"-Infinity"}}', 'non_finite_value'],
    ['a string value', '{"metric":"t","value":"21.5"}', 'invalid_payload'],
    ['a missing value', '{"metric":"t"}', 'invalid_payload'],
    ['a missing metric', '{"value":1}', 'invalid_payload'],
    ['an empty metric', '{"metric":"","value":1}', 'invalid_payload'],
    ['an unknown kind', '{"metric":"t","value":1,"kind":"gauge"}', 'invalid_payload'],
    ['a fractional ts', '{"metric":"t","value":1,"ts":1.5}', 'invalid_payload'],
    ['an unparseable ts string', '{"metric":"t","value":1,"ts":"yesterday"}', 'invalid_payload'],
    ['readings that are not an object', '{"readings":[1,2]}', 'invalid_payload'],
    ['empty readings', '{"readings":{}}', 'invalid_payload'],
    ['a JSON scalar', '42', 'invalid_payload'],
    ['an empty SenML array', '[]', 'invalid_payload'],
    ['a SenML string value', '[{"n":"label","vs":"on"}]', 'invalid_payload'],
    ['a SenML record without a name', '[{"v":1}]', 'invalid_payload'],
  ])('rejects %s', (_what, payload, reason) => {
    expect(decode(payload)).toMatchObject({ ok: false, reason });
  });
});
