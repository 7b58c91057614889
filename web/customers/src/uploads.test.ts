import { describe, expect, it, vi } from 'vitest'
import { attachUploads, limitsOf, refuse, upload } from './uploads'

describe('attachments', () => {
  const limits = { maxFiles: 2, maxBytes: 100, types: ['image/png', 'application/pdf'] }

  it('are refused before uploading when too large or of a type not accepted', () => {
    expect(refuse({ size: 101, type: 'image/png' }, limits)).toBe('too_big')
    expect(refuse({ size: 10, type: 'application/x-msdownload' }, limits)).toBe('bad_type')
    expect(refuse({ size: 100, type: 'application/pdf' }, limits)).toBeNull()
  })

  it('read their limits from the page', () => {
    const el = document.createElement('div')
    el.dataset.maxFiles = '3'
    el.dataset.maxBytes = '2048'
    el.dataset.types = 'image/png,text/plain'
    expect(limitsOf(el)).toEqual({ maxFiles: 3, maxBytes: 2048, types: ['image/png', 'text/plain'] })
  })

  it('go to the presigned URL with the policy fields first and the file last', async () => {
    const calls: [string, RequestInit | undefined][] = []
    const fetcher = vi.fn(async (url: string, init?: RequestInit) => {
      calls.push([url, init])
      if (url === '/web/uploads')
        return new Response(
          JSON.stringify({
            key: 'uploads/k/a.png',
            url: 'https://s3.example/b',
            fields: { key: 'uploads/k/a.png', policy: 'p' },
          }),
          { status: 201 },
        )
      return new Response(null, { status: 204 })
    })
    const file = new File(['png'], 'a.png', { type: 'image/png' })
    expect(await upload(file, fetcher as unknown as typeof fetch)).toBe('uploads/k/a.png')
    expect(JSON.parse(String(calls[0]?.[1]?.body))).toEqual({
      filename: 'a.png',
      content_type: 'image/png',
      size: 3,
    })
    const sent = calls[1]?.[1]?.body as FormData
    expect(calls[1]?.[0]).toBe('https://s3.example/b')
    expect([...sent.keys()]).toEqual(['key', 'policy', 'file'])
  })

  it('are sent once: with the script the file input posts nothing, only the uploaded keys', () => {
    document.body.innerHTML =
      '<form enctype="multipart/form-data"><div data-uploads data-max-files="2">' +
      '<input id="files" name="files" type="file" multiple><ul></ul></div></form>'
    const form = document.querySelector('form') as HTMLFormElement
    attachUploads(form.querySelector('[data-uploads]') as HTMLElement, form)
    expect(form.querySelector('input[type="file"]')?.hasAttribute('name')).toBe(false)
    expect([...new FormData(form).keys()]).toEqual([])
  })
})
