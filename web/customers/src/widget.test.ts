import { beforeAll, describe, expect, it, vi } from 'vitest'

beforeAll(() => {
  ;(globalThis as { __CB_NO_AUTOSTART__?: boolean }).__CB_NO_AUTOSTART__ = true
})

describe('the chat widget', () => {
  it('speaks the script tag’s language, else the page’s, else the browser’s, else English', async () => {
    const { pickLanguage } = await import('./widget')
    expect(pickLanguage('fr', 'de', 'es')).toBe('fr')
    expect(pickLanguage(undefined, 'de-AT', 'es')).toBe('de')
    expect(pickLanguage('', 'pt', 'it')).toBe('en')
  })

  it('has the same words in every language', async () => {
    const { WORDS } = await import('./widget')
    const keys = Object.keys(WORDS.en as object).sort()
    for (const words of Object.values(WORDS)) expect(Object.keys(words).sort()).toEqual(keys)
  })

  it('lives in a shadow root, and asks whether the chat is open before offering it', async () => {
    const { mount } = await import('./widget')
    const fetcher = vi.fn(
      async () =>
        new Response(JSON.stringify({ open: false, reason: 'outside_business_hours' }), { status: 200 }),
    )
    vi.stubGlobal('fetch', fetcher)
    const script = document.createElement('script')
    script.src = 'https://help.example.com/widget.js'
    const root = mount(script)
    expect(document.querySelector('[data-casebridge-chat]')?.shadowRoot).toBe(root)
    expect(document.body.querySelector('button')).toBeNull() // nothing in the host page's own tree
    root.querySelector<HTMLButtonElement>('[data-open]')?.click()
    await vi.waitFor(() =>
      expect(root.querySelector('.note')?.textContent).toContain('outside our business hours'),
    )
    expect(fetcher).toHaveBeenCalledWith('https://help.example.com/chat/availability', expect.anything())
    vi.unstubAllGlobals()
  })
})
