/** What the queue screen reads besides cases: agent groups, agents, problems to pick from, saved
 * views, and bulk jobs (TanStack Query). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import type { Ref } from 'vue'
import { api } from '@/api/client'
import type { components } from '@/api/schema'

type S = components['schemas']
export type Group = S['Group']
export type AgentProfile = S['AgentProfile']
export type SavedView = S['SavedView']
export type SavedViewIn = S['SavedViewIn']
export type BulkIn = S['BulkIn']
export type BulkUpdate = S['BulkUpdate']
export type JobView = S['JobView']
export type JobAccepted = S['JobAccepted']

export const queueKeys = {
  groups: ['groups'] as const,
  agents: ['agents'] as const,
  views: ['views'] as const,
  job: (id: string) => ['jobs', id] as const,
}

export function useGroups() {
  return useQuery({
    queryKey: queueKeys.groups,
    queryFn: () => api().get<S['GroupList']>('/groups'),
    staleTime: 5 * 60_000,
  })
}

export function useAgents(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: queueKeys.agents,
    queryFn: () => api().get<S['AgentList']>('/agents'),
    staleTime: 60_000,
    enabled,
  })
}

export function useProblemChoices(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: ['problems', 'choices'] as const,
    queryFn: () => api().get<S['ProblemPage']>('/problems', { limit: 200 }),
    staleTime: 60_000,
    enabled,
  })
}

export function useSavedViews() {
  return useQuery({
    queryKey: queueKeys.views,
    queryFn: () => api().get<S['SavedViewList']>('/views'),
    staleTime: 60_000,
  })
}

export function useSavedViewWrites() {
  const client = useQueryClient()
  const done = () => client.invalidateQueries({ queryKey: queueKeys.views })
  return {
    create: useMutation({
      mutationFn: (view: SavedViewIn) => api().post<SavedView>('/views', view),
      onSuccess: done,
    }),
    rename: useMutation({
      mutationFn: ({ view, name }: { view: SavedView; name: string }) =>
        api().put<SavedView>(`/views/${encodeURIComponent(view.view_id)}`, {
          name,
          query: view.query,
          order: view.order,
          visibility: view.visibility,
          version: view.version,
        }),
      onSuccess: done,
    }),
    remove: useMutation({
      mutationFn: (view: SavedView) =>
        api().request<void>('DELETE', `/views/${encodeURIComponent(view.view_id)}`, {
          headers: { 'If-Match': `"${view.version}"` },
        }),
      onSuccess: done,
    }),
  }
}

export function submitBulk(request: BulkIn, idempotencyKey: string): Promise<JobAccepted> {
  return api().post<JobAccepted>('/cases/bulk', request, { 'Idempotency-Key': idempotencyKey })
}

export function readJob(jobId: string): Promise<JobView> {
  return api().get<JobView>(`/jobs/${encodeURIComponent(jobId)}`)
}
