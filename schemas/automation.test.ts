import { automationFromDefinition, AutomationDocumentError, parseAutomationDocument } from './automation';

const mqtt = { handler: 'mqtt_publish', target: { topic: 'fleet/acme/alarms' } };

function problemsOf(text: string): string[] {
  try {
    parseAutomationDocument(text, 'acme.yaml');
  } catch (error) {
    if (error instanceof AutomationDocumentError) return error.problems;
    throw error;
  }
  return [];
}

describe('automation documents', () => {
  it('read schedules and event automations, their conditions, dampening and actions', () => {
    const document = parseAutomationDocument(
      `
tenant: acme
automations:
  - id: morning
    trigger: { on: schedule, cron: '0 7 * * 1-5', timezone: Europe/Berlin, missedRuns: fireOnce, validity: { hours: '06:00-22:00' } }
    conditions: { series: /acme/plant1/outside/temperature, value: '< 5' }
    actions: [{ handler: device_command, target: { site: plant1, device: valve1, name: open } }]
  - id: hot
    trigger: { on: readings, series: ['/acme/*/*/temperature'] }
    conditions: { any: [{ value: '> 80' }, { all: [{ value: '> 70' }, { series: /acme/plant1/outside/temperature, value: '> 30' }] }] }
    dampening: { atLeast: 3, of: 5 }
    deadline: 10m
    actions: [${JSON.stringify(mqtt)}]
`,
      'acme.yaml',
    );
    expect([...document.definitions.keys()]).toEqual(['morning', 'hot']);
    const hot = automationFromDefinition('acme', document.definitions.get('hot'), 4);
    expect(hot).toMatchObject({ tenant: 'acme', id: 'hot', revision: 4, enabled: true, dampening: { atLeast: 3, of: 5 }, deadlineMs: 600_000, trigger: { on: 'readings' } });
    const morning = automationFromDefinition('acme', document.definitions.get('morning'));
    expect(morning.trigger).toMatchObject({ on: 'schedule', missedRuns: 'fireOnce', maxMissedRuns: 10, validity: { hours: { fromMinute: 360, untilMinute: 1320 } } });
  });

  it('name every problem, with where it is', () => {
    const problems = problemsOf(`
tenant: acme
automations:
  - id: bad-cron
    trigger: { on: schedule, cron: '61 * * * *', timezone: Mars/Olympus }
    actions: [${JSON.stringify(mqtt)}]
  - id: no-zone
    trigger: { on: schedule, cron: '0 7 * * *' }
    actions: [${JSON.stringify(mqtt)}]
  - id: both
    trigger: { on: schedule, cron: '0 7 * * *', timezone: UTC, every: 1h }
    actions: [${JSON.stringify(mqtt)}]
  - id: outside
    trigger: { on: readings, series: ['/globex/**'] }
    conditions: { value: 'hot' }
    dampening: { atLeast: 4, of: 2 }
    actions: [{ handler: webhook, target: { url: 'ftp://x' } }, { handler: teleport, target: {} }]
  - id: schedule-with-event-value
    trigger: { on: schedule, every: 1m }
    conditions: { value: '> 1' }
    dampening: { consecutive: 2 }
    actions: [${JSON.stringify(mqtt)}]
  - id: bad-cron
    trigger: { on: presence }
    actions: []
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'automations.0.trigger.cron: "61 * * * *" is no cron expression (node-cron: 5 fields, or 6 with seconds first)',
        'automations.0.trigger.timezone: "Mars/Olympus" is no IANA time zone (Europe/Berlin, UTC)',
        'automations.1.trigger.timezone: a cron schedule names its IANA time zone, for example Europe/Berlin or UTC',
        'automations.2.trigger: a schedule has either `cron` (with `timezone`) or `every`',
        'automations.4.dampening: dampening counts events per series or device: a schedule has none',
        'automations.4.conditions: a schedule has no event value: compare the latest value of a series (`series:`)',
        'automations.5.actions: Too small: expected array to have >=1 items',
      ]),
    );
    expect(problems.some((p) => p.startsWith('automations.3.conditions'))).toBe(true);
    expect(problems.some((p) => p.startsWith('automations.3.dampening'))).toBe(true);
    // once the shape is right, the tenant and the handlers are checked
    const outside = problemsOf(`
tenant: acme
automations:
  - id: outside
    trigger: { on: readings, series: ['/globex/**'] }
    actions: [{ handler: webhook, target: { url: 'ftp://x' } }, { handler: teleport, target: {} }]
`);
    expect(outside[0]).toBe('automations.0.trigger: pattern "/globex/**" lies outside tenant acme: start it with /acme/');
    expect(outside[1]).toMatch(/^automations\.0\.actions\.0: webhook target: /);
    expect(outside[2]).toBe('automations.0.actions.1: unknown handler kind "teleport"; known: webhook, email, mqtt_publish, device_command, set_desired, forward_payload');
  });

  it('refuse an id written twice, and text that is not YAML', () => {
    expect(problemsOf(`tenant: acme\nautomations:\n  - { id: a, trigger: { on: presence }, actions: [${JSON.stringify(mqtt)}] }\n  - { id: a, trigger: { on: presence }, actions: [${JSON.stringify(mqtt)}] }`)).toEqual(['automations.1: automation id a is used twice in the tenant']);
    expect(problemsOf('tenant: [')[0]).toMatch(/^not YAML or JSON: /);
  });
});
