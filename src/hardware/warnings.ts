import type { HardwareWarning, HardwareWarningCode } from './types.js'

/**
 * Collects warnings and folds repeats: eight GPUs with the same unknown PCI id give one warning
 * with count 8 and the eight bus addresses.
 */
export class WarningCollector {
  private readonly byKey = new Map<string, HardwareWarning>()

  add (code: HardwareWarningCode, message: string, details: Record<string, string | number> = {}, opts: { key?: string, bus?: string } = {}): void {
    const key = `${code}|${opts.key ?? ''}`
    const existing = this.byKey.get(key)
    if (existing !== undefined) {
      existing.count++
      if (opts.bus !== undefined) {
        const buses = existing.details.buses
        if (Array.isArray(buses)) buses.push(opts.bus)
      }
      return
    }
    this.byKey.set(key, {
      code,
      message,
      count: 1,
      details: { ...details, ...(opts.bus !== undefined ? { buses: [opts.bus] } : {}) }
    })
  }

  list (): HardwareWarning[] {
    return [...this.byKey.values()]
  }
}
