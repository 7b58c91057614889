import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config'

describe('runtime config', () => {
  it('reads the local stack config with its seeded agents', () => {
    const config = parseConfig({
      apiBaseUrl: 'http://127.0.0.1:8000/',
      auth: { mode: 'dev', agents: [{ id: 'a', name: 'A', roles: [], token: 't' }, { id: 'broken' }] },
    })
    expect(config.apiBaseUrl).toBe('http://127.0.0.1:8000')
    expect(config.auth.mode === 'dev' && config.auth.agents.map((a) => a.id)).toEqual(['a'])
    expect(config.pollIntervalMs).toBe(5000)
  })

  it('needs the hosted UI domain, client id and redirect URI for Cognito', () => {
    expect(() =>
      parseConfig({ apiBaseUrl: 'https://api', auth: { mode: 'cognito', domain: 'https://d' } }),
    ).toThrow(ConfigError)
    const config = parseConfig({
      apiBaseUrl: 'https://api',
      auth: {
        mode: 'cognito',
        domain: 'https://d/',
        clientId: 'c',
        redirectUri: 'https://app/auth/callback',
      },
    })
    expect(config.auth).toMatchObject({ mode: 'cognito', domain: 'https://d', clientId: 'c' })
  })

  it('refuses a config without an API or an auth mode', () => {
    expect(() => parseConfig({ auth: { mode: 'dev' } })).toThrow(/apiBaseUrl/)
    expect(() => parseConfig({ apiBaseUrl: 'x', auth: {} })).toThrow(/auth.mode/)
  })
})
