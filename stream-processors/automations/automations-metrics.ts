import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AutomationsMetrics = ReturnType<typeof createAutomationsMetrics>;

export function createAutomationsMetrics(registry: Registry) {
  return {
    automations: new Gauge({ name: 'automations_in_force', help: 'Automations in force (enabled and valid), by trigger (schedule, event)', labelNames: ['trigger'], registers: [registry] }),
    fires: new Counter({ name: 'automations_fires_total', help: 'Fires recorded (each sends one handler request per action), by trigger (schedule, event)', labelNames: ['trigger'], registers: [registry] }),
    requests: new Counter({ name: 'automations_handler_requests_total', help: 'Handler requests sent to the handler requests topic', registers: [registry] }),
    skippedSlots: new Counter({ name: 'automations_skipped_slots_total', help: 'Schedule slots missed (downtime, a leader change) and not fired, as the missed-run policy says', registers: [registry] }),
    leader: new Gauge({ name: 'automations_scheduler_leader', help: '1 while this instance leads the scheduler (holds the PostgreSQL advisory lock)', registers: [registry] }),
    tickFailures: new Counter({ name: 'automations_scheduler_tick_failures_total', help: 'Scheduler ticks that failed for one automation (it is tried again at the next tick)', registers: [registry] }),
    evaluations: new Counter({ name: 'automations_event_evaluations_total', help: 'Events evaluated against an automation whose trigger they match', registers: [registry] }),
    transaction: new Histogram({ name: 'automations_transaction_seconds', help: 'Duration of one Kafka transaction of the event processor (handler requests, dampening changelog, offsets)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    deadLetters: new Counter({ name: 'automations_dead_letters_total', help: 'Input records dead-lettered: undecodable, or a device status neither online nor offline (invalid_presence)', registers: [registry] }),
  };
}
