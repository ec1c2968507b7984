// One instance: status with start/stop, its address, API keys (a new key shown once), how to connect
// an app (connect.js), its code, secrets and deploy tokens (files.js, secrets.js, deploytokens.js), a
// clone (clone.js), its backups
// (snapshots with why each was taken, each downloadable, restorable behind a confirmation or cloned, and
// "Back up now"), usage and the rate limit (usage.js), settings (name, idle timeout), the recent
// PocketBase log (refreshed while it runs), a way into PocketBase's own admin UI, and deletion
// behind a typed confirmation. Status is polled every two seconds and backups every five while
// the page is visible.
import { api, isConnected, onConnectionChange } from './api.js';
import { domainsCard } from './domains.js';
import {
  absoluteTime, busy, copyButton, h, icon, openDialog, poller, relativeTime, replace, STATUS_LABELS, statusPill, timeEl,
  toast,
} from './dom.js';
import {
  capitalize, clearErrors, field, openNameDialog, selectField, setFieldError, showError, showFormMessage,
} from './forms.js';
import { cloneBackupButton, cloneButton } from './clone.js';
import { connectCard } from './connect.js';
import { deployTokensCard } from './deploytokens.js';
import { filesCard } from './files.js';
import { secretsCard } from './secrets.js';
import { rateLimitCard, startUsage, usageCard } from './usage.js';

const ACTIVE = new Set(['starting', 'running', 'stopping']);

/** The idle timeouts offered in Settings; '' is the platform default (null in the API). */
const IDLE_CHOICES = [
  { value: '', label: 'Platform default' }, // its label names the default's value: idleChoices()
  { value: '60', label: '1 minute' },
  { value: '300', label: '5 minutes' },
  { value: '900', label: '15 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '24 hours' },
];

export function renderInstance(main, ctx, id) {
  document.title = 'Instance · PicoBase';
  const view = {
    instance: null, operation: null, keys: null, backups: null, polls: [], main, ctx, id,
  };
  replace(main, h('section', { class: 'page' },
    backLink(),
    h('div', { class: 'page-header instance-header', id: 'instance-header' },
      h('div', { class: 'grow' },
        h('div', { class: 'skeleton skeleton-h1' }),
        h('div', { class: 'skeleton skeleton-line short' }))),
    h('div', { class: 'instance-layout' },
      h('div', { class: 'stack' },
        h('div', { class: 'card skeleton-card tall', 'aria-hidden': 'true' }),
        h('div', { class: 'card skeleton-card tall', 'aria-hidden': 'true' })),
      h('div', { class: 'stack' }, h('div', { class: 'card skeleton-card', 'aria-hidden': 'true' })))));

  let built = false;
  const statusPoll = poller(async () => {
    let instance;
    try {
      instance = await api.instance(id);
    } catch (error) {
      if (error.status === 404) {
        stopAll();
        renderGone(main);
      } else if (!built && error.status !== 401) {
        replace(main.querySelector('#instance-header'), h('div', { class: 'page-alert', role: 'alert' }, icon('alert'),
          h('span', {}, `Could not load this instance: ${error.message}`)));
      }
      throw error;
    }
    const before = view.instance;
    view.instance = instance;
    if (!built) {
      built = true;
      build(view);
    } else {
      update(view, before);
    }
  }, 2000);
  view.polls.push(statusPoll);

  function stopAll() {
    return Promise.all(view.polls.map((p) => p.stop()));
  }
  view.stopAll = stopAll;
  // While the API cannot be reached the page shows no live status: the pill says Unknown and the log
  // is not Live; once an answer comes back both are redrawn from it.
  const unsubscribe = onConnectionChange(() => {
    if (!built || !view.header.isConnected) return;
    showStatus(view);
    showLogState(view);
    if (isConnected()) statusPoll.now();
  });
  return () => {
    unsubscribe();
    return stopAll();
  };
}

function backLink() {
  return h('a', { href: '/', 'data-link': true, class: 'back-link' }, icon('back', 'icon icon-sm'), 'All instances');
}

function renderGone(main) {
  replace(main, h('section', { class: 'page' }, backLink(), h('div', { class: 'empty-state card' },
    h('h1', {}, 'Instance not found'),
    h('p', { class: 'muted' }, 'It may have been deleted, or it belongs to another account.'),
    h('a', { href: '/', 'data-link': true, class: 'btn btn-primary' }, 'Back to your instances'))));
}

function build(view) {
  const { instance, main } = view;
  document.title = `${instance.name} · PicoBase`;
  view.header = h('div', { class: 'page-header instance-header', id: 'instance-header' });
  view.details = h('dl', { class: 'details' });
  view.keysList = h('div', { class: 'key-list', id: 'key-list', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  view.logBox = h('pre', { class: 'log-box', id: 'log-box', tabindex: '0', 'aria-label': 'PocketBase log' });
  view.logState = h('span', { class: 'log-state muted' });

  const newKey = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'new-key' }, icon('plus'), 'New key');
  newKey.addEventListener('click', () => openCreateKeyDialog(view));
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-instance' }, icon('trash'), 'Delete instance');
  deleteButton.addEventListener('click', () => openDeleteDialog(view));

  replace(main, h('section', { class: 'page' },
    backLink(),
    view.header,
    h('div', { class: 'instance-layout' },
      h('div', { class: 'stack' },
        h('section', { class: 'card', 'aria-labelledby': 'keys-title' },
          h('div', { class: 'card-header' },
            h('h2', { id: 'keys-title', class: 'card-title' }, icon('key', 'icon icon-title'), 'API keys'),
            newKey),
          h('p', { class: 'card-subtitle muted' }, 'Send a key in the ', h('code', {}, 'apikey'),
            ' header (or the ', h('code', {}, '?apikey='), ' query parameter) with every request to this instance.'),
          view.keysList),
        connectCard(view),
        filesCard(view),
        backupsCard(view),
        usageCard(view),
        h('section', { class: 'card', 'aria-labelledby': 'logs-title' },
          h('div', { class: 'card-header' },
            h('h2', { id: 'logs-title', class: 'card-title' }, icon('terminal', 'icon icon-title'), 'Logs'),
            view.logState),
          h('p', { class: 'card-subtitle muted' }, 'The latest 200 lines PocketBase printed, refreshed while it runs.'),
          view.logBox)),
      h('div', { class: 'stack' },
        h('section', { class: 'card', 'aria-labelledby': 'details-title' },
          h('h2', { id: 'details-title', class: 'card-title' }, 'Details'),
          view.details),
        settingsCard(view),
        secretsCard(view),
        deployTokensCard(view),
        rateLimitCard(view),
        domainsCard(view),
        adminCard(view),
        h('section', { class: 'card card-danger', 'aria-labelledby': 'danger-title' },
          h('h2', { id: 'danger-title', class: 'card-title' }, 'Delete instance'),
          h('p', { class: 'muted' }, 'Stops the instance and permanently deletes its data, snapshots and keys.'),
          deleteButton)))));

  renderHeader(view);
  renderDetails(view);
  loadKeys(view);
  startBackups(view);
  startUsage(view);
  startLogs(view);
}

function update(view, before) {
  const now = view.instance;
  if (JSON.stringify(now) !== JSON.stringify(before)) {
    // The header holds the Start/Stop button: rebuild it only when what it shows changed, not on
    // every new lastActivityAt, so the button keeps focus while the instance serves traffic.
    if (!view.operation && headerKey(now) !== headerKey(before)) renderHeader(view);
    renderDetails(view);
    syncSettings(view);
    if (before && before.status !== now.status) {
      if (ACTIVE.has(now.status) !== ACTIVE.has(before.status)) view.logsPoll?.now();
      // a stop (or idle stop) saves a snapshot: show it without waiting for the next poll
      if (now.status === 'stopped' || now.status === 'failed') view.backupsPoll?.now();
    }
  } else {
    view.main.querySelectorAll('time[datetime]').forEach((t) => {
      t.textContent = relativeTime(t.getAttribute('datetime'));
    });
  }
}

/**
 * The status the page shows, in the header's pill and in Details alike: while a start, stop or restore
 * this page asked for is under way it is that operation's (the API may still say "stopped" for a
 * moment after a start was asked for); otherwise the API's.
 */
function shownStatus(view) {
  if (!isConnected()) return 'unknown';
  if (view.operation === 'start') return 'starting';
  if (view.operation === 'stop' || view.operation === 'restore') return 'stopping';
  return view.instance.status;
}

function headerKey(i) {
  return i ? JSON.stringify([i.name, i.status, i.statusReason, i.url]) : '';
}

function renderHeader(view) {
  const { instance } = view;
  const action = actionButton(view);
  replace(view.header,
    h('div', { class: 'grow min-w-0' },
      h('div', { class: 'title-row' },
        h('h1', { class: 'page-title', id: 'instance-name' }, instance.name),
        h('span', { id: 'instance-status' }, statusPill(shownStatus(view)))),
      h('div', { class: 'url-row url-row-lg' },
        h('code', { class: 'url-text', id: 'instance-url' }, instance.url),
        copyButton(instance.url, 'Copy URL', { compact: true })),
      instance.status === 'failed' && instance.statusReason
        ? h('p', { class: 'status-reason' }, icon('alert', 'icon icon-sm'), instance.statusReason) : null),
    h('div', { class: 'header-actions' }, cloneButton(view.ctx, () => view.instance), action));
}

function actionButton(view) {
  const { instance } = view;
  const status = instance.status;
  if (status === 'starting' || status === 'stopping') {
    const btn = h('button', { type: 'button', class: 'btn btn-secondary', id: 'instance-action' });
    busy(btn, status === 'starting' ? 'Starting…' : 'Stopping…');
    return btn;
  }
  const start = status !== 'running';
  const btn = h('button', { type: 'button', class: `btn ${start ? 'btn-primary' : 'btn-secondary'}`, id: 'instance-action',
    dataset: { action: start ? 'start' : 'stop' } }, icon(start ? 'play' : 'stop'), start ? 'Start' : 'Stop');
  btn.addEventListener('click', async () => {
    view.operation = start ? 'start' : 'stop';
    busy(btn, start ? 'Starting…' : 'Stopping…');
    showStatus(view);
    view.logsPoll?.now();
    try {
      view.instance = await (start ? api.start(instance.id) : api.stop(instance.id));
      toast(start ? `${instance.name} is running` : `${instance.name} is stopped`);
    } catch (error) {
      toast(error.message, 'error');
      await reloadInstance(view);
    } finally {
      operationDone(view);
      if (view.header.isConnected) view.header.querySelector('#instance-action')?.focus();
    }
  });
  return btn;
}

/** Redraws the status in the header's pill and in Details from shownStatus(). */
function showStatus(view) {
  view.header.querySelector('#instance-status')?.replaceChildren(statusPill(shownStatus(view)));
  renderDetails(view);
}

function renderDetails(view) {
  const i = view.instance;
  const status = shownStatus(view);
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  replace(view.details,
    row('Subdomain', h('code', {}, i.subdomain)),
    row('Status', h('span', { id: 'details-status', dataset: { status } },
      status === i.status && i.statusReason ? `${STATUS_LABELS[status] || status} — ${i.statusReason}`
        : STATUS_LABELS[status] || status)),
    row('Last activity', timeEl(i.lastActivityAt, 'none yet')),
    row('Idle timeout', i.idleTimeoutSeconds == null ? defaultIdleLabel(i) : duration(i.idleTimeoutSeconds)),
    row('Created', h('span', { title: absoluteTime(i.createdAt) }, absoluteTime(i.createdAt))),
    row('Instance ID', h('code', { class: 'break' }, i.id)));
}

function adminCard(view) {
  const key = field({ label: 'API key', name: 'admin-key', type: 'password',
    hint: 'Paste a key of this instance. It stays in this browser tab.',
    attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: 'pbk_…', class: 'input mono' } });
  const open = h('button', { type: 'button', class: 'btn btn-secondary', id: 'open-admin', disabled: true },
    icon('external'), 'Open admin UI');
  key.input.addEventListener('input', () => {
    open.disabled = !/^pbk_\S+$/.test(key.input.value.trim());
  });
  open.addEventListener('click', () => {
    window.open(adminUrl(view.instance, key.input.value.trim()), '_blank', 'noopener,noreferrer');
  });
  return h('section', { class: 'card admin-card', 'aria-labelledby': 'admin-title' },
    h('h2', { id: 'admin-title', class: 'card-title' }, 'PocketBase admin'),
    h('p', { class: 'muted' }, 'Collections, users and settings live in PocketBase\'s own admin UI at ',
      h('code', {}, '/_/'), '. Opening it needs an API key; a new key comes with a ready-made link.'),
    key.wrapper,
    open);
}

function adminUrl(instance, key) {
  return `${instance.url}/_/?apikey=${encodeURIComponent(key)}`;
}

async function loadKeys(view) {
  try {
    const { keys } = await api.keys(view.instance.id);
    view.keys = keys;
    renderKeys(view);
  } catch (error) {
    if (error.status !== 401) {
      replace(view.keysList, h('p', { class: 'page-alert', role: 'alert' }, icon('alert'), `Could not load keys: ${error.message}`));
    }
  }
}

function renderKeys(view) {
  view.keysList.removeAttribute('aria-busy');
  if (!view.keys.length) {
    const create = h('button', { type: 'button', class: 'btn btn-primary btn-sm' }, icon('plus'), 'Create a key');
    create.addEventListener('click', () => openCreateKeyDialog(view));
    replace(view.keysList, h('div', { class: 'empty-inline' },
      h('p', {}, h('strong', {}, 'No keys yet. '), h('span', { class: 'muted' }, 'Create one to call this instance from your app or to open its admin UI.')),
      create));
    return;
  }
  replace(view.keysList, view.keys.map((key) => {
    const revoke = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-danger-text', dataset: { revoke: key.id },
      'aria-label': `Revoke key ${key.name}` }, icon('trash'), h('span', { class: 'hide-sm' }, 'Revoke'));
    revoke.addEventListener('click', () => openRevokeDialog(view, key));
    return h('div', { class: 'key-row', dataset: { keyId: key.id } },
      h('div', { class: 'key-main' },
        h('div', { class: 'key-name' }, key.name),
        h('code', { class: 'key-hint' }, key.hint)),
      h('div', { class: 'key-meta muted' },
        h('span', {}, 'Created ', timeEl(key.createdAt)),
        h('span', {}, 'Last used ', timeEl(key.lastUsedAt, 'never'))),
      revoke);
  }));
}

function openCreateKeyDialog(view) {
  openNameDialog({
    formId: 'create-key-form', title: 'New API key',
    description: `For ${view.instance.name} (${view.instance.subdomain}).`,
    label: 'Key name', hint: 'Something that says where it is used, e.g. "web app" or "backend".',
    placeholder: 'web app', submitLabel: 'Create key', missing: 'Give the key a name',
    create: (name) => api.createKey(view.instance.id, name),
    created: (dialog, key) => {
      showNewKey(view, dialog, key);
      loadKeys(view);
    },
  });
}

/** Turns the create dialog into the one-time reveal of the full key. */
function showNewKey(view, dialog, created) {
  const keyInput = h('input', { id: 'new-key-value', class: 'input mono', readonly: true, 'aria-label': 'Your new API key', value: created.key });
  const link = adminUrl(view.instance, created.key);
  const done = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-key-done' }, 'I have copied it');
  done.addEventListener('click', () => dialog.close());
  dialog.classList.add('dialog-wide');
  dialog.querySelector('.dialog-title').textContent = `Key "${created.name}" created`;
  dialog.querySelector('.dialog-description')?.remove();
  dialog.querySelector('form')?.remove();
  const actions = dialog.querySelector('.dialog-actions');
  actions.before(
    h('div', { class: 'callout callout-warning', role: 'alert' }, icon('alert'),
      h('div', {}, h('strong', {}, 'Copy this key now. '), 'It will not be shown again: PicoBase keeps only a hash of it. '
        + 'If you lose it, revoke it and create a new one.')),
    h('div', { class: 'reveal' },
      h('div', { class: 'input-group' }, keyInput, copyButton(() => keyInput.value, 'Copy key'))),
    h('div', { class: 'reveal-links' },
      h('a', { href: link, target: '_blank', rel: 'noopener noreferrer', class: 'btn btn-secondary', id: 'new-key-admin-link' },
        icon('external'), 'Open PocketBase admin with this key'),
      h('p', { class: 'hint' }, 'Try it: ', h('code', { class: 'break' }, `curl -H "apikey: ${created.key}" ${view.instance.url}/api/health`))));
  replace(actions, done);
  keyInput.focus();
  keyInput.select();
}

function openRevokeDialog(view, key) {
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-revoke' }, 'Revoke key');
  const { close } = openDialog({
    title: `Revoke "${key.name}"?`,
    description: 'Apps using this key get 401 responses within a second. This cannot be undone.',
    body: h('p', {}, h('code', {}, key.hint)),
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    busy(confirm, 'Revoking…');
    try {
      await api.revokeKey(view.instance.id, key.id);
      toast(`Revoked "${key.name}"`);
    } catch (error) {
      toast(error.status === 404 ? 'That key was already revoked' : error.message, 'error');
    }
    close();
    loadKeys(view);
  });
}

function openDeleteDialog(view) {
  const { instance } = view;
  const confirmField = field({ label: `Type ${instance.subdomain} to confirm`, name: 'confirm',
    attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', class: 'input mono' } });
  const form = h('form', { id: 'delete-form', class: 'form', novalidate: true }, confirmField.wrapper);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', form: 'delete-form', id: 'confirm-delete', disabled: true },
    'Delete forever');
  const { close } = openDialog({
    title: `Delete ${instance.name}?`,
    description: 'This stops the instance and permanently deletes its database, uploaded files, snapshots and API keys. '
      + 'Apps using it stop working at once.',
    body: form,
    actions: [cancel, submit],
  });
  cancel.addEventListener('click', close);
  confirmField.input.addEventListener('input', () => {
    submit.disabled = confirmField.input.value.trim() !== instance.subdomain;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (confirmField.input.value.trim() !== instance.subdomain) return;
    const done = busy(submit, 'Deleting…');
    // Stop polling first: a status or log request arriving after the delete would be a 404.
    await view.stopAll();
    try {
      await api.deleteInstance(instance.id);
      close();
      toast(`Deleted ${instance.name}`);
      view.ctx.navigate('/', { replace: true });
    } catch (error) {
      done();
      showError(form, error);
      view.ctx.navigate(`/instances/${encodeURIComponent(instance.id)}`, { replace: true });
    }
  });
}

/** "Live" while the instance runs and the API answers; "Not running"; "Paused" while the API is unreachable. */
function showLogState(view) {
  if (!isConnected()) {
    replace(view.logState, 'Paused');
  } else if (ACTIVE.has(view.instance.status)) {
    replace(view.logState, h('span', { class: 'live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Live'));
  } else {
    replace(view.logState, 'Not running');
  }
}

function startLogs(view) {
  let lastText = null;
  let fetchedFor = null; // the status the log was last fetched in: one more fetch after it stops
  const poll = poller(async () => {
    const status = view.instance.status;
    if (!ACTIVE.has(status) && view.operation === null && fetchedFor === status) return;
    fetchedFor = view.operation ? null : status;
    const { lines } = await api.logs(view.instance.id, 200);
    const text = lines.join('\n');
    showLogState(view);
    if (text === lastText) return;
    lastText = text;
    const box = view.logBox;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    if (!lines.length) {
      box.classList.add('is-empty');
      box.textContent = 'No output yet. PocketBase\'s log appears here once the instance starts.';
    } else {
      box.classList.remove('is-empty');
      box.textContent = text;
      if (atBottom || box.scrollTop === 0) box.scrollTop = box.scrollHeight;
    }
  }, 2500);
  view.logsPoll = poll;
  view.polls.push(poll);
}

// ---- Backups ---------------------------------------------------------------------------------

function backupsCard(view) {
  view.backupsList = h('div', { class: 'backup-list', id: 'backup-list', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }));
  view.backupsMessage = h('div', { class: 'form-alert', id: 'backups-message', role: 'status', hidden: true });
  const backUpNow = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'back-up-now' },
    icon('plus'), 'Back up now');
  backUpNow.addEventListener('click', () => backUp(view, backUpNow));
  return h('section', { class: 'card', 'aria-labelledby': 'backups-title' },
    h('div', { class: 'card-header' },
      h('h2', { id: 'backups-title', class: 'card-title' }, icon('archive', 'icon icon-title'), 'Backups'),
      backUpNow),
    h('p', { class: 'card-subtitle muted' }, 'Snapshots of the instance\'s data, saved each time it stops and every '
      + 'little while it runs, and whenever you back up now. Restoring one saves the current data first. '
      + 'Download one to keep a copy: it is a zip of PocketBase\'s pb_data.'),
    view.backupsMessage,
    view.backupsList);
}

/** "Back up now": a new backup, running or stopped; it appears at the top of the list. */
async function backUp(view, button) {
  const done = busy(button, 'Backing up…');
  try {
    const backup = await api.backUp(view.instance.id);
    showBackupsMessage(view, `Backed up ${formatSize(backup.sizeBytes)} at ${absoluteTime(backup.createdAt)}.`, 'info');
    toast('Backup taken');
    await view.backupsPoll?.now();
  } catch (error) {
    showBackupsMessage(view, `The backup was not taken: ${error.message}`, 'error');
  } finally {
    done();
  }
}

/** What the list says about why a backup was taken (the API's reason codes). */
const REASONS = {
  stop: 'Saved at stop',
  periodic: 'Periodic',
  manual: 'Manual',
  before_restore: 'Before a restore',
  set_aside: 'Set aside',
  deploy: 'After a deploy',
  clone: 'Cloned',
};

function startBackups(view) {
  let lastJson = null;
  const poll = poller(async () => {
    let backups;
    try {
      ({ backups } = await api.backups(view.instance.id));
    } catch (error) {
      if (error.status !== 401 && error.status !== 404 && view.backups === null) {
        view.backupsList.removeAttribute('aria-busy');
        replace(view.backupsList, h('p', { class: 'page-alert', role: 'alert' }, icon('alert'),
          `Could not load backups: ${error.message}`));
      }
      throw error;
    }
    const json = JSON.stringify(backups);
    view.backups = backups;
    view.onBackups?.(backups);
    // Rebuild only when something changed, so a focused Restore button keeps its focus.
    if (json !== lastJson) {
      lastJson = json;
      renderBackups(view);
    }
  }, 5000);
  view.backupsPoll = poll;
  view.polls.push(poll);
}

function renderBackups(view) {
  view.backupsList.removeAttribute('aria-busy');
  if (!view.backups.length) {
    replace(view.backupsList, h('div', { class: 'empty-inline', id: 'backups-empty' },
      h('p', {}, h('strong', {}, 'No backups yet. '),
        h('span', { class: 'muted' }, 'PicoBase saves one each time the instance stops.'))));
    return;
  }
  replace(view.backupsList, view.backups.map((backup) => {
    const restore = backup.current ? null
      : h('button', { type: 'button', class: 'btn btn-secondary btn-sm', dataset: { restore: backup.id },
        'aria-label': `Restore the backup from ${absoluteTime(backup.createdAt)}` },
      icon('restore'), 'Restore');
    restore?.addEventListener('click', () => openRestoreDialog(view, backup));
    const download = h('a', { class: 'btn btn-secondary btn-sm', href: api.backupDownloadUrl(view.instance.id, backup.id),
      download: '', dataset: { download: backup.id },
      'aria-label': `Download the backup from ${absoluteTime(backup.createdAt)}` }, icon('download'), 'Download');
    return h('div', { class: 'backup-row', dataset: { backupId: backup.id, current: String(backup.current) } },
      h('div', { class: 'backup-main' },
        h('div', { class: 'backup-when' }, timeEl(backup.createdAt),
          backup.current ? h('span', { class: 'badge badge-current', title: 'The data the instance starts from' }, 'Current') : null),
        h('div', { class: 'backup-meta muted' },
          backup.reason ? [h('span', { class: 'backup-reason', text: REASONS[backup.reason] || backup.reason }),
            h('span', { 'aria-hidden': 'true' }, '·')] : null,
          h('span', { class: 'backup-size' }, formatSize(backup.sizeBytes)),
          h('span', { 'aria-hidden': 'true' }, '·'),
          h('code', { class: 'backup-sha', title: `SHA-256 ${backup.sha256}` }, shortSha(backup.sha256)),
          backup.nodeId ? [h('span', { 'aria-hidden': 'true' }, '·'),
            h('span', { class: 'backup-node', title: 'The node that saved it' }, `node ${backup.nodeId}`)] : null),
        // Why a backup is not current (a node that lost the instance's lease kept its writes here).
        // The server writes it from node ids and messages: always a text node, never parsed as HTML.
        !backup.current && backup.note ? h('p', { class: 'backup-note', text: backup.note }) : null),
      h('div', { class: 'backup-actions' }, cloneBackupButton(view.ctx, view.instance, backup), download, restore));
  }));
}

function openRestoreDialog(view, backup) {
  const { instance } = view;
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-primary', id: 'confirm-restore' }, icon('restore'), 'Restore backup');
  const problem = h('div', { class: 'form-alert restore-problem', id: 'restore-problem', role: 'alert', hidden: true });
  const { close } = openDialog({
    title: 'Restore this backup?',
    description: `${instance.name}'s data will be replaced by the backup saved ${relativeTime(backup.createdAt)}.`,
    body: h('div', { class: 'restore-body' },
      h('dl', { class: 'details restore-details' },
        h('dt', {}, 'Saved'), h('dd', {}, absoluteTime(backup.createdAt)),
        h('dt', {}, 'Size'), h('dd', {}, formatSize(backup.sizeBytes)),
        h('dt', {}, 'SHA-256'), h('dd', {}, h('code', { class: 'break' }, shortSha(backup.sha256))),
        backup.note ? [h('dt', {}, 'Note'), h('dd', { text: backup.note })] : null),
      h('ul', { class: 'restore-notes' },
        h('li', {}, h('strong', {}, 'Nothing is lost: '), 'the current data is saved first, as a new backup you can restore later.'),
        h('li', {}, h('strong', {}, 'The instance will be stopped. '),
          instance.status === 'running' ? 'Requests in flight finish first; the next request or Start wakes it with the restored data.'
            : 'The next request or Start wakes it with the restored data.')),
      problem),
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    const done = busy(confirm, 'Restoring…');
    cancel.disabled = true;
    problem.hidden = true;
    view.operation = 'restore';
    showStatus(view);
    try {
      view.instance = await api.restore(instance.id, backup.id);
      close();
      const message = `Restored the backup from ${absoluteTime(backup.createdAt)}. ${view.instance.name} is stopped; `
        + 'start it (or send it a request) to serve the restored data.';
      showBackupsMessage(view, message, 'info');
      toast('Backup restored');
    } catch (error) {
      done();
      cancel.disabled = false;
      problem.hidden = false;
      if (error.code === 'snapshot_corrupt') {
        confirm.disabled = true;
        replace(problem, icon('alert'), h('div', {},
          h('strong', {}, 'This backup is damaged and was not restored. '),
          `${capitalize(error.message).replace(/\.$/, '')}. Nothing was restored; choose another backup.`));
      } else {
        replace(problem, icon('alert'), h('span', {}, capitalize(error.message)));
      }
      await reloadInstance(view);
    } finally {
      operationDone(view);
    }
  });
}

function showBackupsMessage(view, message, kind) {
  const box = view.backupsMessage;
  box.className = `form-alert form-alert-${kind}`;
  replace(box, icon(kind === 'error' ? 'alert' : 'check'), h('span', {}, message),
    h('button', { type: 'button', class: 'btn btn-icon btn-ghost alert-dismiss', 'aria-label': 'Dismiss',
      onclick: () => { box.hidden = true; } }, icon('x')));
  box.hidden = false;
}

/** 1.4 MB, 820 KB (binary units, as file managers show them). */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

function shortSha(sha) {
  return sha ? sha.slice(0, 12) : '';
}

// ---- Settings --------------------------------------------------------------------------------

function settingsCard(view) {
  const { instance } = view;
  const name = field({ label: 'Name', name: 'name', attrs: { autocomplete: 'off', maxlength: 100, required: true } });
  const idle = selectField({ label: 'Stop when idle for', name: 'idleTimeoutSeconds',
    hint: 'Without requests for this long, the instance is saved and stopped; the next request wakes it.',
    options: idleChoices(instance) });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-settings', disabled: true }, 'Save');
  const form = h('form', { id: 'settings-form', class: 'form settings-form', novalidate: true },
    name.wrapper, idle.wrapper, h('div', { class: 'form-actions' }, save));
  view.settings = { form, name: name.input, idle: idle.input, save, saving: false };
  syncSettings(view, true);

  const dirty = () => changes(view);
  const onInput = (event) => {
    setFieldError(form, event.target.name, '');
    showFormMessage(form, '');
    save.disabled = !Object.keys(dirty()).length;
  };
  name.input.addEventListener('input', onInput);
  idle.input.addEventListener('change', onInput);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = dirty();
    if ('name' in body && !body.name) {
      setFieldError(form, 'name', 'Give the instance a name');
      name.input.focus();
      return;
    }
    if (!Object.keys(body).length) return;
    view.settings.saving = true;
    const done = busy(save, 'Saving…');
    try {
      view.instance = await api.updateInstance(view.instance.id, body);
      done();
      view.settings.saving = false;
      document.title = `${view.instance.name} · PicoBase`;
      if (!view.operation) renderHeader(view);
      renderDetails(view);
      syncSettings(view, true);
      showFormMessage(form, 'Saved.', 'info');
    } catch (error) {
      done();
      view.settings.saving = false;
      save.disabled = false;
      showError(form, error);
    }
  });

  return h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title', class: 'card-title' }, icon('settings', 'icon icon-title'), 'Settings'),
    form);
}

/** "Platform default (5 min)": what the default is, as the API says (idleTimeoutDefaultSeconds). */
function defaultIdleLabel(instance) {
  const seconds = instance.idleTimeoutDefaultSeconds;
  return seconds == null ? 'Platform default' : `Platform default (${duration(seconds)})`;
}

function idleChoices(instance) {
  const seconds = instance.idleTimeoutSeconds;
  const choices = IDLE_CHOICES.map((c) => (c.value === '' ? { value: '', label: defaultIdleLabel(instance) } : c));
  if (seconds != null && !choices.some((c) => c.value === String(seconds))) {
    choices.push({ value: String(seconds), label: `${duration(seconds)} (custom)` });
    choices.sort((a, b) => (a.value === '' ? -1 : b.value === '' ? 1 : Number(a.value) - Number(b.value)));
  }
  return choices;
}

/** What the form would change: {name?, idleTimeoutSeconds?}. */
function changes(view) {
  const { name, idle } = view.settings;
  const body = {};
  if (name.value.trim() !== view.instance.name) body.name = name.value.trim();
  const current = view.instance.idleTimeoutSeconds == null ? '' : String(view.instance.idleTimeoutSeconds);
  if (idle.value !== current) body.idleTimeoutSeconds = idle.value === '' ? null : Number(idle.value);
  return body;
}

/** Shows the instance's settings in the form, unless the user is editing it (or force). */
function syncSettings(view, force = false) {
  const s = view.settings;
  if (!s || s.saving) return;
  const edited = s.synced && (s.name.value !== s.synced.name || s.idle.value !== s.synced.idle);
  if (!force && (edited || s.form.contains(document.activeElement))) return;
  const { instance } = view;
  const value = instance.idleTimeoutSeconds == null ? '' : String(instance.idleTimeoutSeconds);
  if (!force && s.synced && s.synced.name === instance.name && s.synced.idle === value) return;
  s.name.value = instance.name;
  if (![...s.idle.options].some((o) => o.value === value)) {
    replace(s.idle, idleChoices(instance).map((o) => h('option', { value: o.value }, o.label)));
  }
  s.idle.value = value;
  s.synced = { name: instance.name, idle: value };
  s.save.disabled = true;
}

/** 45 s, 5 min, 1 h 30 min, 2 d. */
function duration(seconds) {
  const units = [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  const parts = [];
  let rest = seconds;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0 s';
}

/** After a failed start, stop or restore: show the instance as the server now has it. */
async function reloadInstance(view) {
  try {
    view.instance = await api.instance(view.instance.id);
  } catch {
    // the status poll will catch up
  }
}

/** Ends an operation: redraws header and details, and refreshes backups and logs at once. */
function operationDone(view) {
  view.operation = null;
  if (!view.header.isConnected) return;
  renderHeader(view);
  renderDetails(view);
  view.backupsPoll?.now();
  view.logsPoll?.now();
}
