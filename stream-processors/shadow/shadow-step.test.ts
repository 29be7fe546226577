import { absentShadow, type Shadow } from './shadow-document';
import { defaultShadowLimits } from './shadow-limits';
import { shadowStep, type ShadowInput, type ShadowStep } from './shadow-step';

const input = (from: ShadowInput['from'], body: unknown, operation: ShadowInput['operation'] = 'update'): ShadowInput => ({
  from,
  operation,
  payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

function downlinks(step: ShadowStep) {
  return step.downlinks.map((d) => ({ subtopic: d.subtopic, retain: d.retain, payload: d.payload.length === 0 ? '' : JSON.parse(d.payload.toString()) }));
}

function run(shadow: Shadow, step: ShadowInput, now = 1000): { step: ShadowStep; shadow: Shadow } {
  const result = shadowStep(shadow, step, now, defaultShadowLimits);
  return { step: result, shadow: result.changed ?? shadow };
}

describe('shadowStep', () => {
  it("answers a device's update on update/accepted with its clientToken, and publishes the delta retained", () => {
    const { step } = run(absentShadow(), input('device', { state: { reported: { led: 'off' }, desired: { led: 'on' } }, clientToken: 'c1' }), 700);
    expect(downlinks(step)).toEqual([
      { subtopic: 'shadow/update/accepted', retain: false, payload: expect.objectContaining({ version: 1, clientToken: 'c1', state: { reported: { led: 'off' }, desired: { led: 'on' } } }) },
      { subtopic: 'shadow/update/delta', retain: true, payload: { state: { led: 'on' }, version: 1, timestamp: 700 } },
    ]);
    expect(step.answer).toMatchObject({ accepted: true, code: 200, version: 1 });
    expect(step.changed?.version).toBe(1);
  });

  it('publishes no delta when the delta did not change, and an empty retained payload once reported catches up', () => {
    let { shadow } = run(absentShadow(), input('api', { state: { desired: { led: 'on', interval: 30 } } }));
    const unrelated = run(shadow, input('device', { state: { reported: { rssi: -70 } } }));
    expect(downlinks(unrelated.step).map((d) => d.subtopic)).toEqual(['shadow/update/accepted']);
    shadow = unrelated.shadow;
    const partly = run(shadow, input('device', { state: { reported: { led: 'on' } } }));
    expect(downlinks(partly.step)[1]).toEqual({ subtopic: 'shadow/update/delta', retain: true, payload: { state: { interval: 30 }, version: 3, timestamp: 1000 } });
    const caughtUp = run(partly.shadow, input('device', { state: { reported: { interval: 30 } } }));
    expect(downlinks(caughtUp.step)[1]).toEqual({ subtopic: 'shadow/update/delta', retain: true, payload: '' });
  });

  it('sends nothing to the device for an API request but the delta, and answers the API with the document', () => {
    const { step } = run(absentShadow(), input('api', { state: { desired: { a: 1 } } }));
    expect(downlinks(step).map((d) => d.subtopic)).toEqual(['shadow/update/delta']);
    expect(step.answer).toMatchObject({ accepted: true, code: 200, error: null, version: 1 });
    expect(JSON.parse(step.answer.document!)).toMatchObject({ version: 1, state: { desired: { a: 1 }, delta: { a: 1 } } });
  });

  it('refuses a stale version on update/rejected with 409, the current version and the clientToken, changing nothing and dead-lettering nothing', () => {
    const { shadow } = run(run(absentShadow(), input('device', { state: { reported: { a: 1 } } })).shadow, input('device', { state: { reported: { a: 2 } } }));
    const { step } = run(shadow, input('device', { state: { reported: { a: 3 } }, version: 1, clientToken: 'late' }), 5000);
    expect(step.changed).toBeUndefined();
    expect(step.deadLetter).toBeUndefined();
    expect(downlinks(step)).toEqual([
      { subtopic: 'shadow/update/rejected', retain: false, payload: { code: 409, error: 'VersionConflict', message: 'version 1 is not the current version 2', version: 2, timestamp: 5000, clientToken: 'late' } },
    ]);
    expect(step.answer).toMatchObject({ accepted: false, code: 409, error: 'VersionConflict', version: 2, document: null });
    // the API's caller gets the current document with the refusal
    const api = run(shadow, input('api', { state: { desired: { a: 3 } }, version: 1 })).step;
    expect(JSON.parse(api.answer.document!)).toMatchObject({ version: 2, state: { reported: { a: 2 } } });
  });

  it("dead-letters a device's malformed request after answering it, with a reason code", () => {
    expect(run(absentShadow(), input('device', '{nope')).step).toMatchObject({ deadLetter: { reason: 'malformed_json' }, answer: { code: 400 } });
    const invalid = run(absentShadow(), input('device', { state: { desired: 3 } })).step;
    expect(invalid.deadLetter).toMatchObject({ reason: 'invalid_shadow_request', message: expect.stringContaining('InvalidRequest') });
    expect(downlinks(invalid)[0]).toMatchObject({ subtopic: 'shadow/update/rejected', payload: { code: 400, error: 'InvalidRequest', version: 0 } });
    // the API's caller gets its 400 directly: not dead-lettered
    expect(run(absentShadow(), input('api', '{nope')).step.deadLetter).toBeUndefined();
  });

  it('answers get on get/accepted with the whole document, and a get of no shadow on get/rejected 404', () => {
    const { shadow } = run(absentShadow(), input('api', { state: { desired: { a: 1 } } }));
    const got = run(shadow, input('device', { clientToken: 't' }, 'get')).step;
    expect(got.changed).toBeUndefined();
    expect(downlinks(got)).toEqual([{ subtopic: 'shadow/get/accepted', retain: false, payload: expect.objectContaining({ version: 1, clientToken: 't', state: { desired: { a: 1 }, reported: {}, delta: { a: 1 } } }) }]);
    expect(downlinks(run(absentShadow(), input('device', '', 'get')).step)).toEqual([{ subtopic: 'shadow/get/rejected', retain: false, payload: expect.objectContaining({ code: 404, error: 'NotFound' }) }]);
  });

  it('deletes on delete/accepted, clearing a retained delta', () => {
    const { shadow } = run(absentShadow(), input('api', { state: { desired: { a: 1 } } }));
    const { step } = run(shadow, input('device', '', 'delete'), 2000);
    expect(step.changed).toMatchObject({ version: 2, exists: false });
    expect(downlinks(step)).toEqual([
      { subtopic: 'shadow/delete/accepted', retain: false, payload: { version: 2, timestamp: 2000 } },
      { subtopic: 'shadow/update/delta', retain: true, payload: '' },
    ]);
    expect(step.answer).toMatchObject({ accepted: true, version: 2, document: null });
  });
});
