import type { Case } from '@/api/types'
import type { CaseChange, LiveUpdates, Viewer } from './types'

/** "This changed" hints pushed over a WebSocket (API Gateway WebSocket API; locally the stack's
 * own server): `case_changed` becomes a CaseChange without the case (the caches refetch it),
 * `presence` goes to the presence listeners, `problem_changed` and `chat_message` to theirs. With `fetchChanged`, the hints of a moment are read
 * back in one GET /cases?updated_since= so that the changes carry the cases (the queues place them
 * and announce new ones). While the socket is down the fallback (the poller)
 * runs, and the socket is tried again with a growing pause (1 s, 2 s, 4 s ... 30 s, jittered). */
export interface WebSocketOptions {
  url: string
  /** the agent's token (ID token in AWS, development token locally), sent as `?token=` */
  token: () => Promise<string | null>
  fallback: LiveUpdates
  /** the cases changed since an instant (GET /cases?updated_since=) */
  fetchChanged?: (since: string) => Promise<Case[]>
  createSocket?: (url: string) => WebSocket
  heartbeatMs?: number
  maxBackoffMs?: number
  random?: () => number
}

interface Hint {
  type: string
  case_id?: string
  updated_at?: string
  viewers?: Viewer[]
  problem_id?: string
  session_id?: string
  seq?: number | null
}

export function createWebSocketUpdates(options: WebSocketOptions): LiveUpdates {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url))
  const heartbeatMs = options.heartbeatMs ?? 30_000
  const maxBackoffMs = options.maxBackoffMs ?? 30_000
  const random = options.random ?? Math.random
  const fallback = options.fallback
  const listeners = new Set<(changes: CaseChange[]) => void>()
  const presenceListeners = new Set<(caseId: string, viewers: Viewer[]) => void>()
  const problemListeners = new Set<(problemId: string) => void>()
  const chatListeners = new Set<(sessionId: string, seq: number | null) => void>()
  let socket: WebSocket | null = null
  let open = false
  let running = false
  let attempts = 0
  let retry: ReturnType<typeof setTimeout> | null = null
  let heartbeat: ReturnType<typeof setInterval> | null = null
  let watching: string | null = null
  let typing = false
  const pending = new Map<string, string>()
  let flushing: ReturnType<typeof setTimeout> | null = null

  function emit(changes: CaseChange[]): void {
    if (changes.length) for (const listener of listeners) listener(changes)
  }

  async function flush(): Promise<void> {
    flushing = null
    const hinted = [...pending.entries()]
    pending.clear()
    const fetchChanged = options.fetchChanged
    let cases: Case[] = []
    if (fetchChanged) {
      const earliest = Math.min(...hinted.map(([, at]) => Date.parse(at) || Date.now()))
      cases = await fetchChanged(new Date(earliest - 1000).toISOString()).catch(() => [])
    }
    emit(
      hinted.map(([caseId, updatedAt]) => {
        const current = cases.find((c) => c.case_id === caseId)
        return current ? { caseId, updatedAt: current.updated_at, current } : { caseId, updatedAt }
      }),
    )
  }

  fallback.onChanges((changes) => {
    for (const listener of listeners) listener(changes)
  })

  function send(message: Record<string, unknown>): void {
    if (open && socket) socket.send(JSON.stringify(message))
  }

  function announceWatch(): void {
    if (watching) send({ type: 'watch', case_id: watching })
    else send({ type: 'unwatch' })
    if (watching && typing) send({ type: 'composing', case_id: watching, composing: true })
  }

  function onMessage(event: MessageEvent): void {
    let hint: Hint
    try {
      hint = JSON.parse(String(event.data)) as Hint
    } catch {
      return
    }
    if (hint.type === 'case_changed' && hint.case_id) {
      pending.set(hint.case_id, hint.updated_at ?? '')
      flushing ??= setTimeout(() => void flush(), options.fetchChanged ? 250 : 0)
    } else if (hint.type === 'presence' && hint.case_id && Array.isArray(hint.viewers)) {
      for (const listener of presenceListeners) listener(hint.case_id, hint.viewers)
    } else if (hint.type === 'problem_changed' && hint.problem_id) {
      for (const listener of problemListeners) listener(hint.problem_id)
    } else if (hint.type === 'chat_message' && hint.session_id) {
      for (const listener of chatListeners) listener(hint.session_id, hint.seq ?? null)
    }
  }

  function scheduleReconnect(): void {
    if (!running || retry) return
    const base = Math.min(maxBackoffMs, 1000 * 2 ** attempts)
    attempts += 1
    retry = setTimeout(
      () => {
        retry = null
        void connect()
      },
      base / 2 + random() * (base / 2),
    )
  }

  async function connect(): Promise<void> {
    if (!running) return
    const token = await options.token().catch(() => null)
    if (!token || !running) {
      scheduleReconnect()
      return
    }
    const separator = options.url.includes('?') ? '&' : '?'
    const ws = createSocket(`${options.url}${separator}token=${encodeURIComponent(token)}`)
    socket = ws
    ws.onopen = () => {
      if (socket !== ws) return
      open = true
      attempts = 0
      fallback.stop()
      announceWatch()
      heartbeat = setInterval(announceWatch, heartbeatMs)
    }
    ws.onmessage = onMessage
    ws.onclose = () => {
      if (socket !== ws) return
      open = false
      socket = null
      if (heartbeat) clearInterval(heartbeat)
      heartbeat = null
      if (running) {
        fallback.start()
        scheduleReconnect()
      }
    }
    ws.onerror = () => ws.close()
  }

  return {
    mode: 'websocket',
    start() {
      if (running) return
      running = true
      fallback.start() // until the socket is open
      void connect()
    },
    stop() {
      running = false
      if (retry) clearTimeout(retry)
      retry = null
      if (flushing) clearTimeout(flushing)
      flushing = null
      pending.clear()
      if (heartbeat) clearInterval(heartbeat)
      heartbeat = null
      const ws = socket
      socket = null
      open = false
      ws?.close()
      fallback.stop()
    },
    onChanges(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    watch(caseId) {
      if (caseId === watching) return
      watching = caseId
      typing = false
      announceWatch()
    },
    composing(caseId, composing) {
      if (caseId !== watching || composing === typing) return
      typing = composing
      send({ type: 'composing', case_id: caseId, composing })
    },
    onPresence(listener) {
      presenceListeners.add(listener)
      return () => presenceListeners.delete(listener)
    },
    onProblem(listener) {
      problemListeners.add(listener)
      return () => problemListeners.delete(listener)
    },
    onChatMessage(listener) {
      chatListeners.add(listener)
      return () => chatListeners.delete(listener)
    },
    connected: () => open,
  }
}
