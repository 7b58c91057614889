// The contact form's proof of work, asked for once a client sent a lot: find a solution such that
// sha256(challenge + ":" + solution) starts with `bits` zero bits, then send the form by itself.
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

export async function solve(challenge: string, bits: number, limit = 50_000_000): Promise<string> {
  const encoder = new TextEncoder()
  for (let n = 0; n < limit; n++) {
    const candidate = n.toString(36)
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', encoder.encode(`${challenge}:${candidate}`)),
    )
    if (leadingZeroBits(digest) >= bits) return candidate
  }
  throw new Error('no solution found')
}

export async function solveForm(form: HTMLFormElement): Promise<void> {
  const input = form.querySelector<HTMLInputElement>('input[data-challenge]')
  const solution = form.querySelector<HTMLInputElement>('input[name="solution"]')
  if (!input || !solution) return
  solution.value = await solve(input.value, Number(input.dataset.challenge || 16))
  form.submit()
}
