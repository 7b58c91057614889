import { cleanup, screen, waitFor, within } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { ApiError } from '@/api/client'
import AdminList from '@/components/admin/AdminList.vue'
import { setLanguage } from '@/i18n'
import { renderWithApp, seriousViolations } from '@/test/render'

interface Item {
  id: string
  name: string
  version: number
}
interface Form {
  id: string
  name: string
}

/** A server of items with versions, as the API keeps them: a save with a stale version is a 409. */
function server(initial: Item[]) {
  const stored = initial.map((i) => ({ ...i }))
  const calls: { op: string; args: unknown }[] = []
  return {
    stored,
    calls,
    async create(form: Form) {
      calls.push({ op: 'create', args: { ...form } })
      stored.push({ id: form.id, name: form.name, version: 1 })
    },
    async save(item: Item, form: Form) {
      calls.push({ op: 'save', args: { id: item.id, name: form.name, version: item.version } })
      const current = stored.find((i) => i.id === item.id)!
      if (current.version !== item.version)
        throw new ApiError(409, 'version_conflict', `version ${item.version} is stale`)
      Object.assign(current, { name: form.name, version: current.version + 1 })
    },
    async remove(item: Item) {
      calls.push({ op: 'remove', args: item.id })
      stored.splice(stored.indexOf(stored.find((i) => i.id === item.id)!), 1)
    },
  }
}

function field(label: string, draft: { form: Form }, key: keyof Form, disabled = false) {
  return h('label', [
    label,
    h('input', {
      value: draft.form[key],
      disabled,
      onInput: (e: Event) => (draft.form[key] = (e.target as HTMLInputElement).value),
    }),
  ])
}

/** A page using the list as the admin pages do: columns in `head`/`row`, forms in `edit`/`create`. */
function host(
  api: ReturnType<typeof server>,
  options: { canEdit?: boolean; loading?: boolean; loadError?: unknown } = {},
) {
  return defineComponent({
    setup() {
      const items = ref<Item[]>(api.stored.map((i) => ({ ...i })))
      const refresh = async () => {
        items.value = api.stored.map((i) => ({ ...i }))
      }
      return () =>
        h(
          AdminList<Item, Form>,
          {
            items: items.value,
            caption: 'Things',
            empty: 'No things yet.',
            loading: options.loading ?? false,
            loadError: options.loadError,
            canEdit: options.canEdit ?? true,
            itemKey: (i: Item) => i.id,
            itemName: (i: Item) => i.name,
            editLabel: (i: Item) => `Edit ${i.name}`,
            deleteLabel: (i: Item) => `Delete ${i.name}`,
            blank: () => ({ id: '', name: '' }),
            toForm: (i: Item) => ({ id: i.id, name: i.name }),
            create: async (form: Form) => {
              await api.create(form)
              await refresh()
            },
            save: async (item: Item, form: Form) => {
              await api.save(item, form)
              await refresh()
            },
            remove: async (item: Item) => {
              await api.remove(item)
              await refresh()
            },
            done: {
              created: (f: Form) => `${f.name} created`,
              saved: (f: Form) => `${f.name} saved`,
              deleted: (i: Item) => `${i.name} deleted`,
            },
            reload: refresh,
          },
          {
            head: () => h('th', { scope: 'col' }, 'Name'),
            row: ({ item }: { item: Item }) => h('th', { scope: 'row' }, item.name),
            form: ({
              item,
              draft,
              submit,
              cancel,
            }: {
              item: Item | null
              draft: { form: Form }
              submit: () => void
              cancel: () => void
            }) =>
              h(
                'form',
                {
                  'aria-label': item ? 'Edit thing' : 'New thing',
                  onSubmit: (e: Event) => (e.preventDefault(), submit()),
                },
                [
                  field('Id', draft, 'id', item !== null),
                  field('Name', draft, 'name'),
                  h('button', { type: 'submit' }, item ? 'Save' : 'Create'),
                  item ? h('button', { type: 'button', onClick: cancel }, 'Cancel') : null,
                ],
              ),
          },
        )
    },
  })
}

afterEach(async () => {
  cleanup()
  await setLanguage('en')
})

describe('the shared admin list', () => {
  it('says when it is loading, when there is nothing and when the list could not be read', async () => {
    await renderWithApp(host(server([{ id: 'a', name: 'Alpha', version: 1 }]), { loading: true }))
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(screen.queryByRole('table')).toBeNull()
    cleanup()

    await renderWithApp(host(server([])))
    expect(screen.getByText('No things yet.')).toBeTruthy()
    expect(screen.getByRole('form', { name: 'New thing' })).toBeTruthy()
    cleanup()

    await renderWithApp(host(server([]), { loadError: new ApiError(403, 'forbidden', 'admins only') }))
    expect(screen.getByRole('alert').textContent).toContain('admins only')
  })

  it('creates an item from the form and empties the form', async () => {
    const api = server([])
    const user = userEvent.setup()
    await renderWithApp(host(api))
    const form = screen.getByRole('form', { name: 'New thing' })
    await user.type(within(form).getByLabelText('Id'), 'b')
    await user.type(within(form).getByLabelText('Name'), 'Beta')
    await user.click(within(form).getByRole('button', { name: 'Create' }))
    expect(await screen.findByRole('rowheader', { name: 'Beta' })).toBeTruthy()
    expect(api.calls).toEqual([{ op: 'create', args: { id: 'b', name: 'Beta' } }])
    expect((within(form).getByLabelText('Name') as HTMLInputElement).value).toBe('')
  })

  it('saves with the version read; after a conflict explains it and loads the current version', async () => {
    const api = server([{ id: 'a', name: 'Alpha', version: 3 }])
    const user = userEvent.setup()
    const { container } = await renderWithApp(host(api))
    await user.click(screen.getByRole('button', { name: 'Edit Alpha' }))
    const form = screen.getByRole('form', { name: 'Edit thing' })
    const name = within(form).getByLabelText('Name') as HTMLInputElement
    await waitFor(() => expect(document.activeElement).toBe(name)) // the first field that can change
    // someone else saves meanwhile
    Object.assign(api.stored[0]!, { name: 'Alpha (theirs)', version: 4 })
    await user.clear(name)
    await user.type(name, 'Alpha (mine)')
    await user.click(within(form).getByRole('button', { name: 'Save' }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Alpha was changed by someone else meanwhile')
    expect(api.calls.at(-1)).toEqual({ op: 'save', args: { id: 'a', name: 'Alpha (mine)', version: 3 } })
    expect(name.value).toBe('Alpha (mine)') // nothing the agent typed is lost
    expect(await seriousViolations(container)).toEqual([])

    await user.click(within(alert).getByRole('button', { name: 'Load the current version' }))
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
    const current = within(screen.getByRole('form', { name: 'Edit thing' })).getByLabelText(
      'Name',
    ) as HTMLInputElement
    expect(current.value).toBe('Alpha (theirs)')
    await user.clear(current)
    await user.type(current, 'Alpha (both)')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('rowheader', { name: 'Alpha (both)' })).toBeTruthy()
    expect(api.calls.at(-1)).toEqual({ op: 'save', args: { id: 'a', name: 'Alpha (both)', version: 4 } })
    expect(screen.queryByRole('form', { name: 'Edit thing' })).toBeNull()
  })

  it('applies the agent’s changes to the current version when asked to', async () => {
    const api = server([{ id: 'a', name: 'Alpha', version: 1 }])
    const user = userEvent.setup()
    await renderWithApp(host(api))
    await user.click(screen.getByRole('button', { name: 'Edit Alpha' }))
    api.stored[0]!.version = 2
    const name = within(screen.getByRole('form', { name: 'Edit thing' })).getByLabelText('Name')
    await user.type(name, '!')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await user.click(await screen.findByRole('button', { name: 'Apply my changes to it' }))
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
    expect(
      (screen.getByLabelText('Name', { selector: 'form[aria-label="Edit thing"] input' }) as HTMLInputElement)
        .value,
    ).toBe('Alpha!')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('rowheader', { name: 'Alpha!' })).toBeTruthy()
    expect(api.calls.at(-1)).toEqual({ op: 'save', args: { id: 'a', name: 'Alpha!', version: 2 } })
  })

  it('deletes only once the question is confirmed', async () => {
    const api = server([{ id: 'a', name: 'Alpha', version: 1 }])
    const user = userEvent.setup()
    await renderWithApp(host(api))
    await user.click(screen.getByRole('button', { name: 'Delete Alpha' }))
    await screen.findByRole('alertdialog', { name: 'Delete Alpha?' })
    await user.keyboard('{Escape}')
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull())
    expect(api.calls).toEqual([])

    await user.click(screen.getByRole('button', { name: 'Delete Alpha' }))
    const dialog = await screen.findByRole('alertdialog', { name: 'Delete Alpha?' })
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }))
    expect(await screen.findByText('No things yet.')).toBeTruthy()
    expect(api.calls).toEqual([{ op: 'remove', args: 'a' }])
  })

  it('is read-only for an agent who may not change it', async () => {
    await renderWithApp(host(server([{ id: 'a', name: 'Alpha', version: 1 }]), { canEdit: false }))
    expect(screen.getByRole('rowheader', { name: 'Alpha' })).toBeTruthy()
    expect(screen.queryByRole('button')).toBeNull()
    expect(screen.queryByRole('form')).toBeNull()
    expect(screen.queryByRole('columnheader', { name: 'Action' })).toBeNull()
  })

  it('speaks German', async () => {
    await setLanguage('de')
    const api = server([{ id: 'a', name: 'Alpha', version: 1 }])
    const user = userEvent.setup()
    await renderWithApp(host(api))
    expect(screen.getByRole('columnheader', { name: 'Aktion' })).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Edit Alpha' }))
    api.stored[0]!.version = 2
    await user.click(screen.getByRole('button', { name: 'Save' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Alpha wurde inzwischen von jemand anderem geändert')
    expect(within(alert).getByRole('button', { name: 'Aktuelle Fassung laden' })).toBeTruthy()
  })
})
