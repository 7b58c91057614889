import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
import { api } from '@/api/client'
import { useAppContext } from '@/app-context'
import { currentAgent } from '@/auth/session'
import type { Viewer } from './types'

interface ViewerList {
  case_id: string
  viewers: Viewer[]
}

/** The other agents who have this case open, and whether they are typing: pushed over the live
 * WebSocket; while it is down, read from GET /cases/{id}/viewers at the poll interval. */
export function usePresence(caseId: Ref<string>): { viewers: Ref<Viewer[]> } {
  const { live, config } = useAppContext()
  const viewers = ref<Viewer[]>([])
  const others = (list: Viewer[]) => list.filter((v) => v.agent_id !== currentAgent.value?.id)

  const stopWatching = watch(
    caseId,
    (id) => {
      viewers.value = []
      live.watch?.(id)
    },
    { immediate: true },
  )
  const stopListening = live.onPresence?.((id, list) => {
    if (id === caseId.value) viewers.value = others(list)
  })

  async function readViewers(): Promise<void> {
    if (live.connected?.() !== false) return // pushed (or no presence at all without a socket)
    try {
      const list = await api().get<ViewerList>(`/cases/${encodeURIComponent(caseId.value)}/viewers`)
      if (list.case_id === caseId.value) viewers.value = others(list.viewers)
    } catch {
      // the next interval tries again
    }
  }
  const timer = setInterval(() => void readViewers(), config.pollIntervalMs)

  onBeforeUnmount(() => {
    stopWatching()
    stopListening?.()
    clearInterval(timer)
    live.watch?.(null)
  })
  return { viewers }
}
