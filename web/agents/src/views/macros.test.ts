import { describe, expect, it } from 'vitest'
import type { Macro } from '@/api/types'
import { makeCase } from '@/test/fixtures'
import { filterMacros, insertText, macroForm, macroIn, macroUpdate } from './macros'

const macro = (macro_id: string, title: string, body: string): Macro =>
  ({ macro_id, title, body, owner: 'a', created_at: '', updated_at: '' }) as Macro

describe('macros', () => {
  const macros = [
    macro('m1', 'Refund approved', 'We refunded {{case.id}}.'),
    macro('m2', 'Shipping delay', 'Your refund is on its way.'),
    macro('m3', 'Password reset', 'Use the link.'),
  ]

  it('finds macros by every word typed, title matches first', () => {
    expect(filterMacros(macros, 'refund').map((m) => m.macro_id)).toEqual(['m1', 'm2'])
    expect(filterMacros(macros, 'reset link').map((m) => m.macro_id)).toEqual(['m3'])
    expect(filterMacros(macros, '').map((m) => m.macro_id)).toEqual(['m3', 'm1', 'm2'])
    expect(filterMacros(macros, 'nothing')).toEqual([])
  })

  it('updates only the fields the macro changes, against the version seen', () => {
    const c = makeCase({ case_id: 'CB-1', status: 'open', priority: 'normal', tags: ['vip'], version: 7 })
    expect(macroUpdate(c, { status: 'resolved', priority: 'normal', add_tags: ['vip', 'refund'] })).toEqual({
      version: 7,
      status: 'resolved',
      tags: ['vip', 'refund'],
    })
    expect(macroUpdate(c, { status: 'open', add_tags: ['vip'] })).toBeNull()
    expect(macroUpdate(c, undefined)).toBeNull()
  })

  it('inserts the text after what is typed', () => {
    expect(insertText('', 'Hello')).toBe('Hello')
    expect(insertText('Hi Anna,\n', 'Hello')).toBe('Hi Anna,\n\nHello')
  })
})

describe('macro admin form', () => {
  it('round-trips a macro and sends only the actions set', () => {
    const m = {
      ...macro('m1', 'Refund', 'Done.'),
      visibility: 'personal',
      actions: { status: 'resolved', add_tags: ['refund'] },
      version: 3,
    } as Macro
    const form = macroForm(m)
    expect(form).toEqual({
      title: 'Refund',
      body: 'Done.',
      visibility: 'personal',
      status: 'resolved',
      priority: '',
      tags: 'refund',
    })
    form.tags = 'refund, vip vip'
    expect(macroIn(form, 3)).toEqual({
      title: 'Refund',
      body: 'Done.',
      visibility: 'personal',
      actions: { status: 'resolved', add_tags: ['refund', 'vip'] },
      version: 3,
    })
    expect(macroIn(macroForm()).actions).toEqual({})
  })
})
