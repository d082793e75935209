/**
 * mulberry32: a small seeded PRNG. Deterministic, so it may live in shared/:
 * randomness enters as a seed (the benchmarks' and fuzz tests' logs, and later
 * any engine feature that needs dice keeps the seed in its state).
 */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

export type Rng = ReturnType<typeof prng>;
