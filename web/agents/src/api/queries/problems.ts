/** Problems, their evidence, links, departments, escalations and notices. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api, ApiError } from '@/api/client'
import type {
  DepartmentList,
  DepartmentSuggestion,
  EscalationList,
  Notice,
  NoticeList,
  Problem,
  ProblemPage,
  ProblemStatus,
  ProblemUpdate,
  ProblemView,
  SuggestedCases,
} from '@/api/types'
import { caseKeys } from './cases'

export const problemKeys = {
  all: ['problems'] as const,
  list: (status: ProblemStatus | null) => ['problems', 'list', status] as const,
  detail: (id: string) => ['problems', 'detail', id] as const,
  part: (id: string, part: string) => ['problems', 'detail', id, part] as const,
}

const path = (id: string) => `/problems/${encodeURIComponent(id)}`

export function useProblems(status: Ref<ProblemStatus | null>) {
  return useQuery({
    queryKey: computed(() => problemKeys.list(status.value)),
    queryFn: () => api().get<ProblemPage>('/problems', { status: status.value, limit: 200 }),
    refetchInterval: 30_000,
  })
}

export function useProblem(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => problemKeys.detail(id.value)),
    queryFn: () => api().get<ProblemView>(path(id.value)),
    enabled: computed(() => !!id.value),
    refetchInterval: 15_000,
  })
}

export function useSuggestedCases(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => problemKeys.part(id.value, 'suggested')),
    queryFn: () => api().get<SuggestedCases>(`${path(id.value)}/suggested-cases`),
    refetchInterval: 15_000,
  })
}

export function useDepartmentSuggestion(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => problemKeys.part(id.value, 'department-suggestion')),
    // 404: no routing rule matches; that is an answer, not an error.
    queryFn: () =>
      api()
        .get<DepartmentSuggestion>(`${path(id.value)}/department-suggestion`)
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null
          throw e
        }),
  })
}

export function useEscalations(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => problemKeys.part(id.value, 'escalations')),
    queryFn: () => api().get<EscalationList>(`${path(id.value)}/escalations`),
    refetchInterval: 15_000,
  })
}

export function useProblemNotices(id: Ref<string>) {
  return useQuery({
    queryKey: computed(() => problemKeys.part(id.value, 'notices')),
    queryFn: () => api().get<NoticeList>(`${path(id.value)}/notices`),
  })
}

export function useDepartments() {
  return useQuery({
    queryKey: ['departments'] as const,
    queryFn: () => api().get<DepartmentList>('/departments'),
    staleTime: 60_000,
  })
}

/** Every write on a problem refreshes the problem, its parts, the lists and the cases it touches. */
export function useProblemAction<I, O = Problem>(
  id: Ref<string>,
  call: (id: string, input: I) => Promise<O>,
) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (input: I) => call(id.value, input),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: problemKeys.all })
      void client.invalidateQueries({ queryKey: caseKeys.all })
    },
  })
}

export const problemCalls = {
  update: (id: string, body: ProblemUpdate) => api().patch<Problem>(path(id), body),
  link: (id: string, body: { case_ids: string[]; version?: number }) =>
    api().post<unknown>(`${path(id)}/links`, body),
  unlink: (id: string, caseId: string) =>
    api().del<unknown>(`${path(id)}/links/${encodeURIComponent(caseId)}`),
  assign: (id: string, body: { department_id: string; version?: number }) =>
    api().post<Problem>(`${path(id)}/assignment`, body),
  fix: (id: string, body: { root_cause: string; permanent_fix: string }) =>
    api().post<Problem>(`${path(id)}/fix`, body),
  resolve: (id: string, body: { fix_note?: string; resolve_cases: boolean; version?: number }) =>
    api().post<unknown>(`${path(id)}/resolve`, body),
  draftNotice: (id: string) => api().post<Notice>(`${path(id)}/notices`, {}),
}
