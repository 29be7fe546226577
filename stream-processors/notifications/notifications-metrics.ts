import { Counter, Gauge, type Registry } from 'prom-client';

export type NotificationsMetrics = ReturnType<typeof createNotificationsMetrics>;

export function createNotificationsMetrics(registry: Registry) {
  return {
    policies: new Gauge({ name: 'notifications_policies_in_force', help: 'Tenant notification policies in force (valid)', registers: [registry] }),
    alertChanges: new Counter({ name: 'notifications_alert_changes_total', help: 'Alert events that changed the tracked state of an alarm (firing, resolved, forgotten)', registers: [registry] }),
    alerts: new Gauge({ name: 'notifications_tracked_alerts', help: 'Alarms tracked at the last evaluation, by status (firing, resolved and not yet flushed)', labelNames: ['status'], registers: [registry] }),
    groups: new Gauge({ name: 'notifications_groups', help: 'Aggregation groups at the last evaluation', registers: [registry] }),
    flushes: new Counter({ name: 'notifications_flushes_total', help: 'Group flushes, by whether they notified (notified: yes, no)', labelNames: ['notified'], registers: [registry] }),
    requests: new Counter({ name: 'notifications_handler_requests_total', help: 'Handler requests sent to the handler requests topic (one per receiver action notified)', registers: [registry] }),
    leader: new Gauge({ name: 'notifications_leader', help: '1 while this instance leads the evaluation (holds the PostgreSQL advisory lock)', registers: [registry] }),
    tickFailures: new Counter({ name: 'notifications_tick_failures_total', help: 'Evaluations that failed (tried again at the next tick)', registers: [registry] }),
    deadLetters: new Counter({ name: 'notifications_dead_letters_total', help: 'Alert events dead-lettered as undecodable', registers: [registry] }),
    failures: new Counter({ name: 'notifications_failures_total', help: 'Failed attempts at writing a batch of alert events (work: batch), each retried', labelNames: ['work'], registers: [registry] }),
  };
}
