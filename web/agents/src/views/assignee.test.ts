import { describe, expect, it } from 'vitest'
import type { AgentProfile } from '@/api/types'
import { assigneeChoices } from './assignee'

const agent = (agent_id: string, name: string, available = true, open_cases = 0): AgentProfile =>
  ({ agent_id, name, available, open_cases, groups: [], roles: [] }) as AgentProfile

describe('assignee choices', () => {
  it('lists available agents first, then by name, with their open cases', () => {
    const choices = assigneeChoices(
      [agent('z', 'Zoe', true, 3), agent('b', 'Ben', false), agent('a', 'Ada', true, 1)],
      null,
    )
    expect(choices.map((c) => c.id)).toEqual(['a', 'z', 'b'])
    expect(choices[0]).toEqual({ id: 'a', name: 'Ada', available: true, openCases: 1 })
    expect(choices[2]?.available).toBe(false)
  })

  it('keeps an assignee the directory does not know, first', () => {
    const choices = assigneeChoices([agent('a', 'Ada')], 'gone@x.example')
    expect(choices.map((c) => c.id)).toEqual(['gone@x.example', 'a'])
    expect(choices[0]?.available).toBeNull()
  })
})
