import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type { AudiencePreview, Notice, NoticeDeliveries, NoticePatch, NoticeView } from '@/api/types'

export const noticeKeys = {
  detail: (id: string) => ['notices', id] as const,
  part: (id: string, part: string) => ['notices', id, part] as const,
}

const path = (id: string) => `/notices/${encodeURIComponent(id)}`

export function useNotice(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => noticeKeys.detail(id.value)),
    queryFn: () => api().get<NoticeView>(path(id.value)),
    refetchInterval: 10_000,
  })
}

export function useAudience(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => noticeKeys.part(id.value, 'audience')),
    queryFn: () => api().get<AudiencePreview>(`${path(id.value)}/audience`, { sample: 5 }),
    retry: false,
  })
}

export function useDeliveries(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => noticeKeys.part(id.value, 'deliveries')),
    queryFn: () => api().get<NoticeDeliveries>(`${path(id.value)}/deliveries`),
    refetchInterval: 10_000,
  })
}

export type NoticeAction = 'approve' | 'pause' | 'resume' | 'cancel'

export function useNoticeActions(id: Ref<string>) {
  const client = useQueryClient()
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['notices', id.value] })
    void client.invalidateQueries({ queryKey: ['problems'] })
  }
  return {
    transition: useMutation({
      mutationFn: (action: NoticeAction) => api().post<Notice>(`${path(id.value)}/${action}`, {}),
      onSuccess: refresh,
    }),
    update: useMutation({
      mutationFn: (patch: NoticePatch) => api().patch<Notice>(path(id.value), patch),
      onSuccess: refresh,
    }),
    sendUpdate: useMutation({
      mutationFn: (input: { text: string; version?: number }) =>
        api().post<unknown>(`${path(id.value)}/updates`, input),
      onSuccess: refresh,
    }),
  }
}
