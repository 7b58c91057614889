/** The one place the app talks HTTP: base URL, the agent's token, JSON, and the API's error shape
 * `{"error": {"code", "message", "fields"}}` turned into an `ApiError`. */

export interface FieldError {
  field: string
  message: string
  type?: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: FieldError[]

  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface ApiClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>
  patch<T>(path: string, body: unknown): Promise<T>
  put<T>(path: string, body: unknown): Promise<T>
  del<T>(path: string): Promise<T>
}

export interface ClientOptions {
  baseUrl: string
  /** The agent's bearer token (refreshed by the caller when needed), or null when signed out. */
  token: () => Promise<string | null>
  /** Called on a 401: the session is over. */
  onUnauthorized?: () => void
  fetch?: typeof fetch
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value))
  }
  return url.toString()
}

async function toError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null)
  const error = (body as { error?: { code?: string; message?: string; fields?: FieldError[] } } | null)?.error
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? response.statusText ?? `HTTP ${response.status}`,
    error?.fields ?? [],
  )
}

export function createApiClient(options: ClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args))

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
    const token = await options.token()
    if (token) headers.Authorization = `Bearer ${token}`
    let body: string | undefined
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    let response: Response
    try {
      response = await doFetch(buildUrl(options.baseUrl, path, opts.query), {
        method,
        headers,
        body,
        signal: opts.signal,
      })
    } catch (cause) {
      if ((cause as Error)?.name === 'AbortError') throw cause
      throw new ApiError(0, 'network', 'The service cannot be reached. Check the connection and try again.')
    }
    if (response.status === 401) options.onUnauthorized?.()
    if (!response.ok) throw await toError(response)
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  return {
    request,
    get: (path, query, signal) => request('GET', path, { query, signal }),
    post: (path, body, headers) => request('POST', path, { body: body ?? {}, headers }),
    patch: (path, body) => request('PATCH', path, { body }),
    put: (path, body) => request('PUT', path, { body }),
    del: (path) => request('DELETE', path),
  }
}

let current: ApiClient | null = null

/** The app's client, set once at start-up (and by tests). */
export function setApi(client: ApiClient): void {
  current = client
}

export function api(): ApiClient {
  if (!current) throw new Error('the API client is not configured')
  return current
}
