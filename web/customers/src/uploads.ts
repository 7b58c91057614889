// Attachments of the contact form and the case page: each file goes straight to S3 through a
// short-lived presigned POST (POST /web/uploads says where, with the size and type the upload
// must have), then its key travels with the form as a hidden "attachments" field. The limits are
// the page's (data-max-files, data-max-bytes, data-types); S3 enforces them again.
export type Presigned = { key: string; url: string; fields: Record<string, string> }

export type Limits = { maxFiles: number; maxBytes: number; types: string[] }

export function limitsOf(el: HTMLElement): Limits {
  return {
    maxFiles: Number(el.dataset.maxFiles || 5),
    maxBytes: Number(el.dataset.maxBytes || 10 * 1024 * 1024),
    types: (el.dataset.types || '').split(',').filter(Boolean),
  }
}

/** Why a file cannot be attached ('too_big' | 'bad_type'), or null. */
export function refuse(file: { size: number; type: string }, limits: Limits): 'too_big' | 'bad_type' | null {
  if (file.size > limits.maxBytes) return 'too_big'
  if (limits.types.length && !limits.types.includes(file.type)) return 'bad_type'
  return null
}

export async function upload(file: File, fetcher: typeof fetch = fetch): Promise<string> {
  const ask = await fetcher('/web/uploads', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ filename: file.name, content_type: file.type, size: file.size }),
  })
  if (!ask.ok) throw new Error(`presign ${ask.status}`)
  const presigned = (await ask.json()) as Presigned
  const body = new FormData()
  for (const [name, value] of Object.entries(presigned.fields)) body.append(name, value)
  body.append('file', file)
  const put = await fetcher(presigned.url, { method: 'POST', body })
  if (!put.ok) throw new Error(`upload ${put.status}`)
  return presigned.key
}

export function attachUploads(box: HTMLElement, form: HTMLFormElement): void {
  const input = box.querySelector<HTMLInputElement>('input[type="file"]')
  const list = box.querySelector<HTMLElement>('ul')
  if (!input || !list) return
  const limits = limitsOf(box)
  box.hidden = false
  // Without the script the input posts its files with the form (multipart, as ``files``); with it each
  // file goes to S3 first and only its key is posted: the input itself must post nothing.
  input.removeAttribute('name')
  let pending = 0
  input.addEventListener('change', () => {
    for (const file of Array.from(input.files || [])) {
      const item = document.createElement('li')
      list.append(item)
      const attached = form.querySelectorAll('input[name="attachments"]').length
      const why = attached + pending >= limits.maxFiles ? 'too_big' : refuse(file, limits)
      if (why) {
        item.textContent = `${file.name}: ${why === 'too_big' ? box.dataset.tooBig : box.dataset.badType}`
        continue
      }
      pending += 1
      item.textContent = `${file.name} …`
      upload(file)
        .then((key) => {
          const hidden = document.createElement('input')
          hidden.type = 'hidden'
          hidden.name = 'attachments'
          hidden.value = key
          form.append(hidden)
          item.textContent = `${file.name}: ${box.dataset.uploaded}`
        })
        .catch(() => {
          item.textContent = `${file.name}: ${box.dataset.failed}`
        })
        .finally(() => {
          pending -= 1
        })
    }
    input.value = ''
  })
  form.addEventListener('submit', (event) => {
    if (pending > 0) event.preventDefault() // wait for the uploads: the button works again when they are done
  })
}
