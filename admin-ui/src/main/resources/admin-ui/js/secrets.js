// The Secrets card of an instance page: its environment variables by name and when set (the API never
// answers a value), one added or replaced (the value typed in a password field, cleared once saved),
// one deleted after a confirmation. Hooks read them with $os.getenv; a change restarts a running
// instance so that it applies at once (EnvRoutes).
import { busy, h, icon, openDialog, replace, timeEl, toast } from './dom.js';
import { clearErrors, field, setFieldError, showError, showFormMessage } from './forms.js';
import { codeApi } from './codeapi.js';

export function secretsCard(view) {
  const list = h('ul', { class: 'secret-list', id: 'secret-list', 'aria-busy': 'true' }, h('li', { class: 'skeleton skeleton-row' }));
  const name = field({ label: 'Name', name: 'secret-name', hint: 'Capital letters, digits and _, e.g. STRIPE_KEY.',
    attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', maxlength: 64, class: 'input mono', placeholder: 'GREETING' } });
  const value = field({ label: 'Value', name: 'secret-value', type: 'password',
    hint: 'Write-only: it is never shown again, here or by the API.',
    attrs: { autocomplete: 'new-password', spellcheck: 'false', class: 'input mono' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-secret' }, 'Save secret');
  const form = h('form', { id: 'secret-form', class: 'form secret-form', novalidate: true }, name.wrapper, value.wrapper,
    h('div', { class: 'form-actions' }, save));
  const card = { view, list, vars: null };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const key = name.input.value.trim();
    if (!key) {
      setFieldError(form, 'secret-name', 'Name the secret');
      name.input.focus();
      return;
    }
    const done = busy(save, view.instance.status === 'running' ? 'Saving and restarting…' : 'Saving…');
    try {
      const result = await codeApi.setEnv(view.instance.id, { [key]: value.input.value });
      done();
      value.input.value = '';
      name.input.value = '';
      card.vars = result.vars;
      render(card);
      showFormMessage(form, restartNote(result.instance, `Saved ${key}`), result.instance?.status === 'failed' ? 'error' : 'info');
      toast(`Saved ${key}`);
      view.polls.forEach((p) => p.now());
    } catch (error) {
      done();
      // The API names "vars" for a bad name and "vars.NAME" for a bad value.
      const target = error.field && error.field.startsWith('vars.') ? 'secret-value' : error.field === 'vars' ? 'secret-name' : null;
      showError(form, { ...error, field: target });
    }
  });
  load(card);
  return h('section', { class: 'card', id: 'secrets-card', 'aria-labelledby': 'secrets-title' },
    h('h2', { id: 'secrets-title', class: 'card-title' }, icon('key', 'icon icon-title'), 'Secrets'),
    h('p', { class: 'card-subtitle muted' }, 'Environment variables for this instance\'s hooks, which read them with ',
      h('code', {}, '$os.getenv("NAME")'), '. Stored encrypted; values are never shown. Saving or deleting one restarts '
      + 'a running instance so it picks the change up (requests wait meanwhile). Clones do not get them.'),
    list,
    form);
}

function restartNote(instance, what) {
  if (!instance) return `${what}.`;
  if (instance.status === 'running') return `${what}; the instance restarted with it.`;
  if (instance.status === 'failed') return `${what}, but PocketBase did not start again: ${instance.statusReason || 'see the log'}.`;
  return `${what}; the instance reads it at its next start.`;
}

async function load(card) {
  try {
    card.vars = (await codeApi.env(card.view.instance.id)).vars;
    render(card);
  } catch (error) {
    if (error.status === 401) return;
    card.list.removeAttribute('aria-busy');
    replace(card.list, h('li', { class: 'page-alert', role: 'alert' }, icon('alert'), `Could not load secrets: ${error.message}`));
  }
}

function render(card) {
  card.list.removeAttribute('aria-busy');
  if (!card.vars.length) {
    replace(card.list, h('li', { class: 'file-empty muted' }, 'No secrets yet.'));
    return;
  }
  replace(card.list, card.vars.map((v) => {
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-icon btn-danger-text', dataset: { deleteSecret: v.name },
      'aria-label': `Delete secret ${v.name}`, title: 'Delete' }, icon('trash'));
    remove.addEventListener('click', () => openDeleteDialog(card, v));
    return h('li', { class: 'secret-row', dataset: { secret: v.name } },
      h('div', { class: 'secret-main' },
        h('code', { class: 'secret-name' }, v.name),
        h('span', { class: 'muted secret-when' }, 'set ', timeEl(v.setAt))),
      remove);
  }));
}

function openDeleteDialog(card, v) {
  const { view } = card;
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-delete-secret' }, 'Delete secret');
  const { close } = openDialog({
    title: `Delete ${v.name}?`,
    description: `Hooks reading it get an empty string. ${view.instance.status === 'running' ? 'The instance restarts without it.' : ''}`
      + ' Its value cannot be recovered.',
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    busy(confirm, 'Deleting…');
    try {
      const result = await codeApi.deleteEnv(view.instance.id, v.name);
      card.vars = result.vars;
      toast(`Deleted ${v.name}`);
      view.polls.forEach((p) => p.now());
    } catch (error) {
      toast(error.status === 404 ? `${v.name} was already gone` : error.message, 'error');
      await load(card);
    }
    close();
    render(card);
  });
}
