import { describe, expect, it } from 'vitest'
import { ALL_ROLES, parseRoles, rolesFromUserAgent, userAgentOf } from '../../../src/node/roles.js'

describe('roles in the identify agent version', () => {
  it('userAgentOf lists the roles sorted, so equal role sets give equal agents', () => {
    expect(userAgentOf('0.1.0', ['tenant'])).toBe('skymesh/0.1.0 (tenant)')
    expect(userAgentOf('0.1.0', ['relay', 'provider'])).toBe('skymesh/0.1.0 (provider,relay)')
    expect(userAgentOf('0.1.0', ['provider', 'relay'])).toBe(userAgentOf('0.1.0', ['relay', 'provider']))
    expect(userAgentOf('0.1.0', [])).toBe('skymesh/0.1.0 ()')
  })

  it('rolesFromUserAgent reads them back', () => {
    for (const roles of [['tenant'], ['provider', 'relay'], ['provider', 'relay', 'tenant'], []] as const) {
      expect(rolesFromUserAgent(userAgentOf('1.2.3-rc.1', roles))).toEqual([...roles].sort())
    }
  })

  it('a non-skymesh agent, no agent, or unknown roles give no roles', () => {
    expect(rolesFromUserAgent(undefined)).toEqual([])
    expect(rolesFromUserAgent('js-libp2p/2.10.0 UserAgent=v20.19.0')).toEqual([])
    expect(rolesFromUserAgent('go-ipfs/0.8.0 (provider)')).toEqual([])
    expect(rolesFromUserAgent('skymesh/0.1.0')).toEqual([])
    expect(rolesFromUserAgent('skymesh/0.1.0 (miner,relay)')).toEqual(['relay'])
    expect(rolesFromUserAgent('skymesh/0.1.0 (PROVIDER)')).toEqual([])
  })
})

describe('parseRoles', () => {
  it('accepts known roles, drops duplicates, keeps the order given', () => {
    expect(parseRoles(['relay', 'provider', 'relay'])).toEqual(['relay', 'provider'])
    expect(parseRoles([...ALL_ROLES])).toEqual(['provider', 'tenant', 'relay'])
    expect(parseRoles([])).toEqual([])
  })

  it('refuses the whole list if one role is unknown', () => {
    expect(parseRoles(['provider', 'miner'])).toBeUndefined()
    expect(parseRoles(['Provider'])).toBeUndefined()
    expect(parseRoles([''])).toBeUndefined()
  })
})
