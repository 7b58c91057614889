import { describe, expect, it } from 'vitest'
import type { AssignmentRule } from '@/api/types'
import { assignmentRows, assignmentRules, newRuleId } from './groups'

describe('assignment rules as rows', () => {
  const rules: AssignmentRule[] = [
    {
      rule_id: 'billing',
      group_id: 'billing-team',
      mode: 'round_robin',
      match: { keywords: ['invoice', 'refund'], channels: ['email'] },
      description: '',
    },
  ]

  it('round-trips, keeping the match fields the screen does not edit', () => {
    const rows = assignmentRows(rules)
    expect(rows[0]).toMatchObject({ keywords: 'invoice, refund', categories: '', mode: 'round_robin' })
    rows[0]!.keywords = 'invoice, , invoice'
    rows[0]!.products = 'P-100'
    expect(assignmentRules(rows, rules)).toEqual([
      {
        rule_id: 'billing',
        group_id: 'billing-team',
        mode: 'round_robin',
        match: { keywords: ['invoice'], channels: ['email'], products: ['P-100'] },
        description: '',
      },
    ])
  })

  it('an emptied row matches every case', () => {
    const rows = assignmentRows(rules)
    rows[0]!.keywords = ''
    expect(assignmentRules(rows)[0]?.match).toEqual({})
  })

  it('proposes a free rule id', () => {
    expect(newRuleId(assignmentRows(rules))).toBe('assign-2')
    expect(newRuleId([{ ...assignmentRows(rules)[0]!, rule_id: 'assign-2' }])).toBe('assign-3')
  })
})
