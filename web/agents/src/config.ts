/** Runtime configuration, read from `/config.json` next to the app before it starts.
 *
 * The local stack serves it with the seeded agents (`mode: "dev"`); a deployment writes it with
 * the Cognito hosted UI's settings (`mode: "cognito"`). Nothing here is baked into the build. */

export interface DevAgent {
  id: string
  name: string
  roles: string[]
  token: string
}

export interface DevAuthConfig {
  mode: 'dev'
  agents: DevAgent[]
}

export interface CognitoAuthConfig {
  mode: 'cognito'
  /** Hosted UI domain, e.g. `https://casebridge-prod.auth.eu-central-1.amazoncognito.com` */
  domain: string
  clientId: string
  redirectUri: string
  logoutUri?: string
  scopes?: string[]
}

export type AuthConfig = DevAuthConfig | CognitoAuthConfig

export interface AppConfig {
  apiBaseUrl: string
  auth: AuthConfig
  /** How often the queue asks for changed cases while no push channel is available. */
  pollIntervalMs: number
  /** The live-updates WebSocket (`wss://...` in AWS, `ws://127.0.0.1:...` locally); absent: polling only. */
  liveUrl?: string
}

export class ConfigError extends Error {}

export function parseConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== 'object') throw new ConfigError('config.json is not an object')
  const data = raw as Record<string, unknown>
  const apiBaseUrl = typeof data.apiBaseUrl === 'string' ? data.apiBaseUrl.replace(/\/+$/, '') : ''
  if (!apiBaseUrl) throw new ConfigError('config.json: apiBaseUrl is missing')
  const auth = data.auth as Record<string, unknown> | undefined
  let parsed: AuthConfig
  if (auth?.mode === 'dev') {
    const agents = Array.isArray(auth.agents) ? (auth.agents as DevAgent[]) : []
    parsed = { mode: 'dev', agents: agents.filter((a) => a && a.id && a.token) }
  } else if (auth?.mode === 'cognito') {
    for (const key of ['domain', 'clientId', 'redirectUri'] as const) {
      if (typeof auth[key] !== 'string' || !auth[key])
        throw new ConfigError(`config.json: auth.${key} is missing`)
    }
    parsed = {
      mode: 'cognito',
      domain: String(auth.domain).replace(/\/+$/, ''),
      clientId: String(auth.clientId),
      redirectUri: String(auth.redirectUri),
      logoutUri: typeof auth.logoutUri === 'string' ? auth.logoutUri : undefined,
      scopes: Array.isArray(auth.scopes) ? auth.scopes.map(String) : undefined,
    }
  } else {
    throw new ConfigError('config.json: auth.mode must be "dev" or "cognito"')
  }
  const poll = Number(data.pollIntervalMs)
  const liveUrl =
    typeof data.liveUrl === 'string' && /^wss?:\/\//.test(data.liveUrl) ? data.liveUrl : undefined
  return {
    apiBaseUrl,
    auth: parsed,
    pollIntervalMs: Number.isFinite(poll) && poll >= 1000 ? poll : 5000,
    ...(liveUrl ? { liveUrl } : {}),
  }
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<AppConfig> {
  const response = await fetcher('/config.json', { cache: 'no-store' })
  if (!response.ok) throw new ConfigError(`config.json: HTTP ${response.status}`)
  return parseConfig(await response.json())
}
