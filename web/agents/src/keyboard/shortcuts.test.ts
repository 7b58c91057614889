import { describe, expect, it } from 'vitest'
import { addShortcuts, handleKeydown, palette } from './shortcuts'

function press(key: string, target: Element = document.body, init: KeyboardEventInit = {}): boolean {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  Object.defineProperty(event, 'target', { value: target })
  return handleKeydown(event)
}

describe('keyboard shortcuts', () => {
  it('runs the most recently registered shortcut for a key (a case page over the queue)', () => {
    const ran: string[] = []
    const removeQueue = addShortcuts([{ key: 'j', label: 'shortcuts.next', run: () => ran.push('queue') }])
    const removeCase = addShortcuts([{ key: 'j', label: 'shortcuts.nextCase', run: () => ran.push('case') }])
    press('j')
    removeCase()
    press('j')
    removeQueue()
    expect(ran).toEqual(['case', 'queue'])
  })

  it('leaves keys typed into a field, or with a modifier, alone', () => {
    const ran: string[] = []
    const remove = addShortcuts([{ key: 'r', label: 'shortcuts.reply', run: () => ran.push('r') }])
    expect(press('r', document.createElement('textarea'))).toBe(false)
    expect(press('r', document.createElement('input'))).toBe(false)
    expect(press('r', document.body, { altKey: true })).toBe(false)
    expect(press('r', Object.assign(document.createElement('input'), { type: 'checkbox' }))).toBe(true)
    remove()
    expect(ran).toEqual(['r'])
  })

  it('opens the command palette with Ctrl+K even from a field', () => {
    palette.open = false
    expect(press('k', document.createElement('input'), { ctrlKey: true })).toBe(true)
    expect(palette.open).toBe(true)
    palette.open = false
  })
})
