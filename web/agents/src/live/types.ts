/** "This changed" hints. The REST API stays the source of truth: a hint says which case changed
 * (and, from the poller, what it looks like now); the caches are updated or refetched from it.
 *
 * Today one implementation polls GET /cases?updated_since=...; a websocket one (API Gateway
 * WebSocket, hints pushed by the table's stream) will implement the same interface, and the app
 * will pick it when config.json names a websocket URL. */
import type { Case } from '@/api/types'

export interface CaseChange {
  caseId: string
  updatedAt: string
  /** the case as it is now, when the source has it (the poller does; a push hint may not) */
  current?: Case
}

export interface LiveUpdates {
  readonly mode: 'polling' | 'websocket'
  start(): void
  stop(): void
  onChanges(listener: (changes: CaseChange[]) => void): () => void
}
