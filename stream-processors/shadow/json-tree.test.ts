import { deltaOf, depthOf, jsonEqual, keyCount, mergeSection, treeProblem, type JsonObject, type Section } from './json-tree';

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const section = (state: JsonObject, stamp = 1): Section => mergeSection({ state: {}, metadata: {} }, state, stamp);

describe('mergeSection', () => {
  it('sets new keys, stamping each value it set', () => {
    const merged = mergeSection({ state: {}, metadata: {} }, { interval: 30, led: { colour: 'red' } }, 100);
    expect(plain(merged)).toEqual({ state: { interval: 30, led: { colour: 'red' } }, metadata: { interval: { timestamp: 100 }, led: { colour: { timestamp: 100 } } } });
  });

  it('merges objects key by key: what the patch does not name keeps its value and its timestamp', () => {
    const merged = mergeSection(section({ led: { colour: 'red', level: 5 }, interval: 30 }, 1), { led: { level: 7 } }, 2);
    expect(plain(merged.state)).toEqual({ led: { colour: 'red', level: 7 }, interval: 30 });
    expect(plain(merged.metadata)).toEqual({ led: { colour: { timestamp: 1 }, level: { timestamp: 2 } }, interval: { timestamp: 1 } });
  });

  it('deletes a key given null, with its metadata, at any level', () => {
    const merged = mergeSection(section({ led: { colour: 'red', level: 5 }, interval: 30 }), { led: { level: null }, interval: null }, 2);
    expect(plain(merged)).toEqual({ state: { led: { colour: 'red' } }, metadata: { led: { colour: { timestamp: 1 } } } });
  });

  it('removes an object left without keys, so a section never holds {}', () => {
    const merged = mergeSection(section({ led: { level: 5 }, interval: 30 }), { led: { level: null }, fresh: {} }, 2);
    expect(plain(merged)).toEqual({ state: { interval: 30 }, metadata: { interval: { timestamp: 1 } } });
  });

  it('replaces arrays whole, never merging them item by item', () => {
    const merged = mergeSection(section({ schedule: [1, 2, 3], pins: [{ a: 1 }] }), { schedule: [9], pins: [{ b: 2 }] }, 2);
    expect(plain(merged.state)).toEqual({ schedule: [9], pins: [{ b: 2 }] });
    expect(plain(merged.metadata)).toEqual({ schedule: { timestamp: 2 }, pins: { timestamp: 2 } });
  });

  it('replaces a scalar by an object and an object by a scalar', () => {
    const toObject = mergeSection(section({ led: 'on' }), { led: { level: 3 } }, 2);
    expect(plain(toObject)).toEqual({ state: { led: { level: 3 } }, metadata: { led: { level: { timestamp: 2 } } } });
    const toScalar = mergeSection(toObject, { led: 'off' }, 3);
    expect(plain(toScalar)).toEqual({ state: { led: 'off' }, metadata: { led: { timestamp: 3 } } });
  });

  it('leaves the section it was given unchanged (a change thrown away leaves the shadow whole)', () => {
    const before = section({ led: { level: 5 }, interval: 30 });
    const copy = plain(before);
    mergeSection(before, { led: { level: null, colour: 'blue' }, interval: null, extra: [1] }, 9);
    expect(plain(before)).toEqual(copy);
  });

  it('treats a key named __proto__ as a key, not as the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as JsonObject;
    const merged = mergeSection({ state: {}, metadata: {} }, patch, 1);
    expect(Object.keys(merged.state).sort()).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(merged.state))).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'));
  });
});

describe('deltaOf', () => {
  it('holds the desired keys missing from reported or different there', () => {
    expect(plain(deltaOf({ a: 1, b: 2, c: 3 }, { a: 1, b: 5 }))).toEqual({ b: 2, c: 3 });
  });

  it('goes into objects on both sides and keeps only what differs inside', () => {
    expect(plain(deltaOf({ led: { colour: 'red', level: 5 }, x: { y: { z: 1, w: 2 } } }, { led: { colour: 'red', level: 4 }, x: { y: { z: 1, w: 2 } } }))).toEqual({ led: { level: 5 } });
  });

  it('compares arrays whole, in order', () => {
    expect(plain(deltaOf({ a: [1, 2], b: [1, 2] }, { a: [1, 2], b: [2, 1] }))).toEqual({ b: [1, 2] });
  });

  it('gives the whole desired object where reported has a scalar, and ignores reported-only keys', () => {
    expect(plain(deltaOf({ led: { level: 5 } }, { led: 'off', other: 1 }))).toEqual({ led: { level: 5 } });
  });

  it('is empty when reported has caught up, whatever the key order', () => {
    expect(plain(deltaOf({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }))).toEqual({});
  });
});

describe('tree measures', () => {
  it('counts levels of objects and arrays', () => {
    expect(depthOf(1)).toBe(0);
    expect(depthOf({})).toBe(1);
    expect(depthOf({ a: 1 })).toBe(1);
    expect(depthOf({ a: { b: [1, { c: 1 }] } })).toBe(4);
  });

  it('counts keys at every level, inside arrays too', () => {
    expect(keyCount({ a: 1, b: { c: 1, d: [{ e: 1 }] } })).toBe(5);
  });

  it('finds keys too long and numbers JSON cannot carry', () => {
    expect(treeProblem({ ['k'.repeat(129)]: 1 }, 128)).toMatch(/1 to 128 characters/);
    expect(treeProblem({ a: { '': 1 } }, 128)).toMatch(/"a\."/);
    expect(treeProblem({ a: [1, JSON.parse('1e400') as number] }, 128)).toMatch(/a\[1\] is a number out of range/);
    expect(treeProblem({ a: [1, { b: 'x' }] }, 128)).toBeUndefined();
  });

  it('jsonEqual ignores key order but not array order', () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined as never })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});
