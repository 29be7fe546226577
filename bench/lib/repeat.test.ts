import { repeatInterleaved } from './repeat';

test('variants run interleaved after their warm-ups, and warm-ups are not kept', async () => {
  const order: string[] = [];
  let n = 0;
  const variant = (name: string) => async (): Promise<number> => {
    order.push(name);
    return n++;
  };
  const results = await repeatInterleaved({ a: variant('a'), b: variant('b') }, { warmups: 1, repetitions: 2 });
  expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  expect(results).toEqual({ a: [2, 4], b: [3, 5] });
});
