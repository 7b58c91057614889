import { describe, expect, it, vi } from 'vitest'
import { newSessionId, readSession, session } from './session'
import { attachSuggest, renderSuggestions, suggestionHref } from './suggest'

describe('the self-service session', () => {
  it('reads only a well-formed cookie', () => {
    expect(readSession('a=1; cb_ss=abcdefghijklmnop_-12')).toBe('abcdefghijklmnop_-12')
    expect(readSession('cb_ss=short')).toBeNull()
    expect(readSession('cb_ss=<script>alert(1)</script>xxxxxxxx')).toBeNull()
  })

  it('makes one when the page has none and keeps it', () => {
    document.cookie = 'cb_ss=; Max-Age=0; Path=/'
    const first = session()
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(session()).toBe(first)
    expect(newSessionId(() => new Uint8Array(22))).toBe('A'.repeat(22))
  })
})

describe('suggestions while typing', () => {
  function box(): { input: HTMLInputElement; list: HTMLElement } {
    document.body.innerHTML =
      '<input id="q" data-suggest="suggestions"><div id="suggestions" hidden><ul></ul></div>'
    return {
      input: document.getElementById('q') as HTMLInputElement,
      list: document.getElementById('suggestions') as HTMLElement,
    }
  }

  it('link to the page of each kind, in the page language', () => {
    expect(suggestionHref('de', { kind: 'fix', id: 'a/b', title: '' })).toBe('/help/de/fixes/a%2Fb')
  })

  it('renders titles as text, never markup, and hides an empty list', () => {
    const { list } = box()
    renderSuggestions(list, 'en', [{ kind: 'article', id: 'KB-1', title: '<img src=x onerror=alert(1)>' }])
    expect(list.hidden).toBe(false)
    expect(list.querySelector('img')).toBeNull()
    expect(list.querySelector('a')?.textContent).toBe('<img src=x onerror=alert(1)>')
    renderSuggestions(list, 'en', [])
    expect(list.hidden).toBe(true)
  })

  it('asks the API from two characters, with the session', async () => {
    vi.useFakeTimers()
    const { input, list } = box()
    const fetcher = vi.fn(
      async () =>
        new Response(JSON.stringify({ suggestions: [{ kind: 'answer', id: 'A-1', title: 'Refunds' }] }), {
          status: 200,
        }),
    )
    attachSuggest(input, 'fr', 'session-123456789', fetcher as unknown as typeof fetch)
    input.value = 'r'
    input.dispatchEvent(new Event('input'))
    await vi.runAllTimersAsync()
    expect(fetcher).not.toHaveBeenCalled()
    input.value = 'refund'
    input.dispatchEvent(new Event('input'))
    await vi.runAllTimersAsync()
    expect(fetcher).toHaveBeenCalledWith(
      '/selfservice/suggest?q=refund&session=session-123456789',
      expect.anything(),
    )
    await vi.waitFor(() => expect(list.querySelector('a')?.getAttribute('href')).toBe('/help/fr/answers/A-1'))
    vi.useRealTimers()
  })
})
