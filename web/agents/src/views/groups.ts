/** Assignment rules edited as rows of text fields on the groups screen, and back (pure). */
import type { AssignmentRule } from '@/api/types'

export interface AssignmentRow {
  rule_id: string
  group_id: string
  mode: 'round_robin' | 'group_only'
  keywords: string
  categories: string
  products: string
  description: string
}

const list = (text: string) => [
  ...new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
]

export function assignmentRows(rules: readonly AssignmentRule[]): AssignmentRow[] {
  return rules.map((r) => ({
    rule_id: r.rule_id,
    group_id: r.group_id,
    mode: r.mode ?? 'round_robin',
    keywords: (r.match?.keywords ?? []).join(', '),
    categories: (r.match?.categories ?? []).join(', '),
    products: (r.match?.products ?? []).join(', '),
    description: r.description ?? '',
  }))
}

/** The rules to PUT, in the order shown; the match keeps channels and tiers the screen does not edit. */
export function assignmentRules(
  rows: readonly AssignmentRow[],
  before: readonly AssignmentRule[] = [],
): AssignmentRule[] {
  return rows.map((row) => {
    const old = before.find((r) => r.rule_id === row.rule_id)?.match ?? {}
    const match: AssignmentRule['match'] = { ...old }
    for (const field of ['keywords', 'categories', 'products'] as const) {
      const values = list(row[field])
      if (values.length) match[field] = values
      else delete match[field]
    }
    return {
      rule_id: row.rule_id.trim(),
      group_id: row.group_id,
      mode: row.mode,
      match,
      description: row.description,
    }
  })
}

export function newRuleId(rows: readonly AssignmentRow[]): string {
  const taken = new Set(rows.map((r) => r.rule_id))
  let n = rows.length + 1
  while (taken.has(`assign-${n}`)) n += 1
  return `assign-${n}`
}
