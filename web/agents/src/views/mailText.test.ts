import { describe, expect, it } from 'vitest'
import { splitQuoted } from './mailText'

describe('quoted mail history', () => {
  it('folds the history after an "On ... wrote:" line', () => {
    const text = 'Still jams.\n\nOn Mon, 1 Jan 2026 Casebridge wrote:\n> Did the update help?'
    expect(splitQuoted(text)).toEqual({
      main: 'Still jams.',
      quoted: 'On Mon, 1 Jan 2026 Casebridge wrote:\n> Did the update help?',
    })
  })

  it('folds a trailing block of quoted lines and keeps a mail without quotes whole', () => {
    expect(splitQuoted('Yes.\n> old\n> older\n')).toEqual({ main: 'Yes.', quoted: '> old\n> older' })
    expect(splitQuoted('Just text')).toEqual({ main: 'Just text', quoted: '' })
  })
})
