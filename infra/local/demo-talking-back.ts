/**
 * The demo's talking-back part: with the simulated fleet running (its devices
 * answer, `simulate --respond`), a command sent through the query API is
 * answered by its device, and a shadow's desired state is reported back by
 * its device, each shown as it happened. Needs an admin token of the
 * device's tenant, which it creates in the registry.
 */
import { createToken, openRegistry, revokeToken } from '../../registry';
import type { DeviceAddress } from '../../simulator/payload';

export interface TalkingBack {
  command: { name: string; status: number; state?: string; answer?: unknown; roundTripMs: number };
  shadow: { desired: Record<string, unknown>; version: number; convergedMs: number };
}

async function call(url: string, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function showTalkingBack(input: { apiUrl: string; databaseUrl: string; device: DeviceAddress; timeoutMs: number }): Promise<TalkingBack> {
  const { apiUrl, device } = input;
  const registry = openRegistry({ databaseUrl: input.databaseUrl, databaseSchema: process.env.REGISTRY_DATABASE_SCHEMA ?? 'public', applicationName: 'fleetstream-demo' });
  const { token, record } = await createToken(registry, { tenant: device.tenant, role: 'admin', description: 'make demo: a command and a shadow' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const base = `${apiUrl}/v1/devices/${device.tenant}/${device.site}/${device.device}`;
  try {
    const sent = Date.now();
    const commanded = await call(`${base}/commands`, { method: 'POST', headers, body: JSON.stringify({ name: 'set_interval', params: { seconds: 30 }, timeoutMs: 10_000 }) });
    const command = { name: 'set_interval', status: commanded.status, state: commanded.body.state as string | undefined, answer: commanded.body.answer ?? commanded.body.message, roundTripMs: Date.now() - sent };

    const desired = { led: 'green', reportEvery: 30 };
    const patched = await call(`${base}/shadow`, { method: 'PATCH', headers, body: JSON.stringify({ state: { desired } }) });
    if (patched.status !== 200) throw new Error(`PATCH ${base}/shadow answered ${patched.status}: ${JSON.stringify(patched.body)}`);
    const deadline = Date.now() + input.timeoutMs;
    for (;;) {
      const shadow = await call(`${base}/shadow`, { headers });
      const state = shadow.body.state as { reported?: Record<string, unknown>; delta?: Record<string, unknown> } | undefined;
      const reported = state?.reported ?? {};
      if (shadow.status === 200 && Object.entries(desired).every(([key, value]) => reported[key] === value) && Object.keys(state?.delta ?? {}).length === 0) {
        return { command, shadow: { desired, version: Number(shadow.body.version), convergedMs: Date.now() - sent - command.roundTripMs } };
      }
      if (Date.now() > deadline) throw new Error(`the shadow of ${device.tenant}/${device.site}/${device.device} did not converge within ${input.timeoutMs / 1000} s: ${JSON.stringify(shadow.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await revokeToken(registry, record.id).catch(() => undefined);
    await registry.close();
  }
}
