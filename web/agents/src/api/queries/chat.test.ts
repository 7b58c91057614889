import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { useAgentTyping } from '@/api/queries/chat'
import { fakeApi } from '@/test/render'

describe("the agent's typing hint", () => {
  it('is said to the session at most once per interval while the agent types', async () => {
    const calls = fakeApi((method, url) =>
      method === 'POST' && url.pathname === '/chat/sessions/s%201/agent-typing' ? { status: 204 } : undefined,
    )
    const typing = useAgentTyping(ref('s 1'), 3_000)
    expect([typing.say(1_000), typing.say(2_000), typing.say(3_999), typing.say(4_000)]).toEqual([
      true,
      false,
      false,
      true,
    ])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /chat/sessions/s%201/agent-typing',
      'POST /chat/sessions/s%201/agent-typing',
    ])
  })

  it('says nothing without a session', () => {
    const calls = fakeApi(() => undefined)
    expect(useAgentTyping(ref(''), 3_000).say(10_000)).toBe(false)
    expect(calls).toEqual([])
  })
})
