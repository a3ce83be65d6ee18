import type fc from 'fast-check'

/**
 * Settings shared by the fuzz properties (test/unit/fuzz). Each run uses fast-check's random
 * seed, so CI explores new cases every time; a failure prints its seed and path, and
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run --config test/vitest.config.ts test/unit/fuzz -t '<test name>'
 * replays exactly that case (FUZZ_PATH alone is ignored: a path only means something under its
 * seed). FUZZ_CASES changes the number of cases per property family (default 10,000), e.g. for
 * a longer local run.
 */
function intFromEnv (name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const n = Number(raw)
  // a typo must not silently fall back to a random seed or the default count
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`)
  return n
}

const seed = intFromEnv('FUZZ_SEED')
const path = seed === undefined ? undefined : process.env.FUZZ_PATH

/** Cases per property family. */
export const FUZZ_CASES = intFromEnv('FUZZ_CASES') ?? 10_000

/**
 * Whether a property of `numRuns` cases should also have reached every path it aims at (every
 * error code, every kind of request): not when replaying one case, nor on a short run.
 */
export function expectsCoverage (numRuns: number): boolean {
  return path === undefined && numRuns >= 1_000
}

/** fast-check parameters for a property of `numRuns` cases, with the seed override if any. */
export function fuzzParameters<T> (numRuns: number): fc.Parameters<T> {
  return {
    numRuns,
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined && path !== '' ? { path, endOnFailure: true } : {})
  }
}

/** Per-value counts, for asserting that a property reached the paths it is meant to reach. */
export class Tally {
  readonly counts = new Map<string, number>()

  add (key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  get (key: string): number {
    return this.counts.get(key) ?? 0
  }

  toString (): string {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')
  }
}
