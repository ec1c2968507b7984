// The Deploy tokens card of an instance page: tokens that may deploy code to this instance and do
// nothing else (for CI and ./picobase deploy), created with a name and shown once with a copy button
// and the exact command line, listed with when last used, revoked after a confirmation.
import { busy, copyButton, h, icon, openDialog, replace, timeEl, toast } from './dom.js';
import { openNameDialog } from './forms.js';
import { codeApi } from './codeapi.js';

/**
 * `./picobase deploy` for this instance; `--api` is this dashboard's origin (the control API serves
 * it), so the command works from wherever the dashboard is reached.
 */
export function deployCommand(instance, token) {
  return `./picobase deploy --instance ${instance.subdomain} --token ${token} --api ${window.location.origin} ./my-app`;
}

export function deployTokensCard(view) {
  const list = h('ul', { class: 'token-list', id: 'token-list', 'aria-busy': 'true' }, h('li', { class: 'skeleton skeleton-row' }));
  const card = { view, list, tokens: null };
  const create = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'new-deploy-token' }, icon('plus'), 'New token');
  create.addEventListener('click', () => openCreateDialog(card));
  const command = deployCommand(view.instance, '"$PICOBASE_DEPLOY_TOKEN"');
  load(card);
  return h('section', { class: 'card', id: 'deploy-tokens-card', 'aria-labelledby': 'deploy-tokens-title' },
    h('div', { class: 'card-header' },
      h('h2', { id: 'deploy-tokens-title', class: 'card-title' }, icon('terminal', 'icon icon-title'), 'Deploy tokens'),
      create),
    h('p', { class: 'card-subtitle muted' }, 'For CI or a terminal: a token deploys code (pb_hooks, pb_migrations, '
      + 'pb_public) to this instance and can do nothing else.'),
    h('div', { class: 'snippet snippet-sm' },
      h('pre', { class: 'snippet-code', id: 'deploy-command' }, command),
      copyButton(command, 'Copy command', { compact: true })),
    list);
}

async function load(card) {
  try {
    card.tokens = (await codeApi.deployTokens(card.view.instance.id)).tokens;
    render(card);
  } catch (error) {
    if (error.status === 401) return;
    card.list.removeAttribute('aria-busy');
    replace(card.list, h('li', { class: 'page-alert', role: 'alert' }, icon('alert'), `Could not load deploy tokens: ${error.message}`));
  }
}

function render(card) {
  card.list.removeAttribute('aria-busy');
  if (!card.tokens.length) {
    replace(card.list, h('li', { class: 'file-empty muted' }, 'No deploy tokens.'));
    return;
  }
  replace(card.list, card.tokens.map((token) => {
    const revoke = h('button', { type: 'button', class: 'btn btn-ghost btn-icon btn-danger-text', dataset: { revokeToken: token.id },
      'aria-label': `Revoke deploy token ${token.name}`, title: 'Revoke' }, icon('trash'));
    revoke.addEventListener('click', () => openRevokeDialog(card, token));
    return h('li', { class: 'token-row', dataset: { tokenId: token.id } },
      h('div', { class: 'token-main' },
        h('div', { class: 'key-name' }, token.name),
        h('div', { class: 'muted token-meta' }, h('span', {}, 'created ', timeEl(token.createdAt)),
          h('span', { 'aria-hidden': 'true' }, '·'), h('span', {}, 'last used ', timeEl(token.lastUsedAt, 'never')))),
      revoke);
  }));
}

function openCreateDialog(card) {
  const { view } = card;
  openNameDialog({
    formId: 'create-deploy-token-form', title: 'New deploy token',
    description: `It may deploy code to ${view.instance.name} (${view.instance.subdomain}) and nothing else.`,
    label: 'Token name', hint: 'Where it is used, e.g. "GitHub Actions".', placeholder: 'ci',
    submitLabel: 'Create token', missing: 'Give the token a name',
    create: (name) => codeApi.createDeployToken(view.instance.id, name),
    created: (dialog, token) => {
      reveal(card, dialog, token);
      load(card);
    },
  });
}

/** The dialog turned into the one-time reveal of the token and its command line. */
function reveal(card, dialog, created) {
  const value = h('input', { id: 'new-deploy-token-value', class: 'input mono', readonly: true, 'aria-label': 'Your new deploy token',
    value: created.token });
  const command = deployCommand(card.view.instance, created.token);
  const done = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-deploy-token-done' }, 'I have copied it');
  done.addEventListener('click', () => dialog.close());
  dialog.classList.add('dialog-wide');
  dialog.querySelector('.dialog-title').textContent = `Deploy token "${created.name}" created`;
  dialog.querySelector('.dialog-description')?.remove();
  dialog.querySelector('form')?.remove();
  const actions = dialog.querySelector('.dialog-actions');
  actions.before(
    h('div', { class: 'callout callout-warning', role: 'alert' }, icon('alert'),
      h('div', {}, h('strong', {}, 'Copy this token now. '), 'It will not be shown again: PicoBase keeps only a hash of it.')),
    h('div', { class: 'reveal' }, h('div', { class: 'input-group' }, value, copyButton(() => value.value, 'Copy token'))),
    h('p', { class: 'hint reveal-hint' }, 'Deploy a folder holding pb_hooks, pb_migrations and/or pb_public:'),
    h('div', { class: 'snippet' },
      h('pre', { class: 'snippet-code', id: 'new-deploy-command' }, command),
      copyButton(command, 'Copy command', { compact: true })));
  replace(actions, done);
  value.focus();
  value.select();
}

function openRevokeDialog(card, token) {
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-revoke-token' }, 'Revoke token');
  const { close } = openDialog({
    title: `Revoke "${token.name}"?`,
    description: 'Deploys with it are refused at once. This cannot be undone.',
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    busy(confirm, 'Revoking…');
    try {
      await codeApi.revokeDeployToken(card.view.instance.id, token.id);
      toast(`Revoked "${token.name}"`);
    } catch (error) {
      toast(error.status === 404 ? 'That token was already revoked' : error.message, 'error');
    }
    close();
    load(card);
  });
}
