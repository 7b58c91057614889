import { describe, expect, it } from 'vitest'
import { leadingZeroBits, solve } from './challenge'

describe('the proof of work', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0, 0x0f, 0xff]))).toBe(12)
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0)
  })

  it('finds a solution the server accepts (the same hash and rule)', async () => {
    const solution = await solve('token.abc', 8)
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`token.abc:${solution}`)),
    )
    expect(leadingZeroBits(digest)).toBeGreaterThanOrEqual(8)
  })
})
