/** SLA administration: business-hours calendars and SLA policies (/sla/calendars, /sla/policies). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { api } from '@/api/client'
import type {
  Calendar,
  CalendarCreate,
  CalendarList,
  CalendarUpdate,
  SlaPolicy,
  SlaPolicyCreate,
  SlaPolicyList,
  SlaPolicyUpdate,
} from '@/api/types'

export function useCalendars() {
  return useQuery({
    queryKey: ['sla', 'calendars'] as const,
    queryFn: () => api().get<CalendarList>('/sla/calendars'),
  })
}

export function usePolicies() {
  return useQuery({
    queryKey: ['sla', 'policies'] as const,
    queryFn: () => api().get<SlaPolicyList>('/sla/policies'),
  })
}

export function useSlaWrites() {
  const client = useQueryClient()
  const refresh = () => void client.invalidateQueries({ queryKey: ['sla'] })
  const id = encodeURIComponent
  return {
    createCalendar: useMutation({
      mutationFn: (body: CalendarCreate) => api().post<Calendar>('/sla/calendars', body),
      onSuccess: refresh,
    }),
    saveCalendar: useMutation({
      mutationFn: (input: { id: string; body: CalendarUpdate }) =>
        api().put<Calendar>(`/sla/calendars/${id(input.id)}`, input.body),
      onSuccess: refresh,
    }),
    deleteCalendar: useMutation({
      mutationFn: (calendarId: string) => api().del<unknown>(`/sla/calendars/${id(calendarId)}`),
      onSuccess: refresh,
    }),
    createPolicy: useMutation({
      mutationFn: (body: SlaPolicyCreate) => api().post<SlaPolicy>('/sla/policies', body),
      onSuccess: refresh,
    }),
    savePolicy: useMutation({
      mutationFn: (input: { id: string; body: SlaPolicyUpdate }) =>
        api().put<SlaPolicy>(`/sla/policies/${id(input.id)}`, input.body),
      onSuccess: refresh,
    }),
    deletePolicy: useMutation({
      mutationFn: (policyId: string) => api().del<unknown>(`/sla/policies/${id(policyId)}`),
      onSuccess: refresh,
    }),
  }
}
