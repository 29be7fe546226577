/**
 * No-data alerts for series the registry says should report, which the
 * processor has not seen since it started: a device that died while the
 * processor was down opens its alert; a disabled device's series does not.
 */
import { Pool } from 'pg';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { qualified } from '../../schemas/tables';
import { alertReader, alertsFixture, startAlerts } from './alerts.fixture';

const rules = `
tenant: acme
rules:
  - id: heartbeat-lost
    series: ['/acme/*/*/heartbeat']
    severities: [{ severity: warning, when: '> 1000' }]
    noData: { after: 1m, severity: critical }
`;

describe('no-data alerts for the series of registered devices', () => {
  it('fires for an active device not heard since before the processor started, from its last_seen, and not for a disabled one', async () => {
    const options = await alertsFixture(rules);
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const table = (name: string) => qualified(options.databaseSchema, name);
    const lastSeen = Date.now() - 3_600_000;
    await pool.query(`insert into ${table('tenants')} (name, revision) values ('acme', 1)`);
    await pool.query(`insert into ${table('sites')} (tenant, name, revision) values ('acme', 'plant1', 1)`);
    await pool.query(`insert into ${table('devices')} (tenant, site, name, state, revision) values ('acme', 'plant1', 'dead', 'active', 1), ('acme', 'plant1', 'retired', 'disabled', 1)`);
    for (const device of ['dead', 'retired']) {
      await pool.query(
        `insert into ${table('series')} (path, tenant, site, device, metric, kind, first_seen, last_seen) values ($1, 'acme', 'plant1', $2, 'heartbeat', 'non_additive', to_timestamp($3 / 1000.0), to_timestamp($3 / 1000.0))`,
        [`/acme/plant1/${device}/heartbeat`, device, lastSeen],
      );
    }

    await startAlerts({ ...options, seriesSchema: options.databaseSchema, noDataCheckInterval: '1s' });
    const events = await alertReader(options);
    const noData = await eventually(() => events.records.find((r) => r.value.path === '/acme/plant1/dead/heartbeat')?.value, 'a no-data alert for the dead device', 30_000);
    expect(noData).toMatchObject({ ruleId: 'heartbeat-lost', transition: 'no_data', severity: 'critical' });
    expect(Number(noData.episodeStart)).toBe(lastSeen + 60_000);
    // the check that fired for the dead device went over the retired one too
    expect(events.records.filter((r) => r.value.path === '/acme/plant1/retired/heartbeat')).toEqual([]);
  });
});
