/** Outcome of validating one gossip message (the first copy; duplicates never reach validation). */
export type GossipOutcome = 'accept' | 'ignore' | 'reject'

export interface TopicCounters {
  accept: number
  ignore: number
  reject: number
  /** messages this node published on the topic */
  published: number
  /** validated messages handed to the application (received and local) */
  delivered: number
  /** validated messages dropped because handlers were saturated (back-pressure) */
  dropped: number
}

export interface GossipCountersSnapshot {
  topics: Record<string, TopicCounters>
  /** one row per (topic, outcome, code) that occurred, e.g. providers/reject/BAD_SIGNATURE */
  codes: Array<{ topic: string, outcome: Exclude<GossipOutcome, 'accept'>, code: string, count: number }>
}

function zero (): TopicCounters {
  return { accept: 0, ignore: 0, reject: 0, published: 0, delivered: 0, dropped: 0 }
}

/**
 * Counters per topic x outcome plus per error code. Topics and codes are bounded sets (topic
 * enum, typed error codes, 'INTERNAL' for anything else), so the maps cannot grow without bound.
 */
export class GossipCounters {
  private readonly topics = new Map<string, TopicCounters>()
  private readonly codes = new Map<string, number>()

  constructor (topics: readonly string[]) {
    for (const t of topics) this.topics.set(t, zero())
  }

  private of (topic: string): TopicCounters {
    let c = this.topics.get(topic)
    if (c === undefined) { c = zero(); this.topics.set(topic, c) }
    return c
  }

  outcome (topic: string, outcome: GossipOutcome, code?: string): void {
    this.of(topic)[outcome]++
    if (outcome !== 'accept') {
      const key = `${topic}\u0000${outcome}\u0000${code ?? 'INTERNAL'}`
      this.codes.set(key, (this.codes.get(key) ?? 0) + 1)
    }
  }

  add (topic: string, field: 'published' | 'delivered' | 'dropped'): void {
    this.of(topic)[field]++
  }

  snapshot (): GossipCountersSnapshot {
    const topics: Record<string, TopicCounters> = {}
    for (const [t, c] of this.topics) topics[t] = { ...c }
    const codes = [...this.codes].map(([k, count]) => {
      const [topic, outcome, code] = k.split('\u0000') as [string, 'ignore' | 'reject', string]
      return { topic, outcome, code, count }
    }).sort((a, b) => a.topic.localeCompare(b.topic) || a.outcome.localeCompare(b.outcome) || a.code.localeCompare(b.code))
    return { topics, codes }
  }
}
