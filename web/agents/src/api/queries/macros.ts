/** Macros (canned replies): the list, the per-case preview, and the admin writes. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { api } from '@/api/client'
import type { Macro, MacroIn, MacroList, MacroPreview } from '@/api/types'

export const macroKeys = { all: ['macros'] as const }

const path = (id: string) => `/macros/${encodeURIComponent(id)}`

export function useMacros() {
  return useQuery({
    queryKey: macroKeys.all,
    queryFn: () => api().get<MacroList>('/macros'),
    staleTime: 60_000,
  })
}

export function previewMacro(caseId: string, macroId: string): Promise<MacroPreview> {
  return api().post<MacroPreview>(
    `/cases/${encodeURIComponent(caseId)}/macros/${encodeURIComponent(macroId)}/preview`,
    {},
  )
}

export function useMacroWrites() {
  const client = useQueryClient()
  const refresh = () => void client.invalidateQueries({ queryKey: macroKeys.all })
  return {
    createMacro: useMutation({
      mutationFn: (body: MacroIn) => api().post<Macro>('/macros', body),
      onSuccess: refresh,
    }),
    saveMacro: useMutation({
      mutationFn: (input: { id: string; body: MacroIn }) => api().put<Macro>(path(input.id), input.body),
      onSuccess: refresh,
    }),
    deleteMacro: useMutation({
      mutationFn: (id: string) => api().del<unknown>(path(id)),
      onSuccess: refresh,
    }),
  }
}
