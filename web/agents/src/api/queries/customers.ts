import { useQuery } from '@tanstack/vue-query'
import { computed, type Ref } from 'vue'
import { api } from '@/api/client'
import type { components } from '@/api/schema'
import type { Customer } from '@/api/types'

type CustomerPage = components['schemas']['CustomerPage']

export function useCustomer(customerId: Ref<string | null | undefined>) {
  return useQuery({
    queryKey: computed(() => ['customers', 'detail', customerId.value ?? ''] as const),
    queryFn: () => api().get<Customer>(`/customers/${encodeURIComponent(customerId.value ?? '')}`),
    enabled: computed(() => !!customerId.value),
    staleTime: 5 * 60_000,
  })
}

/** Customers to suggest in the queue's customer filter: the first page of GET /customers (the API
 * lists customers but does not search them; any other customer's id can still be typed). Read once
 * the field is used (`enabled`), not on every queue load. */
export function useCustomerChoices(enabled: Ref<boolean>) {
  return useQuery({
    queryKey: ['customers', 'choices'] as const,
    queryFn: () => api().get<CustomerPage>('/customers', { limit: 200 }),
    staleTime: 5 * 60_000,
    enabled,
  })
}
