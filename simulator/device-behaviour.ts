/**
 * What a simulated device does with what the platform sends it (the
 * talking-back contract of schemas/device-topics.ts), as firmware would:
 * commands are acknowledged, executed once per id (a redelivered request gets
 * the kept answer again) and answered; a shadow delta is applied and reported;
 * a configuration is applied and acknowledged, once per version. Pure: it
 * returns the messages to publish, the caller publishes them.
 */
import { downlinkSubtopics, isCommandId, isCommandName } from '../schemas/device-topics';

export interface DeviceReply {
  subtopic: string;
  payload: string;
  retain?: boolean;
}

type CommandAnswer = { status: 'succeeded' | 'failed'; body: unknown };

/** Answers kept per device for redelivered requests; older ids are forgotten first. */
const keptAnswers = 64;

export class SimulatedDeviceState {
  /** What the device reports in its shadow: starts with its publishing interval. */
  readonly reported: Record<string, unknown>;
  private readonly answers = new Map<string, CommandAnswer>();
  private appliedConfig: { version: number; sha256: string } | undefined;
  /** Commands executed (not counting redeliveries), for tests and the demo. */
  executed = 0;

  constructor(intervalSeconds: number, private readonly now: () => number = Date.now) {
    this.reported = { interval: intervalSeconds };
  }

  /** `{base}/cmd/req/<id>/<name>`: ack, then the answer (the kept one for an id seen before). */
  onCommandRequest(subtopic: string, payload: Buffer): DeviceReply[] {
    const [, , id, name] = subtopic.split('/');
    if (id === undefined || name === undefined || !isCommandId(id) || !isCommandName(name)) return [];
    const ack = { subtopic: `cmd/ack/${id}`, payload: '{}' };
    let answer = this.answers.get(id);
    if (!answer) {
      answer = this.execute(name, payload);
      this.answers.set(id, answer);
      if (this.answers.size > keptAnswers) this.answers.delete(this.answers.keys().next().value!);
    }
    return [ack, { subtopic: `cmd/res/${id}/${answer.status}`, payload: JSON.stringify(answer.body) }];
  }

  /** `{base}/shadow/update/delta`: take the desired keys and report them; an empty payload means nothing to do. */
  onShadowDelta(payload: Buffer): DeviceReply[] {
    if (payload.length === 0) return [];
    const delta = parseObject(payload)?.state;
    if (!isObject(delta)) return [];
    for (const [key, value] of Object.entries(delta)) {
      if (value === null) delete this.reported[key];
      else this.reported[key] = value;
    }
    return [{ subtopic: 'shadow/update', payload: JSON.stringify({ state: { reported: delta }, clientToken: `sim-${this.now()}` }) }];
  }

  /** `{base}/config`: apply and acknowledge; a version already applied is acknowledged again, not applied twice. */
  onConfig(payload: Buffer): DeviceReply[] {
    if (payload.length === 0) return [];
    const document = parseObject(payload);
    const version = document?.version;
    const sha256 = document?.sha256;
    if (typeof version !== 'number' || typeof sha256 !== 'string') return [];
    const ack = (status: string, detail: string) => [{ subtopic: 'config/ack', payload: JSON.stringify({ version, sha256, status, detail }) }];
    if (!isObject(document!.config)) return ack('rejected', 'config must be an object');
    if (this.appliedConfig?.version !== version || this.appliedConfig.sha256 !== sha256) {
      this.appliedConfig = { version, sha256 };
      const interval = document!.config.interval_s; // the key the firmware takes too
      if (typeof interval === 'number' && interval > 0) this.reported.interval = interval;
    }
    return ack('applied', `version ${version} applied`);
  }

  private execute(name: string, payload: Buffer): CommandAnswer {
    this.executed++;
    const params = parseObject(payload)?.params;
    switch (name) {
      case 'ping':
        return { status: 'succeeded', body: { pong: true, at: this.now() } };
      case 'set_interval': {
        const seconds = isObject(params) ? params.seconds : undefined;
        if (typeof seconds !== 'number' || !(seconds > 0)) return { status: 'failed', body: { error: 'params.seconds must be a positive number' } };
        this.reported.interval = seconds;
        return { status: 'succeeded', body: { interval: seconds } };
      }
      case 'reboot':
        return { status: 'succeeded', body: { rebooting: true } };
      default:
        return { status: 'failed', body: { error: `unknown command ${name}` } };
    }
  }
}

/** The subtopics a simulated device listens on below its root. */
export const deviceListenSubtopics = [`${downlinkSubtopics.commandRequest('+', '+')}`, downlinkSubtopics.shadowDelta, downlinkSubtopics.config] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
