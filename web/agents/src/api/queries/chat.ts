import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type { AgentChatPage, ChatSessionList } from '@/api/types'

export const chatKeys = {
  sessions: ['chat', 'sessions'] as const,
  session: (sessionId: string) => ['chat', 'session', sessionId] as const,
}

export function useChatSessions() {
  return useQuery({
    queryKey: chatKeys.sessions,
    queryFn: () => api().get<ChatSessionList>('/chat/sessions', { limit: 100 }),
    refetchInterval: 5_000,
  })
}

/** The conversation, read incrementally every 2 s: only turns after the last one held are fetched. */
export function useChat(sessionId: Ref<string>) {
  const client = useQueryClient()
  const key = computed(() => chatKeys.session(sessionId.value))
  return useQuery({
    queryKey: key,
    queryFn: async () => {
      const held = client.getQueryData<AgentChatPage>(key.value)
      const path = `/chat/sessions/${encodeURIComponent(sessionId.value)}`
      let page = await api().get<AgentChatPage>(path, { after: held?.last_seq ?? 0, limit: 200 })
      let messages = [...(held?.messages ?? []), ...page.messages]
      while (page.messages.length === 200) {
        page = await api().get<AgentChatPage>(path, { after: page.last_seq, limit: 200 })
        messages = [...messages, ...page.messages]
      }
      return { ...page, messages }
    },
    enabled: computed(() => !!sessionId.value),
    refetchInterval: 2_000,
  })
}

export function useEndChat(sessionId: Ref<string>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: () =>
      api().patch<unknown>(`/chat/sessions/${encodeURIComponent(sessionId.value)}`, { status: 'ended' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['chat'] }),
  })
}

/** The agent is typing: said to the customer's widget at most every 3 s while the agent types. */
export function useAgentTyping(sessionId: Ref<string>, everyMs = 3_000) {
  let lastSaid = Number.NEGATIVE_INFINITY
  return {
    say(now = Date.now()): boolean {
      if (!sessionId.value || now - lastSaid < everyMs) return false
      lastSaid = now
      const path = `/chat/sessions/${encodeURIComponent(sessionId.value)}/agent-typing`
      // a lost typing hint is harmless: the next keystroke after the interval says it again
      api()
        .post<unknown>(path)
        .catch(() => undefined)
      return true
    },
  }
}
