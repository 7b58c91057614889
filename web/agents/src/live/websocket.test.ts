import { afterEach, describe, expect, it, vi } from 'vitest'
import { makeCase } from '@/test/fixtures'
import type { CaseChange, LiveUpdates, Viewer } from './types'
import { createWebSocketUpdates } from './websocket'

class FakeSocket {
  static made: FakeSocket[] = []
  sent: unknown[] = []
  onopen: (() => void) | null = null
  onclose: (() => void) | null = null
  onerror: (() => void) | null = null
  onmessage: ((event: MessageEvent) => void) | null = null
  constructor(public url: string) {
    FakeSocket.made.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.onclose?.()
  }
  open() {
    this.onopen?.()
  }
  receive(hint: unknown) {
    this.onmessage?.({ data: JSON.stringify(hint) } as MessageEvent)
  }
}

function fakeFallback() {
  const state = { running: false, starts: 0 }
  const fallback: LiveUpdates = {
    mode: 'polling',
    start() {
      state.running = true
      state.starts += 1
    },
    stop() {
      state.running = false
    },
    onChanges: () => () => {},
  }
  return { fallback, state }
}

function make() {
  FakeSocket.made = []
  const { fallback, state } = fakeFallback()
  const live = createWebSocketUpdates({
    url: 'ws://live.example/',
    token: async () => 'tok en',
    fallback,
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    heartbeatMs: 30_000,
    random: () => 1,
  })
  return { live, state }
}

afterEach(() => vi.useRealTimers())

function socketAt(index: number): FakeSocket {
  const socket = FakeSocket.made[index]
  if (!socket) throw new Error(`no socket ${index}`)
  return socket
}

describe('websocket live updates', () => {
  it('hands problem and chat hints to their listeners (not as case changes)', async () => {
    const { live } = make()
    const cases: CaseChange[][] = []
    const problems: string[] = []
    const chats: [string, number | null][] = []
    live.onChanges((c) => cases.push(c))
    live.onProblem?.((id) => problems.push(id))
    live.onChatMessage?.((id, seq) => chats.push([id, seq]))
    live.start()
    await new Promise((resolve) => setTimeout(resolve, 0))
    socketAt(0).open()
    socketAt(0).receive({ type: 'problem_changed', problem_id: 'P-1', version: 3 })
    socketAt(0).receive({ type: 'chat_message', session_id: 'S-1', seq: 7 })
    socketAt(0).receive({ type: 'chat_message' }) // no session: ignored
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(problems).toEqual(['P-1'])
    expect(chats).toEqual([['S-1', 7]])
    expect(cases).toEqual([])
    live.stop()
  })

  it('connects with the token, stops polling once open and turns case hints into changes', async () => {
    const { live, state } = make()
    const seen: CaseChange[][] = []
    live.onChanges((c) => seen.push(c))
    live.start()
    await new Promise((resolve) => setTimeout(resolve, 0))
    const socket = socketAt(0)
    expect(socket.url).toBe('ws://live.example/?token=tok%20en')
    expect(state.running).toBe(true) // polls until the socket is open
    socket.open()
    expect(state.running).toBe(false)
    expect(live.connected?.()).toBe(true)
    socket.receive({ type: 'case_changed', case_id: 'CB-1', version: 2, updated_at: 't' })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(seen).toEqual([[{ caseId: 'CB-1', updatedAt: 't' }]])
    live.stop()
  })

  it('reads the hinted cases back in one request so that the changes carry them', async () => {
    vi.useFakeTimers()
    FakeSocket.made = []
    const changed = makeCase({ case_id: 'CB-2', updated_at: '2026-01-01T00:00:05.000Z' })
    const fetchChanged = vi.fn(async () => [changed])
    const live = createWebSocketUpdates({
      url: 'ws://live.example/',
      token: async () => 't',
      fallback: fakeFallback().fallback,
      fetchChanged,
      createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    })
    const seen: CaseChange[][] = []
    live.onChanges((c) => seen.push(c))
    live.start()
    await vi.advanceTimersByTimeAsync(0)
    socketAt(0).open()
    socketAt(0).receive({ type: 'case_changed', case_id: 'CB-2', updated_at: '2026-01-01T00:00:05.000Z' })
    socketAt(0).receive({ type: 'case_changed', case_id: 'CB-3', updated_at: '2026-01-01T00:00:04.000Z' })
    await vi.advanceTimersByTimeAsync(300)
    expect(fetchChanged).toHaveBeenCalledWith('2026-01-01T00:00:03.000Z')
    expect(seen).toEqual([
      [
        { caseId: 'CB-2', updatedAt: changed.updated_at, current: changed },
        { caseId: 'CB-3', updatedAt: '2026-01-01T00:00:04.000Z' },
      ],
    ])
    live.stop()
  })

  it('announces the watched case, repeats it as a heartbeat and passes presence on', async () => {
    vi.useFakeTimers()
    const { live } = make()
    const presence: [string, Viewer[]][] = []
    live.onPresence?.((id, viewers) => presence.push([id, viewers]))
    live.watch?.('CB-7')
    live.start()
    await vi.advanceTimersByTimeAsync(0)
    const socket = socketAt(0)
    socket.open()
    live.composing?.('CB-7', true)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(socket.sent).toEqual([
      { type: 'watch', case_id: 'CB-7' },
      { type: 'composing', case_id: 'CB-7', composing: true },
      { type: 'watch', case_id: 'CB-7' },
      { type: 'composing', case_id: 'CB-7', composing: true },
    ])
    const lea = { agent_id: 'lea', name: 'Lea', composing: true }
    socket.receive({ type: 'presence', case_id: 'CB-7', viewers: [lea] })
    expect(presence).toEqual([['CB-7', [lea]]])
    live.stop()
  })

  it('falls back to polling when the socket drops and reconnects with a growing pause', async () => {
    vi.useFakeTimers()
    const { live, state } = make()
    live.start()
    await vi.advanceTimersByTimeAsync(0)
    socketAt(0).open()
    socketAt(0).close()
    expect(state.running).toBe(true)
    await vi.advanceTimersByTimeAsync(999)
    expect(FakeSocket.made).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.made).toHaveLength(2)
    socketAt(1).close() // refused: the next try waits longer
    await vi.advanceTimersByTimeAsync(1999)
    expect(FakeSocket.made).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeSocket.made).toHaveLength(3)
    socketAt(2).open()
    expect(state.running).toBe(false)
    live.stop()
  })
})
