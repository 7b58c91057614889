import { describe, expect, it, vi } from 'vitest'
import type { CognitoAuthConfig } from '@/config'
import {
  agentFromClaims,
  authorizeUrl,
  challengeFor,
  createVerifier,
  decodeClaims,
  exchangeCode,
  logoutUrl,
  needsRefresh,
  refreshTokens,
  SignInError,
} from './pkce'

const config: CognitoAuthConfig = {
  mode: 'cognito',
  domain: 'https://casebridge.auth.eu-central-1.amazoncognito.com',
  clientId: 'client-123',
  redirectUri: 'https://agents.example/auth/callback',
}

const jwt = (claims: object) =>
  [
    'e30',
    btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    'sig',
  ].join('.')

function tokenEndpoint(status: number, body: object) {
  return vi.fn(
    async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(JSON.stringify(body), { status }),
  )
}

describe('PKCE', () => {
  it('makes a verifier of 43 unreserved characters from 32 random bytes', () => {
    const verifier = createVerifier()
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(createVerifier()).not.toBe(verifier)
  })

  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
  })

  it('sends the agent to the hosted UI with code flow, state and challenge', () => {
    const url = new URL(authorizeUrl(config, 'state-1', 'challenge-1'))
    expect(url.origin + url.pathname).toBe(`${config.domain}/oauth2/authorize`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-123',
      redirect_uri: config.redirectUri,
      scope: 'openid email profile',
      state: 'state-1',
      code_challenge_method: 'S256',
      code_challenge: 'challenge-1',
    })
  })

  it('exchanges the code with the verifier and no client secret', async () => {
    const fetcher = tokenEndpoint(200, {
      id_token: 'id',
      access_token: 'access',
      refresh_token: 'refresh',
      expires_in: 3600,
    })
    const tokens = await exchangeCode(config, 'code-1', 'verifier-1', fetcher as typeof fetch, 1_000)
    const [url, init] = fetcher.mock.calls[0]!
    expect(url).toBe(`${config.domain}/oauth2/token`)
    expect(Object.fromEntries(new URLSearchParams(String(init?.body)))).toEqual({
      client_id: 'client-123',
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: config.redirectUri,
      code_verifier: 'verifier-1',
    })
    expect(tokens).toEqual({
      idToken: 'id',
      accessToken: 'access',
      refreshToken: 'refresh',
      expiresAt: 1_000 + 3_600_000,
    })
  })

  it('says why when the token endpoint refuses', async () => {
    const fetcher = tokenEndpoint(400, { error: 'invalid_grant', error_description: 'code expired' })
    await expect(exchangeCode(config, 'c', 'v', fetcher as typeof fetch)).rejects.toThrow(
      new SignInError('code expired'),
    )
  })

  it('keeps the refresh token when a refresh answers without one', async () => {
    const fetcher = tokenEndpoint(200, { id_token: 'id2', access_token: 'a2', expires_in: 60 })
    const tokens = await refreshTokens(config, 'refresh-1', fetcher as typeof fetch, 0)
    expect(tokens.refreshToken).toBe('refresh-1')
    expect(new URLSearchParams(String(fetcher.mock.calls[0]![1]?.body)).get('grant_type')).toBe(
      'refresh_token',
    )
  })

  it('refreshes a minute before the token expires', () => {
    const tokens = { idToken: '', accessToken: '', expiresAt: 100_000 }
    expect(needsRefresh(tokens, 30_000)).toBe(false)
    expect(needsRefresh(tokens, 40_000)).toBe(true)
  })

  it('names the agent from the ID token as the API does (email, then username, then sub) with its groups', () => {
    const claims = decodeClaims(
      jwt({ sub: 's', email: 'rita@x.example', 'cognito:groups': ['reviewers'], name: 'Rita' }),
    )
    expect(agentFromClaims(claims)).toEqual({ id: 'rita@x.example', name: 'Rita', roles: ['reviewers'] })
    expect(agentFromClaims({ sub: 's', 'cognito:username': 'rita' }).id).toBe('rita')
  })

  it('logs out through the hosted UI back to the app', () => {
    const url = new URL(logoutUrl(config))
    expect(url.pathname).toBe('/logout')
    expect(url.searchParams.get('logout_uri')).toBe('https://agents.example/')
  })
})
