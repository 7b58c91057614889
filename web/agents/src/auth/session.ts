/** Who is signed in, and their token. Kept in sessionStorage: each browser tab can be another agent
 * on the local stack, and closing the tab signs out. */
import { computed, reactive } from 'vue'
import type { AppConfig, CognitoAuthConfig, DevAgent } from '@/config'
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
  type Tokens,
} from './pkce'

export interface SignedInAgent {
  id: string
  name: string
  roles: string[]
}

interface StoredSession {
  agent: SignedInAgent
  token: string
  tokens?: Tokens
}

const KEY = 'casebridge.session'
const PKCE_KEY = 'casebridge.pkce'

const state = reactive<{ session: StoredSession | null }>({ session: read() })

function read(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as StoredSession) : null
  } catch {
    return null
  }
}

function write(session: StoredSession | null): void {
  state.session = session
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session))
  else sessionStorage.removeItem(KEY)
}

export const currentAgent = computed<SignedInAgent | null>(() => state.session?.agent ?? null)
export const isSignedIn = computed(() => state.session !== null)

export function hasRole(...roles: string[]): boolean {
  return roles.some((r) => state.session?.agent.roles.includes(r))
}

export function signInAsDevAgent(agent: DevAgent): void {
  write({
    agent: { id: agent.id, name: agent.name || agent.id, roles: agent.roles ?? [] },
    token: agent.token,
  })
}

export async function beginCognitoSignIn(config: CognitoAuthConfig, returnTo: string): Promise<string> {
  const verifier = createVerifier()
  const stateValue = createVerifier()
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state: stateValue, returnTo }))
  return authorizeUrl(config, stateValue, await challengeFor(verifier))
}

/** Finish the redirect from the hosted UI; answers where to go next. */
export async function completeCognitoSignIn(
  config: CognitoAuthConfig,
  params: URLSearchParams,
): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string
    state: string
    returnTo: string
  } | null
  sessionStorage.removeItem(PKCE_KEY)
  if (params.get('error')) throw new SignInError(params.get('error_description') ?? params.get('error') ?? '')
  const code = params.get('code')
  if (!pending || !code || params.get('state') !== pending.state) {
    throw new SignInError('the sign-in answer does not match a sign-in started here')
  }
  const tokens = await exchangeCode(config, code, pending.verifier)
  write({ agent: agentFromClaims(decodeClaims(tokens.idToken)), token: tokens.idToken, tokens })
  return pending.returnTo || '/'
}

let refreshing: Promise<void> | null = null

/** The bearer token for the next request (refreshed first when it is about to expire). */
export async function bearerToken(config: AppConfig): Promise<string | null> {
  const session = state.session
  if (!session) return null
  if (config.auth.mode === 'cognito' && session.tokens && needsRefresh(session.tokens)) {
    const auth = config.auth
    const refresh = session.tokens.refreshToken
    if (!refresh) {
      write(null)
      return null
    }
    refreshing ??= refreshTokens(auth, refresh)
      .then((tokens) => write({ ...session, token: tokens.idToken, tokens }))
      .catch(() => write(null))
      .finally(() => {
        refreshing = null
      })
    await refreshing
  }
  return state.session?.token ?? null
}

/** Forget the session; answers the hosted UI's logout URL when there is one to visit. */
export function signOut(config: AppConfig): string | null {
  write(null)
  return config.auth.mode === 'cognito' ? logoutUrl(config.auth) : null
}
