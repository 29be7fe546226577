/**
 * The handler requests of one flush: one per action that has something to
 * tell, its payload shaped like Alertmanager's webhook message (status,
 * receiver, groupLabels, commonLabels, alerts[] with their status, labels,
 * startsAt, endsAt, fingerprint). The execution id is a UUID v5 of the
 * group's life (tenant, key, start), the flush sequence and the action, so a
 * flush sent again after a crash carries the same ids and the handlers drop
 * what they already ran. Pure.
 */
import { uuidV5 } from '../../lib/uuid-v5';
import type { Labels } from '../../schemas/label-matchers';
import type { NotificationReceiver } from '../../schemas/notification-policy';
import type { HandlerRequest } from '../../schemas/types';
import type { GroupMember, PlannedNotification } from './group-flush';
import type { GroupLife } from './group-store';

/** This namespace's own UUID (random, fixed): notification ids never collide with automations'. */
const namespace = Buffer.from('3d0b7e4c9a2f4c61b58e0f6d2a9c7b14', 'hex');

export function notificationExecutionId(group: GroupLife, flushSeq: number, actionIndex: number): string {
  return uuidV5(namespace, JSON.stringify([group.tenant, group.groupKey, group.startedAt, flushSeq, actionIndex]));
}

export interface FlushedGroup extends GroupLife {
  groupLabels: Labels;
  flushSeq: number;
}

/** Alertmanager's endsAt of an alert still firing. */
const noEnd = '0001-01-01T00:00:00Z';

/** The labels every alert has, with the same value. */
export function commonLabelsOf(alerts: readonly GroupMember[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.alert.labels).filter(([name, value]) => rest.every((m) => m.alert.labels[name] === value)));
}

export function payloadOf(group: FlushedGroup, receiver: string, alerts: readonly GroupMember[]): Record<string, unknown> {
  return {
    version: '4',
    tenant: group.tenant,
    groupKey: group.groupKey,
    receiver,
    status: alerts.some((m) => m.alert.status === 'firing') ? 'firing' : 'resolved',
    groupLabels: group.groupLabels,
    commonLabels: commonLabelsOf(alerts),
    alerts: alerts.map(({ alert, fingerprint }) => ({
      status: alert.status,
      labels: alert.labels,
      startsAt: new Date(alert.startsAt).toISOString(),
      endsAt: alert.endsAt === null ? noEnd : new Date(alert.endsAt).toISOString(),
      fingerprint,
      alarmId: alert.alarmId,
      value: alert.value,
    })),
  };
}

export function handlerRequestsOf(group: FlushedGroup, receiver: NotificationReceiver, notifications: readonly PlannedNotification[], now: number): HandlerRequest[] {
  return notifications.map(({ actionIndex, alerts }) => {
    const action = receiver.actions[actionIndex]!;
    return {
      executionId: notificationExecutionId(group, group.flushSeq, actionIndex),
      tenant: group.tenant,
      handler: action.handler,
      target: JSON.stringify(action.target),
      payload: JSON.stringify(payloadOf(group, receiver.name, alerts)),
      originKind: 'notification',
      originId: receiver.name,
      trigger: `notification:${group.groupKey}#${group.flushSeq}`,
      firedAt: now,
      requestedAt: now,
      deadlineAt: null,
    };
  });
}
