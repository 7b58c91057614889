/** The order of the queue the agent came from, so j/k on a case page move to the next case. */
import { reactive } from 'vue'

export const queueContext = reactive<{ ids: string[]; query: Record<string, string> }>({ ids: [], query: {} })

export function setQueueContext(ids: string[], query: Record<string, string>): void {
  queueContext.ids = ids
  queueContext.query = query
}

export function neighbour(caseId: string, step: 1 | -1): string | null {
  const index = queueContext.ids.indexOf(caseId)
  if (index < 0) return null
  return queueContext.ids[index + step] ?? null
}
