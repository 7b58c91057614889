/** Applies "this changed" hints to the query caches: a changed case moves into (or out of) every
 * cached queue whose view it matches, open case pages refetch, and the agent hears about new
 * cases in the view they look at. */
import type { InfiniteData, QueryClient } from '@tanstack/vue-query'
import { caseKeys } from '@/api/queries/cases'
import { chatKeys } from '@/api/queries/chat'
import { problemKeys } from '@/api/queries/problems'
import type { Case, CasePage } from '@/api/types'
import { matchesView, type QueueFilters } from '@/views/queue'
import type { CaseChange } from './types'

type QueueData = InfiniteData<CasePage, unknown>

export interface ApplyResult {
  /** cases that were not in a cached queue before and now are */
  added: string[]
}

export function applyChanges(client: QueryClient, changes: CaseChange[]): ApplyResult {
  const added = new Set<string>()
  for (const query of client.getQueryCache().findAll({ queryKey: caseKeys.lists() })) {
    const [, , filters, agentId] = query.queryKey as [string, string, QueueFilters, string]
    client.setQueryData<QueueData>(query.queryKey, (data) => {
      if (!data?.pages.length) return data
      const known = new Set(data.pages.flatMap((p) => p.items.map((c) => c.case_id)))
      const changedIds = new Set(changes.map((c) => c.caseId))
      const fresh: Case[] = []
      for (const change of changes) {
        if (change.current && matchesView(filters, agentId, change.current)) {
          fresh.push(change.current)
          if (!known.has(change.caseId)) added.add(change.caseId)
        }
      }
      const pages = data.pages.map((page, index) => ({
        ...page,
        items: [
          ...(index === 0 ? fresh : []),
          ...page.items.filter(
            (c) => !changedIds.has(c.case_id) || !changes.some((x) => x.caseId === c.case_id && x.current),
          ),
        ],
      }))
      return { ...data, pages }
    })
    // A hint without the case (a push hint) cannot be placed: read the view again.
    if (changes.some((c) => !c.current)) void client.invalidateQueries({ queryKey: query.queryKey })
  }
  for (const change of changes) {
    void client.invalidateQueries({ queryKey: caseKeys.detail(change.caseId) })
  }
  return { added: [...added] }
}

/** A problem hint: the problems lists and that problem (with its parts) are read again. */
export function applyProblemHint(client: QueryClient, problemId: string): void {
  void client.invalidateQueries({ queryKey: ['problems', 'list'] })
  void client.invalidateQueries({ queryKey: problemKeys.detail(problemId) })
}

/** A chat hint: the open conversation reads its new turns (incrementally), the list is read again. */
export function applyChatHint(client: QueryClient, sessionId: string): void {
  void client.invalidateQueries({ queryKey: chatKeys.session(sessionId) })
  void client.invalidateQueries({ queryKey: chatKeys.sessions })
}
