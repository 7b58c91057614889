import { useQuery } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type { Customer } from '@/api/types'

export function useCustomer(customerId: Ref<string | null | undefined>) {
  return useQuery({
    queryKey: computed(() => ['customers', 'detail', customerId.value ?? ''] as const),
    queryFn: () => api().get<Customer>(`/customers/${encodeURIComponent(customerId.value ?? '')}`),
    enabled: computed(() => !!customerId.value),
    staleTime: 5 * 60_000,
  })
}
