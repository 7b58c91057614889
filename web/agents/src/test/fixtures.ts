import type { Case, CaseView } from '@/api/types'

export function makeCase(over: Partial<Case> & { case_id: string }): Case {
  return {
    subject: over.case_id,
    channel: 'email',
    status: 'new',
    priority: 'normal',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...over,
  } as Case
}

export function makeCaseView(over: Partial<CaseView> & { case_id: string }): CaseView {
  return { ...makeCase(over), timeline: [], ...over } as CaseView
}
