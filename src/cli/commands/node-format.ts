/** Small helpers for the human output of the node inspection commands. */
export function table (rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length) })
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

export function duration (ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  const s = Math.floor(ms / 1000)
  if (s < 120) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 120) return `${m} min`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function bytes (n: number): string {
  const GIB = 1024 ** 3
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`
  return `${(n / 1024 ** 2).toFixed(0)} MiB`
}

/** 12D3KooWAbc…xyz12 */
export function shortId (id: string): string {
  return id.length > 20 ? `${id.slice(0, 12)}…${id.slice(-6)}` : id
}
