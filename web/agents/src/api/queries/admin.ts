/** Inbound mail, departments and routing rules. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type {
  Department,
  DepartmentCreate,
  DepartmentIn,
  InboundPage,
  ReplayResult,
  RoutingRule,
  RoutingRules,
} from '@/api/types'

export function useInbound(which: Ref<'quarantine' | 'all'>) {
  return useQuery({
    queryKey: computed(() => ['inbound', which.value] as const),
    queryFn: () =>
      api().get<InboundPage>(which.value === 'quarantine' ? '/inbound/quarantine' : '/inbound', {
        limit: 200,
      }),
    refetchInterval: 15_000,
  })
}

export function useReplay() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (inboundId: string) =>
      api().post<ReplayResult>(`/inbound/quarantine/${encodeURIComponent(inboundId)}/replay`, {}),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['inbound'] })
      void client.invalidateQueries({ queryKey: ['cases'] })
    },
  })
}

export function useRoutingRules() {
  return useQuery({
    queryKey: ['routing-rules'] as const,
    queryFn: () => api().get<RoutingRules>('/routing-rules'),
  })
}

export function useAdminWrites() {
  const client = useQueryClient()
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['departments'] })
    void client.invalidateQueries({ queryKey: ['routing-rules'] })
  }
  return {
    createDepartment: useMutation({
      mutationFn: (d: DepartmentCreate) => api().post<Department>('/departments', d),
      onSuccess: refresh,
    }),
    saveDepartment: useMutation({
      mutationFn: (input: { id: string; body: DepartmentIn }) =>
        api().put<Department>(`/departments/${encodeURIComponent(input.id)}`, input.body),
      onSuccess: refresh,
    }),
    deleteDepartment: useMutation({
      mutationFn: (id: string) => api().del<unknown>(`/departments/${encodeURIComponent(id)}`),
      onSuccess: refresh,
    }),
    saveRules: useMutation({
      mutationFn: (input: { rules: RoutingRule[]; version: number }) =>
        api().put<RoutingRules>('/routing-rules', input),
      onSuccess: refresh,
    }),
  }
}
