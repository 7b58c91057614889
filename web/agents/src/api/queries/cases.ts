/** Cases: query keys, reads and writes (TanStack Query). */
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type {
  Case,
  CasePage,
  CaseUpdate,
  CaseView,
  DraftFromCase,
  SimilarCases,
  TimelineEvent,
  Problem,
} from '@/api/types'
import { apiQuery, type QueueFilters } from '@/views/queue'

export const PAGE_SIZE = 100

export const caseKeys = {
  all: ['cases'] as const,
  lists: () => ['cases', 'list'] as const,
  list: (filters: QueueFilters, agentId: string) => ['cases', 'list', { ...filters }, agentId] as const,
  byCustomer: (customerId: string) => ['cases', 'customer', customerId] as const,
  detail: (caseId: string) => ['cases', 'detail', caseId] as const,
  similar: (caseId: string) => ['cases', 'similar', caseId] as const,
}

export function fetchCasePage(query: object, cursor: string | null, limit = PAGE_SIZE): Promise<CasePage> {
  return api().get<CasePage>('/cases', { ...(query as Record<string, string>), limit, cursor })
}

/** A queue view: one GET /cases stream, page after page (the API filters and sorts). */
export function useCaseQueue(filters: Ref<QueueFilters>, agentId: Ref<string>) {
  return useInfiniteQuery({
    queryKey: computed(() => caseKeys.list(filters.value, agentId.value)),
    queryFn: ({ pageParam, signal }) =>
      api().get<CasePage>(
        '/cases',
        { ...apiQuery(filters.value), limit: PAGE_SIZE, cursor: pageParam as string | null },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last: CasePage) => last.next_cursor ?? null,
    // Live changes are merged into the cached pages (live/apply.ts); a full refetch re-reads every page.
    staleTime: Infinity,
  })
}

export function useCase(caseId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => caseKeys.detail(caseId.value)),
    queryFn: ({ signal }) =>
      api().get<CaseView>(`/cases/${encodeURIComponent(caseId.value)}`, undefined, signal),
    enabled: computed(() => !!caseId.value),
  })
}

export function useSimilarCases(caseId: Ref<string>) {
  return useQuery({
    queryKey: computed(() => caseKeys.similar(caseId.value)),
    queryFn: () => api().get<SimilarCases>(`/cases/${encodeURIComponent(caseId.value)}/similar`),
    staleTime: 60_000,
  })
}

export function useCustomerCases(customerId: Ref<string | null | undefined>) {
  return useQuery({
    queryKey: computed(() => caseKeys.byCustomer(customerId.value ?? '')),
    queryFn: () => api().get<CasePage>('/cases', { customer_id: customerId.value, limit: 20 }),
    enabled: computed(() => !!customerId.value),
  })
}

/** Put a case the API answered into every cache that shows it. */
export function storeCase(client: QueryClient, updated: Case): void {
  client.setQueryData<CaseView>(caseKeys.detail(updated.case_id), (old) =>
    old ? { ...old, ...updated, timeline: old.timeline, timeline_cursor: old.timeline_cursor } : old,
  )
}

const path = (caseId: string) => `/cases/${encodeURIComponent(caseId)}`

export function useUpdateCase(caseId: Ref<string>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (update: CaseUpdate) => api().patch<Case>(path(caseId.value), update),
    onSuccess: (updated) => {
      storeCase(client, updated)
      void client.invalidateQueries({ queryKey: caseKeys.detail(caseId.value) })
    },
  })
}

export function useReply(caseId: Ref<string>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (input: {
      body: string
      statusAfter: Case['status'] | null | 'default'
      idempotencyKey: string
    }) =>
      api().post<TimelineEvent>(
        `${path(caseId.value)}/replies`,
        input.statusAfter === 'default'
          ? { body: input.body }
          : { body: input.body, status_after: input.statusAfter },
        { 'Idempotency-Key': input.idempotencyKey },
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: caseKeys.detail(caseId.value) }),
  })
}

export function useAddNote(caseId: Ref<string>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: string) => api().post<TimelineEvent>(`${path(caseId.value)}/notes`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: caseKeys.detail(caseId.value) }),
  })
}

export function useDraftArticle(caseId: Ref<string>) {
  return useMutation({
    mutationFn: () => api().post<DraftFromCase>(`${path(caseId.value)}/knowledge`, {}),
  })
}

export function useProblemFromCase(caseId: Ref<string>) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: () => api().post<Problem>(`${path(caseId.value)}/problem`, {}),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: caseKeys.detail(caseId.value) })
      void client.invalidateQueries({ queryKey: ['problems'] })
    },
  })
}
