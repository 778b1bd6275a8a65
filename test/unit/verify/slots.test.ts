// The engine's check slots: at most N checks look into accounts at once, the rest wait in the order they came.
import { Slots } from '../../../server/verify/engine';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  it('runs at most `size` at once; the others start in arrival order as slots come free', async () => {
    const slots = new Slots(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    const runs = gates.map((g, i) => slots.run(async () => (started.push(i), await g.promise, i)));
    await tick();
    expect(started).toEqual([0, 1]);
    expect(slots.load).toEqual({ active: 2, waiting: 3 });
    gates[1].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3].resolve();
    gates[4].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(slots.load).toEqual({ active: 0, waiting: 0 });
  });

  it('a run that fails gives its slot to the next and its error to its caller', async () => {
    const slots = new Slots(1);
    const failing = slots.run(async () => {
      throw new Error('AccessDenied');
    });
    const next = slots.run(async () => 'ran');
    await expect(failing).rejects.toThrow('AccessDenied');
    await expect(next).resolves.toBe('ran');
    expect(slots.load).toEqual({ active: 0, waiting: 0 });
  });
});
