// The Operator view (/operator), for the accounts named in PICOBASE_OPERATOR_EMAILS: every account
// (suspend, reactivate), every instance (status, the whole cause of a failed start, stop, start) and
// the audit log of these actions, all from /api/admin/*. Polled every five seconds while visible.
// The top bar's "Operator" link is shown only when /api/me says the signed-in account is one.
// Its styles are in operator.css, added to the page the first time this module is used.
import { invitationsCard } from './invitations.js';
import { request } from './api.js';
import { busy, h, icon, openDialog, poller, relativeTime, replace, statusPill, timeEl, toast } from './dom.js';

const admin = {
  me: () => request('GET', '/api/me'),
  accounts: () => request('GET', '/api/admin/accounts'),
  instances: () => request('GET', '/api/admin/instances'),
  audit: (limit = 50) => request('GET', `/api/admin/audit?limit=${limit}`),
  stop: (id) => request('POST', `/api/admin/instances/${encodeURIComponent(id)}/stop`),
  start: (id) => request('POST', `/api/admin/instances/${encodeURIComponent(id)}/start`),
  suspend: (id) => request('POST', `/api/admin/accounts/${encodeURIComponent(id)}/suspend`),
  reactivate: (id) => request('POST', `/api/admin/accounts/${encodeURIComponent(id)}/reactivate`),
};

function useStyles() {
  if (document.getElementById('operator-css')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/operator.css', id: 'operator-css' }));
}

/** Whether the signed-in account is an operator, asked once per account. */
const operatorOf = new Map();
function isOperator(user) {
  if (!operatorOf.has(user.id)) {
    operatorOf.set(user.id, admin.me().then((me) => Boolean(me.operator)).catch(() => false));
  }
  return operatorOf.get(user.id);
}

/** The top bar's link to the Operator view: hidden until /api/me says this account is an operator. */
export function operatorLink(user) {
  const link = h('a', { class: 'btn btn-ghost btn-sm operator-link', href: '/operator', 'data-link': true,
    id: 'operator-link', hidden: true }, icon('settings'), h('span', {}, 'Operator'));
  if (user) {
    useStyles();
    isOperator(user).then((yes) => {
      link.hidden = !yes;
    });
  }
  return link;
}

export function renderOperator(main, ctx) {
  useStyles();
  document.title = 'Operator · PicoBase';
  const alert = h('div', { class: 'page-alert', role: 'alert', hidden: true });
  const accountsBody = h('tbody', {}, skeletonRow(5), skeletonRow(5));
  const instancesBody = h('tbody', {}, skeletonRow(6), skeletonRow(6));
  const auditList = h('ol', { class: 'audit-list', id: 'audit-list' }, h('li', { class: 'skeleton skeleton-row' }));
  const counts = { accounts: h('span', { class: 'count muted' }), instances: h('span', { class: 'count muted' }) };
  replace(main, h('section', { class: 'page operator-page' },
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'Operator'),
        h('p', { class: 'page-subtitle muted' },
          'Every account and instance on this platform. Each action here is recorded in the audit log.'))),
    alert,
    h('section', { class: 'card op-section', id: 'op-accounts', 'aria-labelledby': 'op-accounts-title' },
      h('div', { class: 'card-header' },
        h('h2', { class: 'card-title', id: 'op-accounts-title' }, 'Accounts', counts.accounts)),
      h('div', { class: 'op-table-wrap' },
        h('table', { class: 'op-table' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Account'), h('th', { scope: 'col' }, 'Created'),
            h('th', { scope: 'col' }, 'Instances'), h('th', { scope: 'col' }, 'State'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          accountsBody))),
    h('section', { class: 'card op-section', id: 'op-instances', 'aria-labelledby': 'op-instances-title' },
      h('div', { class: 'card-header' },
        h('h2', { class: 'card-title', id: 'op-instances-title' }, 'Instances', counts.instances)),
      h('div', { class: 'op-table-wrap' },
        h('table', { class: 'op-table' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Instance'), h('th', { scope: 'col' }, 'Owner'),
            h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Last used'),
            h('th', { scope: 'col' }, 'Backup'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          instancesBody))),
    invitationsCard(),
    h('section', { class: 'card op-section', id: 'op-audit', 'aria-labelledby': 'op-audit-title' },
      h('div', { class: 'card-header' },
        h('h2', { class: 'card-title', id: 'op-audit-title' }, 'Audit log'),
        h('span', { class: 'muted' }, 'newest first')),
      auditList)));

  let forbidden = false;

  async function load() {
    if (forbidden) return;
    let accounts;
    let instances;
    let audit;
    try {
      [accounts, instances, audit] = await Promise.all([admin.accounts(), admin.instances(), admin.audit()]);
    } catch (error) {
      if (error.status === 403) {
        forbidden = true;
        replace(main, h('section', { class: 'page empty-state' },
          h('h1', {}, 'Operators only'),
          h('p', { class: 'muted' }, 'This page is for the platform\'s operators.'),
          h('a', { class: 'btn btn-primary', href: '/', 'data-link': true }, icon('back'), 'Back to your instances')));
      } else if (error.status !== 401) {
        alert.hidden = false;
        replace(alert, icon('alert'), h('span', {}, `Could not load the operator view: ${error.message}`));
      }
      throw error;
    }
    alert.hidden = true;
    counts.accounts.textContent = String(accounts.items.length);
    counts.instances.textContent = String(instances.items.length);
    sync(accountsBody, accountRows, accounts.items, (a) => accountRow(a, ctx, refresh),
      () => emptyRow(5, 'No accounts yet.'));
    sync(instancesBody, instanceRows, instances.items, (i) => instanceRow(i, refresh),
      () => emptyRow(6, 'No instances yet.'));
    sync(auditList, auditRows, audit.items, auditEntry,
      () => h('li', { class: 'muted audit-empty' }, 'No operator actions yet.'));
    main.querySelectorAll('.operator-page time[datetime]').forEach((t) => {
      t.textContent = relativeTime(t.getAttribute('datetime'));
    });
  }

  const accountRows = new Map();
  const instanceRows = new Map();
  const auditRows = new Map();

  const poll = poller(load, 5000);
  const refresh = () => poll.now();
  return () => poll.stop();
}

/**
 * Brings `container` in line with `items`, keyed by id: a row whose data did not change is kept as it
 * is (an opened "Whole cause", a focused button), a changed one is rebuilt, a gone one removed.
 */
function sync(container, rows, items, render, empty) {
  if (items.length === 0) {
    rows.clear();
    replace(container, empty());
    return;
  }
  if (rows.size === 0) container.replaceChildren();
  const seen = new Set();
  items.forEach((item, index) => {
    const key = String(item.id);
    seen.add(key);
    const json = JSON.stringify(item);
    let row = rows.get(key);
    if (!row || row.json !== json) {
      const el = render(item);
      if (row) row.el.replaceWith(el);
      row = { el, json };
      rows.set(key, row);
    }
    if (container.children[index] !== row.el) container.insertBefore(row.el, container.children[index] || null);
  });
  for (const [key, row] of rows) {
    if (!seen.has(key)) {
      row.el.remove();
      rows.delete(key);
    }
  }
  while (container.children.length > items.length) container.lastElementChild.remove();
}

function skeletonRow(columns) {
  return h('tr', { 'aria-hidden': 'true' },
    h('td', { colspan: String(columns) }, h('div', { class: 'skeleton skeleton-line' })));
}

function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: String(columns), class: 'muted' }, text));
}

function accountRow(account, ctx, refresh) {
  const self = ctx.user && ctx.user.id === account.id;
  let action = null;
  if (account.suspended) {
    action = h('button', { type: 'button', class: 'btn btn-secondary btn-sm reactivate-btn' }, 'Reactivate');
    action.addEventListener('click', async () => {
      const done = busy(action, 'Reactivating…');
      try {
        await admin.reactivate(account.id);
        toast(`Reactivated ${account.email}`);
      } catch (error) {
        toast(error.message, 'error');
      }
      done();
      refresh();
    });
  } else if (!self) {
    action = h('button', { type: 'button', class: 'btn btn-danger-text btn-sm suspend-btn' }, 'Suspend');
    action.addEventListener('click', () => confirmSuspend(account, refresh));
  }
  return h('tr', { dataset: { accountId: account.id, email: account.email } },
    h('td', { 'data-label': 'Account' },
      h('div', { class: 'op-primary' }, account.name),
      h('div', { class: 'muted op-secondary' }, account.email)),
    h('td', { 'data-label': 'Created' }, timeEl(account.createdAt)),
    h('td', { 'data-label': 'Instances' }, String(account.instances)),
    h('td', { 'data-label': 'State', class: 'op-state' },
      account.suspended
        ? h('span', { class: 'pill pill-failed', dataset: { state: 'suspended' }, title: account.suspendedAt || '' },
          h('span', { class: 'pill-dot', 'aria-hidden': 'true' }), 'Suspended')
        : h('span', { class: 'pill pill-running', dataset: { state: 'active' } },
          h('span', { class: 'pill-dot', 'aria-hidden': 'true' }), 'Active'),
      account.operator ? h('span', { class: 'op-badge' }, self ? 'Operator (you)' : 'Operator') : null),
    h('td', { class: 'op-actions' }, action));
}

function confirmSuspend(account, refresh) {
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-suspend' }, 'Suspend account');
  const { close } = openDialog({
    title: `Suspend ${account.email}?`,
    description: 'Its sessions end at once, its running instances are stopped (and saved), and its API keys are '
      + 'refused until you reactivate the account. Nothing is deleted.',
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    const done = busy(confirm, 'Suspending…');
    try {
      const result = await admin.suspend(account.id);
      close();
      const stopped = result.stopped.length;
      toast(`Suspended ${account.email}${stopped ? `; ${stopped} instance${stopped === 1 ? '' : 's'} stopped` : ''}`);
      if (result.notStopped.length) toast(`${result.notStopped.length} instance(s) could not be stopped`, 'error');
    } catch (error) {
      done();
      toast(error.message, 'error');
      return;
    }
    refresh();
  });
}

function instanceRow(instance, refresh) {
  let action = null;
  if (instance.status === 'running' || instance.status === 'starting' || instance.status === 'failed') {
    action = h('button', { type: 'button', class: 'btn btn-secondary btn-sm stop-btn' }, icon('stop'), 'Stop');
    action.addEventListener('click', () => act(action, 'Stopping…', () => admin.stop(instance.id),
      `Stopped ${instance.subdomain}`, refresh));
  }
  if (instance.status === 'stopped' || instance.status === 'failed') {
    const start = h('button', { type: 'button', class: 'btn btn-secondary btn-sm start-btn' }, icon('play'), 'Start');
    start.addEventListener('click', () => act(start, 'Starting…', () => admin.start(instance.id),
      `Started ${instance.subdomain}`, refresh));
    action = action ? [start, action] : start;
  }
  return h('tr', { dataset: { instanceId: instance.id, subdomain: instance.subdomain, status: instance.status } },
    h('td', { 'data-label': 'Instance' },
      h('div', { class: 'op-primary' }, instance.name),
      h('a', { class: 'op-secondary mono', href: instance.url, rel: 'noreferrer', target: '_blank' }, instance.subdomain),
      instance.node ? h('div', { class: 'muted op-secondary' }, `on ${instance.node}`) : null),
    h('td', { 'data-label': 'Owner', class: 'op-owner' }, instance.owner.email || instance.owner.id),
    h('td', { 'data-label': 'Status' },
      statusPill(instance.status),
      instance.statusReason ? h('p', { class: 'status-reason' }, instance.statusReason) : null,
      instance.failureCause ? h('details', { class: 'failure-cause' },
        h('summary', {}, 'Whole cause'),
        h('pre', {}, instance.failureCause)) : null),
    h('td', { 'data-label': 'Last used' }, timeEl(instance.lastUsedAt, 'never')),
    h('td', { 'data-label': 'Backup' }, instance.snapshotBytes == null
      ? h('span', { class: 'muted' }, 'none') : formatBytes(instance.snapshotBytes)),
    h('td', { class: 'op-actions' }, action));
}

async function act(button, label, call, done, refresh) {
  const restore = busy(button, label);
  try {
    await call();
    toast(done);
  } catch (error) {
    toast(error.message, 'error');
  }
  restore();
  refresh();
}

const ACTIONS = {
  'instance.stop': 'stopped instance',
  'instance.start': 'started instance',
  'account.suspend': 'suspended account',
  'account.reactivate': 'reactivated account',
};

function auditEntry(entry) {
  return h('li', { class: 'audit-entry', dataset: { action: entry.action } },
    h('time', { datetime: entry.at, class: 'audit-time muted', title: entry.at }, relativeTime(entry.at)),
    h('div', { class: 'audit-text' },
      h('strong', {}, entry.actor.email), ' ', ACTIONS[entry.action] || entry.action, ' ',
      h('code', {}, entry.target || ''),
      entry.detail ? h('div', { class: 'muted audit-detail' }, entry.detail) : null));
}

function formatBytes(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
