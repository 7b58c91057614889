/** The agents' directory (GET /agents), agent groups and assignment rules. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/vue-query'
import { api } from '@/api/client'
import type {
  AgentList,
  AssignmentRule,
  AssignmentRules,
  Group,
  GroupCreate,
  GroupList,
  GroupUpdate,
} from '@/api/types'

export const directoryKeys = {
  agents: ['agents'] as const,
  groups: ['groups'] as const,
  assignmentRules: ['assignment-rules'] as const,
}

export function useAgents() {
  return useQuery({
    queryKey: directoryKeys.agents,
    queryFn: () => api().get<AgentList>('/agents'),
    staleTime: 30_000,
  })
}

export function useGroups() {
  return useQuery({
    queryKey: directoryKeys.groups,
    queryFn: () => api().get<GroupList>('/groups'),
    staleTime: 60_000,
  })
}

export function useAssignmentRules() {
  return useQuery({
    queryKey: directoryKeys.assignmentRules,
    queryFn: () => api().get<AssignmentRules>('/assignment-rules'),
  })
}

const groupPath = (id: string) => `/groups/${encodeURIComponent(id)}`

export function useGroupWrites() {
  const client = useQueryClient()
  const refresh = () => {
    void client.invalidateQueries({ queryKey: directoryKeys.groups })
    void client.invalidateQueries({ queryKey: directoryKeys.agents })
    void client.invalidateQueries({ queryKey: directoryKeys.assignmentRules })
  }
  return {
    createGroup: useMutation({
      mutationFn: (g: GroupCreate) => api().post<Group>('/groups', g),
      onSuccess: refresh,
    }),
    saveGroup: useMutation({
      mutationFn: (input: { id: string; body: GroupUpdate }) =>
        api().put<Group>(groupPath(input.id), input.body),
      onSuccess: refresh,
    }),
    deleteGroup: useMutation({
      mutationFn: (id: string) => api().del<unknown>(groupPath(id)),
      onSuccess: refresh,
    }),
    saveAssignmentRules: useMutation({
      mutationFn: (input: { rules: AssignmentRule[]; version: number }) =>
        api().put<AssignmentRules>('/assignment-rules', input),
      onSuccess: refresh,
    }),
  }
}
