/** Shown in text like the CLI shows it (src/cli/commands/node-format.ts). */
export function duration (ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

export function short (id: string, n = 8): string {
  return id.length > 2 * n + 1 ? `${id.slice(0, n)}…${id.slice(-n)}` : id
}

export function time (ms: number): string {
  return new Date(ms).toLocaleTimeString()
}

/** uact as ACT with six decimals, trailing zeros dropped. */
export function act (uact: string): string {
  const v = BigInt(uact)
  const whole = v / 1_000_000n
  const frac = (v % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '')
  return frac === '' ? whole.toString() : `${whole.toString()}.${frac}`
}

export function bytes (n: number): string {
  const GIB = 1024 ** 3
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`
  return `${(n / 1024 ** 2).toFixed(0)} MiB`
}
