/** Cognito hosted UI sign-in: OAuth 2.0 authorization code with PKCE (RFC 7636), no client secret.
 *
 * Pure functions over `crypto` and `fetch`, so they are unit-tested without a user pool. */
import type { CognitoAuthConfig } from '@/config'

export interface Tokens {
  idToken: string
  accessToken: string
  refreshToken?: string
  /** epoch milliseconds */
  expiresAt: number
}

export interface Claims {
  sub?: string
  email?: string
  name?: string
  'cognito:username'?: string
  'cognito:groups'?: string[] | string
  exp?: number
  [key: string]: unknown
}

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** 43..128 characters from the unreserved set (RFC 7636 4.1): 32 random bytes give 43. */
export function createVerifier(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  return base64url(random(new Uint8Array(32)))
}

export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

export function authorizeUrl(config: CognitoAuthConfig, state: string, challenge: string): string {
  const url = new URL(`${config.domain}/oauth2/authorize`)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('redirect_uri', config.redirectUri)
  url.searchParams.set('scope', (config.scopes ?? ['openid', 'email', 'profile']).join(' '))
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('code_challenge', challenge)
  return url.toString()
}

export function logoutUrl(config: CognitoAuthConfig): string {
  const url = new URL(`${config.domain}/logout`)
  url.searchParams.set('client_id', config.clientId)
  url.searchParams.set('logout_uri', config.logoutUri ?? new URL('/', config.redirectUri).toString())
  return url.toString()
}

interface TokenResponse {
  id_token?: string
  access_token?: string
  refresh_token?: string
  expires_in?: number
  error?: string
  error_description?: string
}

export class SignInError extends Error {}

async function tokenRequest(
  config: CognitoAuthConfig,
  form: Record<string, string>,
  fetcher: typeof fetch,
  now: number,
  keepRefresh?: string,
): Promise<Tokens> {
  const response = await fetcher(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
  })
  const data = (await response.json().catch(() => ({}))) as TokenResponse
  if (!response.ok || !data.id_token || !data.access_token) {
    throw new SignInError(
      data.error_description || data.error || `token endpoint answered ${response.status}`,
    )
  }
  return {
    idToken: data.id_token,
    accessToken: data.access_token,
    refreshToken: data.refresh_token ?? keepRefresh,
    expiresAt: now + (data.expires_in ?? 3600) * 1000,
  }
}

export function exchangeCode(
  config: CognitoAuthConfig,
  code: string,
  verifier: string,
  fetcher: typeof fetch = fetch,
  now = Date.now(),
): Promise<Tokens> {
  return tokenRequest(
    config,
    { grant_type: 'authorization_code', code, redirect_uri: config.redirectUri, code_verifier: verifier },
    fetcher,
    now,
  )
}

/** Cognito answers a refresh without a new refresh token: the old one is kept. */
export function refreshTokens(
  config: CognitoAuthConfig,
  refreshToken: string,
  fetcher: typeof fetch = fetch,
  now = Date.now(),
): Promise<Tokens> {
  return tokenRequest(
    config,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    fetcher,
    now,
    refreshToken,
  )
}

export function decodeClaims(jwt: string): Claims {
  const part = jwt.split('.')[1]
  if (!part) throw new SignInError('the ID token is not a JWT')
  const padded = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4)
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
  return JSON.parse(new TextDecoder().decode(bytes)) as Claims
}

/** The agent id the API derives from the same claims (functions/core/http.py). */
export function agentFromClaims(claims: Claims): { id: string; name: string; roles: string[] } {
  const id = String(claims.email ?? claims['cognito:username'] ?? claims.sub ?? '')
  const groups = claims['cognito:groups']
  const roles = Array.isArray(groups) ? groups.map(String) : groups ? String(groups).split(/[\s,]+/) : []
  return { id, name: String(claims.name ?? claims.email ?? id), roles: roles.filter(Boolean) }
}

/** Refresh a minute before expiry, so a request never goes out with a token about to lapse. */
export function needsRefresh(tokens: Tokens, now = Date.now(), marginMs = 60_000): boolean {
  return tokens.expiresAt - marginMs <= now
}
