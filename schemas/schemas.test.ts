import avro from 'avsc';
import { avroSchemas, type RecordName } from './avro-schemas';
import { recordFields, type Measurement, type Rollup, type DeadLetter, type DeviceMessage, type DownlinkMessage, type ShadowRequest, type ShadowResult, type ShadowState, type ConfigAssignment, type CommandRequest, type CommandStatus, type AlertEvent, type HandlerRequest, type HandlerResult } from './types';

const names = Object.keys(avroSchemas) as RecordName[];

describe.each(names)('the %s schema', (name) => {
  const schema = JSON.parse(avroSchemas[name]) as { name: string; fields: { name: string }[] };

  it('has exactly the fields of its TypeScript type, in order', () => {
    expect(schema.name).toBe(name);
    expect(schema.fields.map((f) => f.name)).toEqual(recordFields[name]);
  });
});

describe('TypeScript values round-trip through their Avro types', () => {
  const measurement: Measurement = {
    path: '/acme/plant1/meter7/energy', tenant: 'acme', site: 'plant1', device: 'meter7', metric: 'energy', kind: 'energy',
    timestamp: 1_700_000_000_123, value: 1234.5, unit: 'kWh', tags: { phase: 'L1' }, receivedAt: 1_700_000_000_200, sourceTopic: 'fleet/acme/plant1/meter7/up',
  };
  const rollup: Rollup = {
    path: '/acme/plant1/meter7/energy', tenant: 'acme', site: 'plant1', device: 'meter7', metric: 'energy', kind: 'energy', resolution: '1m',
    windowStart: 1_700_000_040_000, windowEnd: 1_700_000_100_000, count: 3, sum: 3703.5, min: 1234, max: 1235, first: 1234, firstTime: 1_700_000_041_000,
    last: 1235, lastTime: 1_700_000_099_000, delta: 1, resets: 0, final: true, revision: 2, computedAt: 1_700_000_160_000,
  };
  const deadLetter: DeadLetter = {
    source: 'mqtt-source', reason: 'malformed_json', message: 'Unexpected token', payload: Buffer.from('{oops'), sourceTopic: 'fleet/a/b/c/up', headers: {}, time: 1_700_000_000_000,
  };
  const deviceMessage: DeviceMessage = {
    tenant: 'acme', site: 'plant1', device: 'meter7', kind: 'command_result', subtopic: 'cmd/res/3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23/succeeded',
    payload: Buffer.from('{"ok":true}'), receivedAt: 1_700_000_000_200, transport: 'mqtt', sourceTopic: 'fleet/acme/plant1/meter7/cmd/res/3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23/succeeded',
  };
  const downlinkMessage: DownlinkMessage = {
    tenant: 'acme', site: 'plant1', device: 'meter7', subtopic: 'shadow/update/delta', payload: Buffer.from('{"state":{"interval":30}}'), retain: true, qos: 1,
    expiresAt: null, origin: 'shadow', createdAt: 1_700_000_000_000,
  };
  const commandRequest: CommandRequest = {
    id: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', site: 'plant1', device: 'meter7', action: 'send', name: 'set-interval', params: '{"seconds":30}',
    timeoutMs: 30_000, persistent: true, ttlSeconds: 3600, caller: 'tok_1', createdAt: 1_700_000_000_000,
  };
  const commandStatus: CommandStatus = {
    id: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', site: 'plant1', device: 'meter7', name: 'set-interval', params: '{"seconds":30}', caller: 'tok_1',
    persistent: true, timeoutMs: 30_000, ttlSeconds: 3600, state: 'SUCCEEDED', reason: null, answer: Buffer.from('{"ok":true}'), createdAt: 1_700_000_000_000,
    queuedAt: 1_700_000_000_010, sentAt: 1_700_000_060_000, ackedAt: null, finishedAt: 1_700_000_060_120, canceledBy: null, revision: 3, updatedAt: 1_700_000_060_121,
  };
  const configAssignment: ConfigAssignment = {
    tenant: 'acme', site: 'plant1', device: 'meter7', assignmentId: 12, version: 3, sha256: 'ab'.repeat(32), deviceType: 'em24', deadline: 1_700_003_600_000,
    target: 'site:plant1', assignedAt: 1_700_000_000_000, assignedBy: 'tok_1',
  };
  const shadowRequest: ShadowRequest = {
    requestId: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', site: 'plant1', device: 'meter7', operation: 'update',
    payload: Buffer.from('{"state":{"desired":{"interval":30}},"version":4}'), requestedAt: 1_700_000_000_000, caller: 'static',
  };
  const shadowResult: ShadowResult = {
    requestId: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', site: 'plant1', device: 'meter7', operation: 'update', accepted: false, code: 409,
    error: 'VersionConflict', message: 'version 4 is not the current version 5', version: 5, document: '{"version":5}', processedAt: 1_700_000_000_050,
  };
  const shadowState: ShadowState = {
    tenant: 'acme', site: 'plant1', device: 'meter7', version: 5, deleted: false, document: '{"state":{"desired":{"interval":30}},"version":5}', updatedAt: 1_700_000_000_050,
  };
  const alertEvent: AlertEvent = {
    alarmId: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', ruleId: 'boiler-hot', path: '/acme/plant1/boiler/temperature', transition: 'escalated', from: 'firing', to: 'firing',
    severity: 'critical', previousSeverity: 'warning', value: 93.5, reads: '1m mean', eventTime: 1_700_000_060_000, episodeStart: 1_700_000_000_000, labels: { team: 'heating' }, emittedAt: 1_700_000_061_000,
  };
  const handlerRequest: HandlerRequest = {
    executionId: '5b0e6a1c-2f44-4c1e-9d3a-7e8f00c1d2b3', tenant: 'acme', handler: 'webhook', target: '{"url":"https://hooks.example.com/boiler"}', payload: '{"event":"schedule"}',
    originKind: 'automation', originId: 'nightly-flush', trigger: 'schedule:2023-11-14T22:00:00.000Z', firedAt: 1_700_000_000_000, requestedAt: 1_700_000_000_010, deadlineAt: null,
  };
  const handlerResult: HandlerResult = {
    executionId: '5b0e6a1c-2f44-4c1e-9d3a-7e8f00c1d2b3', tenant: 'acme', handler: 'webhook', originKind: 'automation', originId: 'nightly-flush', state: 'RETRYING',
    attempts: 2, detail: 'HTTP 503', nextAttemptAt: 1_700_000_030_000, requestedAt: 1_700_000_000_010, updatedAt: 1_700_000_005_000,
  };
  const samples: Record<RecordName, unknown> = {
    Measurement: measurement, Rollup: rollup, DeadLetter: deadLetter, DeviceMessage: deviceMessage, DownlinkMessage: downlinkMessage,
    ShadowRequest: shadowRequest, ShadowResult: shadowResult, ShadowState: shadowState, ConfigAssignment: configAssignment,
    CommandRequest: commandRequest, CommandStatus: commandStatus, AlertEvent: alertEvent, HandlerRequest: handlerRequest, HandlerResult: handlerResult,
  };

  it.each(names)('%s', (name) => {
    const type = avro.Type.forSchema(JSON.parse(avroSchemas[name]) as avro.Schema);
    expect(type.isValid(samples[name])).toBe(true);
    expect(type.fromBuffer(type.toBuffer(samples[name]))).toEqual(samples[name]);
  });

  it('rejects a measurement whose kind is not one of the three', () => {
    const type = avro.Type.forSchema(JSON.parse(avroSchemas.Measurement) as avro.Schema);
    expect(type.isValid({ ...measurement, kind: 'gauge' })).toBe(false);
  });
});
