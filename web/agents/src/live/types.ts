/** "This changed" hints. The REST API stays the source of truth: a hint says which case changed
 * (and, from the poller, what it looks like now); the caches are updated or refetched from it.
 *
 * Two implementations: the websocket one (API Gateway WebSocket, hints pushed by the table's
 * stream; `websocket.ts`), picked when config.json names a `liveUrl`, which falls back to the
 * poller (GET /cases?updated_since=...; `polling.ts`) while its socket is down. */
import type { Case } from '@/api/types'

export interface CaseChange {
  caseId: string
  updatedAt: string
  /** the case as it is now, when the source has it (the poller does; a push hint may not) */
  current?: Case
}

/** An agent who has a case open (presence), and whether they are typing in its composer. */
export interface Viewer {
  agent_id: string
  name: string
  composing: boolean
}

export interface LiveUpdates {
  readonly mode: 'polling' | 'websocket'
  start(): void
  stop(): void
  onChanges(listener: (changes: CaseChange[]) => void): () => void
  /** Presence (websocket only): the case this tab has open (null: none), repeated as a heartbeat. */
  watch?(caseId: string | null): void
  /** Presence: this agent is (not) typing in the case's composer. */
  composing?(caseId: string, composing: boolean): void
  /** Presence hints for the watched case. */
  onPresence?(listener: (caseId: string, viewers: Viewer[]) => void): () => void
  /** Problem hints (websocket only): a problem was written; its views read it again. */
  onProblem?(listener: (problemId: string) => void): () => void
  /** Chat hints (websocket only): a turn was written in a chat session (its sequence number). */
  onChatMessage?(listener: (sessionId: string, seq: number | null) => void): () => void
  /** Whether pushed hints arrive now (false: the socket is down and the poller stands in). */
  connected?(): boolean
}
