// Seeded randomness for the crash and fault suites: a failing run prints its seed, and
// `TEST_SEED=<seed> npx vitest run <file>` makes the same random choices again.

/** The classifier's PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export { seededRandom } from '../core/classifier/linear.ts';

/** The seed of this run: TEST_SEED when set (to replay a failure), else a fresh one. */
export function testSeed(): number {
  const given = process.env.TEST_SEED;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given);
  return Math.floor(Math.random() * 2 ** 31);
}

/** An integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
