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

  it('shows the agent typing, says when the customer types, and that the transcript was mailed', async () => {
    const { mount } = await import('./widget')
    const calls: string[] = []
    const fetcher = vi.fn(async (url: string, init?: RequestInit) => {
      const path = new URL(url).pathname
      calls.push(`${init?.method || 'GET'} ${path}`)
      const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status })
      if (path === '/chat/availability') return json({ open: true, reason: 'open' })
      if (path === '/chat/sessions') return json({ session_id: 'chs_1', case_id: 'CB-1', token: 't' }, 201)
      if (path.endsWith('/messages') && init?.method === 'POST')
        return json({ seq: 1, role: 'customer', text: 'Hello' }, 201)
      if (path.endsWith('/messages'))
        return json({ messages: [], last_seq: 1, status: 'active', agent_typing: true })
      if (path.endsWith('/typing')) return json({ session_id: 'chs_1', role: 'customer', visible_for: 6 })
      if (path.endsWith('/end'))
        return json({ session_id: 'chs_1', status: 'ended', transcript_mailed: true })
      return json({}, 404)
    })
    vi.stubGlobal('fetch', fetcher)
    Element.prototype.scrollIntoView = () => undefined // not in jsdom
    const script = document.createElement('script')
    script.src = 'https://help.example.com/widget.js'
    script.dataset.lang = 'de'
    const root = mount(script)
    const q = <T extends Element>(sel: string) => root.querySelector(sel) as T
    q<HTMLButtonElement>('[data-open]').click()
    await vi.waitFor(() => expect(q<HTMLFormElement>('[data-start]').hidden).toBe(false))
    q<HTMLInputElement>('#cb-name').value = 'Ann'
    q<HTMLInputElement>('#cb-email').value = 'ann@example.org'
    q<HTMLTextAreaElement>('#cb-first').value = 'Hello'
    q<HTMLFormElement>('[data-start]').dispatchEvent(new Event('submit', { cancelable: true }))
    await vi.waitFor(() => expect(root.querySelectorAll('li')).toHaveLength(1))
    // the next poll (every 2 s) says the agent is typing
    await vi.waitFor(() => expect(q('.typing').textContent).toBe('Der Support schreibt …'), {
      timeout: 4000,
    })

    const input = q<HTMLInputElement>('#cb-text')
    input.value = 'Und'
    input.dispatchEvent(new Event('input'))
    input.dispatchEvent(new Event('input')) // within 3 s: said once
    expect(calls.filter((c) => c === 'POST /chat/sessions/chs_1/typing')).toHaveLength(1)

    q<HTMLButtonElement>('[data-end]').click()
    await vi.waitFor(() =>
      expect(q('.note').textContent).toContain('Wir haben Ihnen den Verlauf per E-Mail geschickt.'),
    )
    expect(q('.typing').textContent).toBe('')
    vi.unstubAllGlobals()
  })
})
