import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type CommandsMetrics = ReturnType<typeof createCommandsMetrics>;

export function createCommandsMetrics(registry: Registry) {
  return {
    inputs: new Counter({
      name: 'commands_inputs_total',
      help: 'Input records by what they were: request, cancel, presence, ack, result, other (device messages not about commands), invalid_command, invalid_presence, undecodable',
      labelNames: ['input'],
      registers: [registry],
    }),
    ignored: new Counter({
      name: 'commands_ignored_total',
      help: 'Inputs about no open command, which change nothing: unknown_command, finished_command, duplicate_request, not_sent, duplicate_ack, not_cancelable',
      labelNames: ['reason'],
      registers: [registry],
    }),
    statuses: new Counter({ name: 'commands_statuses_total', help: 'Status records written, by state', labelNames: ['state'], registers: [registry] }),
    sent: new Counter({ name: 'commands_sent_total', help: 'Commands sent to devices (cmd/req records to the downlink topic, committed)', registers: [registry] }),
    open: new Gauge({ name: 'commands_open', help: 'Commands QUEUED, SENT or ACKED on the assigned partitions', registers: [registry] }),
    devices: new Gauge({ name: 'commands_devices', help: 'Devices with state on the assigned partitions', registers: [registry] }),
    transaction: new Histogram({ name: 'commands_transaction_seconds', help: 'Duration of one Kafka transaction (statuses, downlink, state, offsets)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    transactionsFailed: new Counter({ name: 'commands_transactions_failed_total', help: 'Transactions that failed for good: their inputs are consumed again, their partitions restored', registers: [registry] }),
    restores: new Counter({ name: 'commands_state_restores_total', help: 'Partition state read back from the changelog', registers: [registry] }),
  };
}
