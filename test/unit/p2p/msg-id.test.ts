import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { fastGossipMsgId, gossipMsgId, msgIdToString } from '../../../src/p2p/index.js'
import { messageId } from '../../../src/wire/index.js'
import { announce } from './helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('gossip message ids', () => {
  it('the gossip id of an envelope is its wire message id, sha256 of the bytes', async () => {
    const msg = announce(await NodeKey.generate())
    expect(hex(gossipMsgId({ data: msg.bytes }))).toBe(hex(msg.id))
    expect(hex(gossipMsgId({ data: msg.bytes }))).toBe(hex(messageId(msg.bytes)))
  })

  it('the fast id is the same digest as a string, so a duplicate is dropped before it is decoded', async () => {
    const msg = announce(await NodeKey.generate())
    const copy = msg.bytes.slice()
    expect(fastGossipMsgId({ data: copy })).toBe(fastGossipMsgId({ data: msg.bytes }))
    expect(fastGossipMsgId({ data: msg.bytes })).toBe(Buffer.from(msg.id).toString('base64'))
    expect(fastGossipMsgId({ data: msg.bytes })).toBe(msgIdToString(gossipMsgId({ data: msg.bytes })))
  })

  it('different data, different ids; no data hashes as empty', () => {
    const a = new Uint8Array([1, 2, 3])
    const b = new Uint8Array([1, 2, 4])
    expect(fastGossipMsgId({ data: a })).not.toBe(fastGossipMsgId({ data: b }))
    expect(fastGossipMsgId({})).toBe(createHash('sha256').update(new Uint8Array(0)).digest('base64'))
  })

  it('the digest cache never returns one buffer\'s id for another, equal-length buffer', () => {
    const a = new Uint8Array(64).fill(1)
    const b = new Uint8Array(64).fill(2)
    const ia = hex(gossipMsgId({ data: a }))
    expect(hex(gossipMsgId({ data: b }))).toBe(createHash('sha256').update(b).digest('hex'))
    expect(hex(gossipMsgId({ data: a }))).toBe(ia)
  })

  it('msgIdToString reads only the view, not the whole underlying buffer', () => {
    const backing = new Uint8Array(64).map((_, i) => i)
    const view = backing.subarray(16, 48)
    expect(msgIdToString(view)).toBe(Buffer.from(backing.slice(16, 48)).toString('base64'))
  })
})
