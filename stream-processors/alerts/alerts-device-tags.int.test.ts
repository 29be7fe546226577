/**
 * Rules that select series by the registry tags of their devices: only the
 * tagged device's series fire, and when the device loses the tag its open
 * alert is ended at the processor's next reading of the rules.
 */
import { Pool } from 'pg';
import { eventually, onCleanup, testSettings } from '../../test/factories';
import { qualified } from '../../schemas/tables';
import { alertReader, alertsFixture, readingProducer, startAlerts } from './alerts.fixture';

const rules = `
tenant: acme
rules:
  - id: north-hot
    series: ['/acme/*/*/temperature']
    tags: { building: north }
    severities: [{ severity: warning, when: '> 80' }]
`;

describe('alert rules that select by device tags', () => {
  it('fire only for devices holding the tags, and end an alert whose device lost them', async () => {
    const options = await alertsFixture(rules);
    const pool = new Pool({ connectionString: testSettings().databaseUrl, max: 1 });
    onCleanup(() => pool.end());
    const devices = qualified(options.databaseSchema, 'devices');
    await pool.query(`insert into ${qualified(options.databaseSchema, 'tenants')} (name, revision) values ('acme', 1)`);
    await pool.query(`insert into ${qualified(options.databaseSchema, 'sites')} (tenant, name, revision) values ('acme', 'plant1', 1)`);
    await pool.query(`insert into ${devices} (tenant, site, name, tags, revision) values ('acme', 'plant1', 'boiler-n', '{"building":"north"}', 1), ('acme', 'plant1', 'boiler-s', '{"building":"south"}', 1)`);

    await startAlerts({ ...options, rulesRefreshInterval: '1s' });
    const events = await alertReader(options);
    const send = await readingProducer(options);
    const north = '/acme/plant1/boiler-n/temperature';
    const south = '/acme/plant1/boiler-s/temperature';
    const t0 = Date.now();
    await send([{ path: north, time: t0, value: 95 }, { path: south, time: t0, value: 95 }]);
    const firing = await eventually(() => events.records.find((r) => r.value.path === north)?.value, 'the north boiler to fire', 30_000);
    expect(firing).toMatchObject({ ruleId: 'north-hot', transition: 'firing', severity: 'warning' });

    await pool.query(`update ${devices} set tags = '{"building":"annex"}', revision = 2 where name = 'boiler-n'`);
    const ended = await eventually(() => events.records.find((r) => r.value.path === north && r.value.transition === 'resolved')?.value, 'the alert of the re-tagged boiler to end', 30_000);
    expect(ended.alarmId).toBe(firing.alarmId);
    expect(events.records.filter((r) => r.value.path === south)).toEqual([]);
  });
});
