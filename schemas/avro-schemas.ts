import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicNames, defaultResolutions } from './topics';

/** The Avro schema texts (`avro/*.avsc`, copied beside the compiled code by `npm run build`). */
function load(file: string): string {
  return readFileSync(join(__dirname, 'avro', file), 'utf8');
}

export const avroSchemas = {
  Measurement: load('measurement.avsc'),
  Rollup: load('rollup.avsc'),
  DeadLetter: load('dead-letter.avsc'),
  DeviceMessage: load('device-message.avsc'),
  DownlinkMessage: load('downlink-message.avsc'),
  CommandRequest: load('command-request.avsc'),
  CommandStatus: load('command-status.avsc'),
  ShadowRequest: load('shadow-request.avsc'),
  ShadowResult: load('shadow-result.avsc'),
  ShadowState: load('shadow-state.avsc'),
  ConfigAssignment: load('config-assignment.avsc'),
  AlertEvent: load('alert-event.avsc'),
  HandlerRequest: load('handler-request.avsc'),
  HandlerResult: load('handler-result.avsc'),
} as const;

export type RecordName = keyof typeof avroSchemas;

/** Subjects follow the topic name strategy: `<topic>-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Every subject fleetstream writes, with the record its topic carries. */
export function subjectCatalogue(resolutions: readonly string[] = defaultResolutions): { subject: string; record: RecordName }[] {
  return [
    { subject: valueSubject(topicNames.measurements), record: 'Measurement' },
    { subject: valueSubject(topicNames.deadLetter), record: 'DeadLetter' },
    ...resolutions.map((r) => ({ subject: valueSubject(topicNames.rollups(r)), record: 'Rollup' as const })),
    { subject: valueSubject(topicNames.deviceMessages), record: 'DeviceMessage' },
    { subject: valueSubject(topicNames.downlink), record: 'DownlinkMessage' },
    { subject: valueSubject(topicNames.commands), record: 'CommandRequest' },
    { subject: valueSubject(topicNames.commandStatus), record: 'CommandStatus' },
    { subject: valueSubject(topicNames.shadowRequests), record: 'ShadowRequest' },
    { subject: valueSubject(topicNames.shadowResults), record: 'ShadowResult' },
    { subject: valueSubject(topicNames.shadows), record: 'ShadowState' },
    { subject: valueSubject(topicNames.configAssignments), record: 'ConfigAssignment' },
    { subject: valueSubject(topicNames.alerts), record: 'AlertEvent' },
    { subject: valueSubject(topicNames.handlerRequests), record: 'HandlerRequest' },
    { subject: valueSubject(topicNames.handlerResults), record: 'HandlerResult' },
  ];
}
