import { cleanup, screen } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import SearchableList from '@/components/SearchableList.vue'
import { renderWithApp, seriousViolations } from '@/test/render'

const FRUITS = ['Apple', 'Apricot', 'Banana', 'Cherry']

function host(chosen: string[], query = ref('')) {
  return defineComponent({
    setup() {
      return () =>
        h(
          SearchableList<string>,
          {
            search: (q: string) => FRUITS.filter((f) => f.toLowerCase().includes(q.trim().toLowerCase())),
            itemKey: (f: string) => f,
            label: 'Find a fruit',
            listLabel: 'Fruits',
            empty: 'No fruit matches.',
            idPrefix: 'fruit',
            query: query.value,
            'onUpdate:query': (q: string) => (query.value = q),
            onChoose: (f: string) => chosen.push(f),
          },
          { option: ({ item }: { item: string }) => h('span', item) },
        )
    },
  })
}

const highlighted = () => screen.getByRole('option', { selected: true }).textContent

afterEach(() => cleanup())

describe('the searchable list (command palette, macro picker)', () => {
  it('moves the highlight with the arrow keys, round the ends, and Enter chooses it', async () => {
    const chosen: string[] = []
    const { container } = await renderWithApp(host(chosen))
    const user = userEvent.setup()
    const input = screen.getByRole('combobox', { name: 'Find a fruit' })
    await user.click(input)
    expect(screen.getAllByRole('option')).toHaveLength(4)
    expect(highlighted()).toBe('Apple')
    expect(input.getAttribute('aria-activedescendant')).toBe('fruit-option-0')

    await user.keyboard('{ArrowDown}{ArrowDown}')
    expect(highlighted()).toBe('Banana')
    expect(input.getAttribute('aria-activedescendant')).toBe('fruit-option-2')
    await user.keyboard('{ArrowUp}{ArrowUp}{ArrowUp}') // past the top: the last one
    expect(highlighted()).toBe('Cherry')
    await user.keyboard('{ArrowDown}') // past the bottom: the first one
    expect(highlighted()).toBe('Apple')
    await user.keyboard('{ArrowDown}{Enter}')
    expect(chosen).toEqual(['Apricot'])
    expect(document.activeElement).toBe(input) // the focus stays in the field
    expect(await seriousViolations(container)).toEqual([])
  })

  it('filters as one types and highlights the first match again', async () => {
    const chosen: string[] = []
    const query = ref('')
    await renderWithApp(host(chosen, query))
    const user = userEvent.setup()
    const input = screen.getByRole('combobox', { name: 'Find a fruit' })
    await user.click(input)
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}')
    expect(highlighted()).toBe('Cherry')
    await user.type(input, 'ap')
    expect(query.value).toBe('ap') // the caller can keep the query (v-model:query)
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Apple', 'Apricot'])
    expect(highlighted()).toBe('Apple')
    await user.keyboard('{ArrowUp}{Enter}')
    expect(chosen).toEqual(['Apricot'])
  })

  it('says when nothing matches, and Enter then chooses nothing', async () => {
    const chosen: string[] = []
    await renderWithApp(host(chosen))
    const user = userEvent.setup()
    const input = screen.getByRole('combobox', { name: 'Find a fruit' })
    await user.type(input, 'kiwi{ArrowDown}{Enter}')
    expect(screen.getByText('No fruit matches.')).toBeTruthy()
    expect(input.getAttribute('aria-activedescendant')).toBeNull()
    expect(chosen).toEqual([])
  })

  it('chooses an option by click too', async () => {
    const chosen: string[] = []
    await renderWithApp(host(chosen))
    await userEvent.setup().click(screen.getByRole('option', { name: 'Cherry' }))
    expect(chosen).toEqual(['Cherry'])
  })
})
