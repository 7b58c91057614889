import { keepPreviousData, useQuery } from '@tanstack/vue-query'
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

/** How many customers the customer field suggests at once. */
export const CUSTOMER_CHOICES = 20

/** The customers to suggest for what is typed in the queue's customer filter: GET /customers?q=
 * (its id, name, region or mail domain holds every word; a contact's whole email address finds its
 * customer), the first customers by id while nothing is typed. */
export function customerChoicesQuery(text: string) {
  const q = text.trim()
  return {
    queryKey: ['customers', 'choices', q] as const,
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api().get<CustomerPage>('/customers', { q, limit: CUSTOMER_CHOICES }, signal),
    staleTime: 60_000,
  }
}

/** `customerChoicesQuery` for a field's (debounced) text, read once the field is used (`enabled`);
 * the previous suggestions stay shown while the next are read. */
export function useCustomerChoices(text: Ref<string>, enabled: Ref<boolean>) {
  return useQuery(
    computed(() => ({
      ...customerChoicesQuery(text.value),
      enabled: enabled.value,
      placeholderData: keepPreviousData,
    })),
  )
}
