import { TopicValidatorResult, type Message, type PeerId, type PubSub } from '@libp2p/interface'
import type { KeyObjectCache } from '../identity/index.js'
import type { Clock } from '../util/clock.js'
import { errorMessage, isSkymeshError } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import {
  ALL_TOPICS, TOPIC_OF, checkContext, decodeEnvelope, parseTopic, topicName,
  type AnySignedMessage, type MessageType, type SignedMessage, type Topic
} from '../wire/index.js'
import { P2pError } from './errors.js'
import { GossipCounters, type GossipCountersSnapshot, type GossipOutcome } from './gossip-counters.js'

/** Who a message came from: the peer that forwarded it to us (not necessarily its signer). */
export interface GossipContext {
  from: string
}

/**
 * A per-type application check. Throw a SkymeshError whose action says what the message deserves
 * (IGNORE or REJECT); return normally to accept. Only a proven bad message may REJECT.
 */
export type MessageValidator<T extends MessageType> = (msg: SignedMessage<T>, ctx: GossipContext) => void | Promise<void>

/** Receives validated messages only: decoded, signature-checked, on the right topic and network. */
export type MessageHandler<T extends MessageType> = (msg: SignedMessage<T>, ctx: GossipContext & { local: boolean }) => void | Promise<void>

export interface GossipServiceOptions {
  networkId: string
  protocolPrefix: string
  maxClockSkewMs: number
  /** async handler calls in flight before new deliveries are dropped (and counted) */
  maxPendingHandlers: number
}

export const defaultGossipServiceOptions = {
  // Handlers are in-memory updates; 1024 pending means the node is far behind, and dropping is
  // safer than queueing without bound (the sync protocol recovers what was dropped).
  maxPendingHandlers: 1024
} satisfies Partial<GossipServiceOptions>

export interface GossipModules {
  pubsub: PubSub
  clock: Clock
  logger: Logger
  keyCache?: KeyObjectCache
}

export type ValidationResult =
  | { outcome: 'accept', msg: AnySignedMessage }
  | { outcome: Exclude<GossipOutcome, 'accept'>, code: string, error: unknown }

/** The one mapping from a thrown error to an outcome: our own bugs never punish a peer. */
export function outcomeOfError (err: unknown): { outcome: Exclude<GossipOutcome, 'accept'>, code: string } {
  if (isSkymeshError(err)) return { outcome: err.action === 'REJECT' ? 'reject' : 'ignore', code: err.code }
  return { outcome: 'ignore', code: 'INTERNAL' }
}

const RESULT: Record<GossipOutcome, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject
}

type AnyValidator = (msg: AnySignedMessage, ctx: GossipContext) => void | Promise<void>
type AnyHandler = (msg: AnySignedMessage, ctx: GossipContext & { local: boolean }) => void | Promise<void>

/**
 * The gossip layer: one validator per topic (the adapter below), per-type application validators
 * and handlers registered by higher layers, counters per topic and outcome.
 *
 *   data ─ decodeEnvelope (size, canonical CBOR, schema, signature)
 *        ─ TOPIC_OF[type] === topic
 *        ─ checkContext (network id, clock skew)
 *        ─ registered validators of that type
 *        → accept / ignore / reject (gossipsub scores the sender on reject)
 *
 * Handlers run after gossipsub accepted the message, with the decoded message the validator
 * produced (kept in a WeakMap keyed by gossipsub's message object, so nothing is decoded twice).
 */
export class GossipService {
  private readonly opts: GossipServiceOptions
  private readonly counters: GossipCounters
  private readonly validators = new Map<MessageType, AnyValidator[]>()
  private readonly handlers = new Map<MessageType, AnyHandler[]>()
  private readonly validated = new WeakMap<Message, { msg: AnySignedMessage, from: string }>()
  private readonly topicNames = new Map<Topic, string>()
  private pending = 0
  private started = false

  constructor (opts: Pick<GossipServiceOptions, 'networkId' | 'protocolPrefix' | 'maxClockSkewMs'> & Partial<GossipServiceOptions>, private readonly modules: GossipModules) {
    this.opts = { ...defaultGossipServiceOptions, ...opts }
    for (const t of ALL_TOPICS) this.topicNames.set(t, topicName(this.opts.protocolPrefix, this.opts.networkId, t))
    this.counters = new GossipCounters(ALL_TOPICS)
  }

  /** Full topic string of a topic, e.g. /skymesh/skymesh-local/1/providers. */
  topic (t: Topic): string {
    return this.topicNames.get(t) as string
  }

  /** Peers known to subscribe to a topic (0 right after connecting, until subscriptions arrive). */
  subscribers (t: Topic): number {
    return this.modules.pubsub.getSubscribers(this.topic(t)).length
  }

  registerValidator<T extends MessageType> (type: T, fn: MessageValidator<T>): () => void {
    return addTo(this.validators, type, fn as unknown as AnyValidator)
  }

  onMessage<T extends MessageType> (type: T, handler: MessageHandler<T>): () => void {
    return addTo(this.handlers, type, handler as unknown as AnyHandler)
  }

  start (): void {
    if (this.started) return
    this.started = true
    const { pubsub } = this.modules
    for (const [t, name] of this.topicNames) {
      pubsub.topicValidators.set(name, async (peer: PeerId, message: Message) => await this.topicValidator(t, peer, message))
      pubsub.subscribe(name)
    }
    pubsub.addEventListener('message', this.onGossipMessage)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    const { pubsub } = this.modules
    pubsub.removeEventListener('message', this.onGossipMessage)
    for (const name of this.topicNames.values()) {
      pubsub.topicValidators.delete(name)
      try { pubsub.unsubscribe(name) } catch { /* pubsub already stopped */ }
    }
  }

  /**
   * The adapter, callable without libp2p: everything a message of `topic` must pass, as one
   * outcome. Never throws.
   */
  async validate (topic: Topic, data: Uint8Array, ctx: GossipContext): Promise<ValidationResult> {
    try {
      const msg = decodeEnvelope(data, this.modules.keyCache === undefined ? {} : { keyCache: this.modules.keyCache })
      // [REJECT] a message type that travels on another topic
      if (TOPIC_OF[msg.type] !== topic) {
        throw new P2pError('WRONG_TOPIC', `${msg.type} travels on ${TOPIC_OF[msg.type]}, not ${topic}`, { details: { type: msg.type, topic } })
      }
      checkContext(msg, { networkId: this.opts.networkId, now: this.modules.clock.now(), maxClockSkewMs: this.opts.maxClockSkewMs })
      for (const v of this.validators.get(msg.type) ?? []) await v(msg, ctx)
      return { outcome: 'accept', msg }
    } catch (err) {
      return { ...outcomeOfError(err), error: err }
    }
  }

  /**
   * Publish a signed message on its topic. It passes the same validation first (a bug of ours
   * must not spread), then goes to local handlers, then to the mesh. Returns how many peers it
   * was sent to (0 is fine: the DHT and periodic re-announces cover a node with no peers yet).
   */
  async publish (msg: AnySignedMessage): Promise<{ recipients: number }> {
    const topic = TOPIC_OF[msg.type]
    const result = await this.validate(topic, msg.bytes, { from: 'self' })
    if (result.outcome !== 'accept') {
      throw new P2pError('PUBLISH_FAILED', `refusing to publish an invalid ${msg.type} (${result.code}): ${errorMessage(result.error)}`, { details: { code: result.code }, badInput: false, cause: result.error })
    }
    this.counters.add(topic, 'published')
    this.deliver(topic, result.msg, { from: 'self', local: true })
    try {
      const res = await this.modules.pubsub.publish(this.topic(topic), msg.bytes)
      return { recipients: res.recipients.length }
    } catch (err) {
      throw new P2pError('PUBLISH_FAILED', `publishing ${msg.type} failed: ${errorMessage(err)}`, { badInput: false, cause: err })
    }
  }

  counterSnapshot (): GossipCountersSnapshot {
    return this.counters.snapshot()
  }

  private async topicValidator (topic: Topic, peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    // gossipsub only calls the validator of the topic it is registered for; the check keeps the
    // adapter honest if that ever changes.
    if (parseTopic(this.opts.protocolPrefix, this.opts.networkId, message.topic) !== topic) {
      this.counters.outcome(topic, 'reject', 'UNKNOWN_TOPIC')
      return TopicValidatorResult.Reject
    }
    const from = peer.toString()
    const r = await this.validate(topic, message.data, { from })
    if (r.outcome === 'accept') {
      this.validated.set(message, { msg: r.msg, from })
      this.counters.outcome(topic, 'accept')
    } else {
      this.counters.outcome(topic, r.outcome, r.code)
      if (r.code === 'INTERNAL') this.modules.logger.warn('gossip validator failed', { topic, error: errorMessage(r.error) })
      else this.modules.logger.debug('gossip message dropped', { topic, outcome: r.outcome, code: r.code, from })
    }
    return RESULT[r.outcome]
  }

  private readonly onGossipMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    const v = this.validated.get(message)
    if (v === undefined) return
    this.validated.delete(message)
    this.deliver(TOPIC_OF[v.msg.type], v.msg, { from: v.from, local: false })
  }

  private deliver (topic: Topic, msg: AnySignedMessage, ctx: GossipContext & { local: boolean }): void {
    const handlers = this.handlers.get(msg.type)
    if (handlers === undefined || handlers.length === 0) return
    if (this.pending >= this.opts.maxPendingHandlers) {
      this.counters.add(topic, 'dropped')
      return
    }
    this.counters.add(topic, 'delivered')
    for (const h of handlers) {
      let r: void | Promise<void>
      try {
        r = h(msg, ctx)
      } catch (err) {
        this.modules.logger.warn('gossip handler failed', { type: msg.type, error: errorMessage(err) })
        continue
      }
      if (r instanceof Promise) {
        this.pending++
        r.catch((err: unknown) => { this.modules.logger.warn('gossip handler failed', { type: msg.type, error: errorMessage(err) }) })
          .finally(() => { this.pending-- })
      }
    }
  }
}

function addTo<K, V> (map: Map<K, V[]>, key: K, value: V): () => void {
  const list = map.get(key) ?? []
  list.push(value)
  map.set(key, list)
  return () => {
    const l = map.get(key)
    if (l === undefined) return
    const i = l.indexOf(value)
    if (i >= 0) l.splice(i, 1)
  }
}
