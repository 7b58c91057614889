import { fetchCasePage } from '@/api/queries/cases'
import type { CasePage } from '@/api/types'
import type { CaseChange, LiveUpdates } from './types'

/** Overlap between two polls: a case written while the last poll ran is read again (and ignored
 * when its updated_at is what the caches already hold). */
const OVERLAP_MS = 2000

export interface PollingOptions {
  intervalMs: number
  fetchChanged?: (since: string, cursor: string | null) => Promise<CasePage>
  now?: () => number
}

/** Polls GET /cases?updated_since= (one DynamoDB query on the activity index) every interval;
 * pauses while the tab is hidden and catches up when it is shown again. */
export function createPollingUpdates(options: PollingOptions): LiveUpdates {
  const fetchChanged =
    options.fetchChanged ??
    ((since: string, cursor: string | null) => fetchCasePage({ updated_since: since }, cursor, 200))
  const now = options.now ?? Date.now
  const listeners = new Set<(changes: CaseChange[]) => void>()
  const seen = new Map<string, string>()
  let since = new Date(now() - OVERLAP_MS).toISOString()
  let timer: ReturnType<typeof setTimeout> | null = null
  let running = false

  async function poll(): Promise<void> {
    const startedAt = now()
    const changes: CaseChange[] = []
    let cursor: string | null = null
    for (let pages = 0; pages < 5; pages += 1) {
      const page: CasePage = await fetchChanged(since, cursor)
      for (const c of page.items) {
        if (seen.get(c.case_id) === c.updated_at) continue
        seen.set(c.case_id, c.updated_at)
        changes.push({ caseId: c.case_id, updatedAt: c.updated_at, current: c })
      }
      cursor = page.next_cursor ?? null
      if (!cursor) break
    }
    since = new Date(startedAt - OVERLAP_MS).toISOString()
    if (seen.size > 5000) seen.clear()
    if (changes.length) for (const listener of listeners) listener(changes)
  }

  function schedule(delay: number): void {
    if (!running) return
    timer = setTimeout(async () => {
      try {
        if (document.visibilityState !== 'hidden') await poll()
      } catch {
        // a failed poll is retried at the next tick; the queue shows the last known state
      }
      schedule(options.intervalMs)
    }, delay)
  }

  const onVisible = () => {
    if (document.visibilityState === 'visible' && running) {
      if (timer) clearTimeout(timer)
      schedule(0)
    }
  }

  return {
    mode: 'polling',
    start() {
      if (running) return
      running = true
      document.addEventListener('visibilitychange', onVisible)
      schedule(options.intervalMs)
    },
    stop() {
      running = false
      if (timer) clearTimeout(timer)
      document.removeEventListener('visibilitychange', onVisible)
    },
    onChanges(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
