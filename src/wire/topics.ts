import type { MessageType } from './messages.js'

/**
 * Gossip topics. Names are `/<prefix>/<network id>/<protocol version>/<topic>`, so devnets and
 * protocol versions never share a mesh.
 */
export enum Topic {
  orders = 'orders',
  bids = 'bids',
  auction = 'auction',
  leases = 'leases',
  providers = 'providers'
}

/** 2: seals and awards carry the commits and reveals they rely on; Evidence and Complaint */
export const PROTOCOL_VERSION = '2'
export const ALL_TOPICS: readonly Topic[] = [Topic.orders, Topic.bids, Topic.auction, Topic.leases, Topic.providers]

/** Which topic each message type travels on; a message on another topic is rejected. */
export const TOPIC_OF: Record<MessageType, Topic> = {
  Order: Topic.orders,
  BidCommit: Topic.bids,
  BidReveal: Topic.bids,
  NoBid: Topic.bids,
  Seal: Topic.auction,
  Award: Topic.auction,
  LeaseAccept: Topic.leases,
  LeaseClose: Topic.leases,
  ProviderAnnounce: Topic.providers,
  Evidence: Topic.auction,
  Complaint: Topic.auction
}

export function topicName (prefix: string, networkId: string, topic: Topic): string {
  return `/${prefix}/${networkId}/${PROTOCOL_VERSION}/${topic}`
}

/** Inverse of topicName; undefined for a topic of another network or version. */
export function parseTopic (prefix: string, networkId: string, name: string): Topic | undefined {
  const head = `/${prefix}/${networkId}/${PROTOCOL_VERSION}/`
  if (!name.startsWith(head)) return undefined
  const t = name.slice(head.length)
  return (ALL_TOPICS as readonly string[]).includes(t) ? t as Topic : undefined
}
