import { InputClock } from './input-clock';

describe('InputClock', () => {
  it('is the wall clock for a partition no batch came from yet', () => {
    expect(new InputClock().now(0, 5000)).toBe(5000);
  });

  it('is where the stage is in its input while it lags, and moves with the wall clock while no batch comes', () => {
    const clock = new InputClock();
    // 10 minutes behind: batches keep coming, each a little further on
    clock.consumed(1, 1_000_000 - 600_000, 1_000_000);
    expect(clock.now(1, 1_000_000)).toBe(400_000);
    clock.consumed(1, 400_500, 1_000_200);
    expect(clock.now(1, 1_000_200)).toBe(400_500);
    // no batch for 5 s (a quiet partition, or the stage caught up): it moves on by 5 s
    expect(clock.now(1, 1_005_200)).toBe(405_500);
    // another partition has a clock of its own
    expect(clock.now(2, 1_005_200)).toBe(1_005_200);
  });

  it('never goes back for an older batch, never runs ahead of the wall clock, and forgets on clear', () => {
    const clock = new InputClock();
    clock.consumed(0, 9000, 9000);
    clock.consumed(0, 3000, 9100); // a batch sought back to
    expect(clock.now(0, 9100)).toBe(9000);
    clock.consumed(0, 20_000, 10_000); // a producer's clock ahead
    expect(clock.now(0, 10_000)).toBe(10_000);
    clock.clear();
    expect(clock.now(0, 12_000)).toBe(12_000);
  });
});
