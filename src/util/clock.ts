/** Wall-clock milliseconds. Injected everywhere time matters so tests can drive it. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to; for tests and deterministic simulations. */
export class ManualClock implements Clock {
  constructor (private ms: number = 1_700_000_000_000) {}
  now (): number { return this.ms }
  set (ms: number): void { this.ms = ms }
  advance (ms: number): number { this.ms += ms; return this.ms }
}
