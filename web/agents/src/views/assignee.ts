/** The assignee picker's choices: the directory's agents (available first, then by name), and the
 * case's current assignee even when the directory does not know them (the field never loses it). */
import type { AgentProfile } from '@/api/types'

export interface AssigneeChoice {
  id: string
  name: string
  available: boolean | null
  openCases: number | null
}

export function assigneeChoices(
  agents: readonly AgentProfile[],
  current: string | null | undefined,
): AssigneeChoice[] {
  const choices: AssigneeChoice[] = [...agents]
    .sort((a, b) =>
      a.available === b.available ? a.name.localeCompare(b.name) : a.available === false ? 1 : -1,
    )
    .map((a) => ({
      id: a.agent_id,
      name: a.name,
      available: a.available ?? true,
      openCases: a.open_cases ?? 0,
    }))
  if (current && !choices.some((c) => c.id === current))
    choices.unshift({ id: current, name: current, available: null, openCases: null })
  return choices
}
