/**
 * A shadow request as a device publishes it on `{base}/shadow/<operation>`
 * (and as the API sends it): read and checked before it touches a shadow.
 *
 *   update: {"state": {"desired"?: {...} | null, "reported"?: {...} | null}, "version"?: n, "clientToken"?: "..."}
 *   get, delete: empty, or {"version"?: n, "clientToken"?: "..."}
 *
 * Unlike AWS IoT, a field it does not know is refused rather than ignored, so
 * a misspelt `"desierd"` is an error the device sees, not an update lost.
 * Pure.
 */
import type { ShadowOperation } from '../../schemas/device-topics';
import { depthOf, isObject, ownTree, treeProblem, type Json, type JsonObject } from './json-tree';
import { maxClientTokenLength, maxKeyLength, rejection, type ShadowLimits, type ShadowRejection } from './shadow-limits';

export interface ShadowRequestInput {
  operation: ShadowOperation;
  /** update: the patch of each section; null clears the section, undefined leaves it */
  desired?: JsonObject | null;
  reported?: JsonObject | null;
  /** the version the request expects the shadow to be at (optimistic concurrency) */
  version?: number;
  clientToken?: string;
}

export type ParsedShadowRequest = { ok: true; request: ShadowRequestInput } | { ok: false; rejection: ShadowRejection; clientToken?: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const sections = ['desired', 'reported'] as const;

export function parseShadowRequest(operation: ShadowOperation, payload: Buffer, limits: ShadowLimits): ParsedShadowRequest {
  if (payload.length > limits.maxRequestBytes) return refused('PayloadTooLarge', `the request has ${payload.length} bytes; at most ${limits.maxRequestBytes}`);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return refused('InvalidJson', 'the request is not UTF-8 text');
  }
  if (operation !== 'update' && text.trim() === '') return { ok: true, request: { operation } };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return refused('InvalidJson', `the request is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(body)) return refused('InvalidRequest', 'the request must be a JSON object');
  const clientToken = typeof body.clientToken === 'string' && body.clientToken.length <= maxClientTokenLength ? body.clientToken : undefined;
  const problem = commonProblem(operation, body);
  if (problem) return { ok: false, rejection: rejection('InvalidRequest', problem), clientToken };
  const request: ShadowRequestInput = { operation };
  if (body.version !== undefined) request.version = body.version as number;
  if (clientToken !== undefined) request.clientToken = clientToken;
  if (operation !== 'update') return { ok: true, request };

  const state = body.state;
  if (!isObject(state)) return { ok: false, rejection: rejection('InvalidRequest', 'an update needs "state": {"desired": {...}} or {"reported": {...}}'), clientToken };
  const unknown = Object.keys(state).filter((key) => !(sections as readonly string[]).includes(key));
  if (unknown.length > 0) return { ok: false, rejection: rejection('InvalidRequest', `"state" takes "desired" and "reported" only, not ${unknown.map((k) => JSON.stringify(k)).join(', ')}`), clientToken };
  if (Object.keys(state).length === 0) return { ok: false, rejection: rejection('InvalidRequest', '"state" names neither "desired" nor "reported"'), clientToken };
  for (const section of sections) {
    const patch = state[section];
    if (patch === undefined) continue;
    if (patch !== null && !isObject(patch)) return { ok: false, rejection: rejection('InvalidRequest', `"state.${section}" must be an object, or null to clear it`), clientToken };
    if (patch !== null) {
      const treeIssue = treeProblem(patch, maxKeyLength, section);
      if (treeIssue) return { ok: false, rejection: rejection('InvalidRequest', treeIssue), clientToken };
      if (depthOf(patch) > limits.maxDepth) return { ok: false, rejection: rejection('StateTooDeep', `"state.${section}" nests ${depthOf(patch)} levels; at most ${limits.maxDepth}`), clientToken };
    }
    request[section] = patch === null ? null : ownTree(patch);
  }
  return { ok: true, request };
}

function commonProblem(operation: ShadowOperation, body: JsonObject): string | undefined {
  const allowed = operation === 'update' ? ['state', 'version', 'clientToken'] : ['version', 'clientToken'];
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `a ${operation} request takes ${allowed.map((k) => `"${k}"`).join(', ')} only, not ${unknown.map((k) => JSON.stringify(k)).join(', ')}`;
  const { version, clientToken } = body as { version?: Json; clientToken?: Json };
  if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 0)) return '"version" must be a whole number, 0 or more';
  if (clientToken !== undefined && !(typeof clientToken === 'string' && clientToken.length <= maxClientTokenLength)) return `"clientToken" must be a string of at most ${maxClientTokenLength} characters`;
  return undefined;
}

function refused(error: Parameters<typeof rejection>[0], message: string): ParsedShadowRequest {
  return { ok: false, rejection: rejection(error, message) };
}
