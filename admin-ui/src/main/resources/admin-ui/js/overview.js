// The instances overview: one card per instance with its address, live status (polled every two
// seconds while the page is visible) and last activity; an empty state for a new account; and the
// create dialog that checks the subdomain as it is typed.
import { api, isConnected, onConnectionChange } from './api.js';
import { busy, copyButton, h, icon, openDialog, poller, relativeTime, replace, spinner, statusPill, timeEl, toast } from './dom.js';
import { clearErrors, field, setFieldError, showError } from './forms.js';

export function renderOverview(main, ctx) {
  document.title = 'Instances · PicoBase';
  const newButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'new-instance' }, icon('plus'), 'New instance');
  const list = h('div', { class: 'instance-grid', id: 'instance-list', 'aria-busy': 'true' },
    skeletonCard(), skeletonCard(), skeletonCard());
  const alert = h('div', { class: 'page-alert', role: 'alert', hidden: true });
  replace(main, h('section', { class: 'page' },
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title' }, 'Instances'),
        h('p', { class: 'page-subtitle muted' }, 'Each instance is a PocketBase server at its own address.')),
      newButton),
    alert,
    list));

  newButton.addEventListener('click', () => openCreateDialog(ctx));
  const cards = new Map();
  let loaded = false;

  async function load() {
    let instances;
    try {
      instances = (await api.instances()).instances;
    } catch (error) {
      // an unreachable API is the app's banner's to say; the cards show no live status meanwhile
      if (error.status !== 401 && error.status !== 0) {
        alert.hidden = false;
        replace(alert, icon('alert'), h('span', {}, `Could not load your instances: ${error.message}`));
      }
      throw error;
    }
    alert.hidden = true;
    list.removeAttribute('aria-busy');
    if (!loaded) {
      list.replaceChildren();
      loaded = true;
    }
    newButton.hidden = instances.length === 0;
    if (instances.length === 0) {
      cards.clear();
      if (!list.querySelector('.empty-state')) replace(list, emptyState(ctx));
      return;
    }
    list.querySelector('.empty-state')?.remove();
    const seen = new Set();
    instances.forEach((instance, index) => {
      seen.add(instance.id);
      const json = JSON.stringify(instance);
      let entry = cards.get(instance.id);
      if (!entry || entry.json !== json) {
        const card = instanceCard(instance);
        if (entry) entry.el.replaceWith(card);
        entry = { el: card, json };
        cards.set(instance.id, entry);
      }
      if (list.children[index] !== entry.el) list.insertBefore(entry.el, list.children[index] || null);
    });
    for (const [id, entry] of cards) {
      if (!seen.has(id)) {
        entry.el.remove();
        cards.delete(id);
      }
    }
    list.querySelectorAll('time[datetime]').forEach((t) => {
      t.textContent = relativeTime(t.getAttribute('datetime'));
    });
  }

  const poll = poller(load, 2000);
  const unsubscribe = onConnectionChange((connected) => {
    if (connected) {
      cards.forEach((entry) => { entry.json = null; }); // redraw every card from the next answer
      poll.now();
    } else {
      list.querySelectorAll('.instance-card .pill').forEach((pill) => pill.replaceWith(statusPill('unknown')));
    }
  });
  return () => {
    unsubscribe();
    return poll.stop();
  };
}

function skeletonCard() {
  return h('div', { class: 'card instance-card skeleton-card', 'aria-hidden': 'true' },
    h('div', { class: 'skeleton skeleton-title' }),
    h('div', { class: 'skeleton skeleton-line' }),
    h('div', { class: 'skeleton skeleton-line short' }));
}

function emptyState(ctx) {
  const create = h('button', { type: 'button', class: 'btn btn-primary', id: 'create-first' }, icon('plus'), 'Create your first instance');
  create.addEventListener('click', () => openCreateDialog(ctx));
  return h('div', { class: 'empty-state card' },
    h('div', { class: 'empty-icon' }, icon('database', 'icon icon-xl')),
    h('h2', {}, 'No instances yet'),
    h('p', { class: 'muted' }, 'An instance is a complete PocketBase backend — database, auth, file storage and realtime — '
      + 'at its own subdomain. It sleeps when idle and wakes on the first request.'),
    create);
}

function instanceCard(instance) {
  const href = `/instances/${encodeURIComponent(instance.id)}`;
  return h('article', { class: 'card instance-card', dataset: { instanceId: instance.id, subdomain: instance.subdomain } },
    h('div', { class: 'instance-card-top' },
      h('h2', { class: 'instance-name' }, h('a', { href, 'data-link': true, class: 'stretched-link' }, instance.name)),
      statusPill(instance.status)),
    h('div', { class: 'url-row' },
      h('code', { class: 'url-text', title: instance.url }, instance.url),
      copyButton(instance.url, 'Copy URL', { compact: true })),
    instance.status === 'failed' && instance.statusReason
      ? h('p', { class: 'status-reason' }, icon('alert', 'icon icon-sm'), instance.statusReason) : null,
    h('div', { class: 'instance-meta' },
      h('span', {}, 'Last activity ', timeEl(instance.lastActivityAt, 'none yet')),
      h('span', { class: 'muted' }, 'Created ', timeEl(instance.createdAt))));
}

function slugify(text) {
  return text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
}

/** Problems the browser can see without asking (characters); the server has the final word. */
function localProblem(value) {
  if (/[A-Z]/.test(value)) return 'Subdomain must be lowercase';
  if (!/^[a-z0-9-]*$/.test(value)) return 'Subdomain may contain only lowercase letters, digits and hyphens';
  return null;
}

/**
 * The create dialog. `options` make it create something else with the same checked name and
 * subdomain (clone.js: a clone): its title, description, submit label, a name to start from, and
 * `create(name, subdomain)` answering the new instance.
 */
export function openCreateDialog(ctx, options = {}) {
  const {
    title = 'New instance',
    description = 'A fresh PocketBase server. It starts stopped; start it from its page or just send it a request.',
    submitLabel = 'Create instance',
    initialName = '',
    create = (nameValue, sub) => api.createInstance(nameValue, sub),
  } = options;
  const name = field({ label: 'Name', name: 'name', attrs: { autocomplete: 'off', maxlength: 100, placeholder: 'My app' } });
  const subdomain = field({ label: 'Subdomain', name: 'subdomain',
    attrs: { autocomplete: 'off', maxlength: 63, spellcheck: 'false', autocapitalize: 'none', placeholder: 'my-app' } });
  const preview = h('div', { class: 'subdomain-preview', id: 'subdomain-preview', 'aria-live': 'polite' });
  subdomain.wrapper.querySelector('.field-error').before(preview);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', form: 'create-instance-form' }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const form = h('form', { id: 'create-instance-form', class: 'form', novalidate: true }, name.wrapper, subdomain.wrapper);

  let edited = false;
  let timer = null;
  let sequence = 0;
  let lastCheck = null;   // {subdomain, available, problem, url}
  let pending = null;     // promise of the check in flight for the current value

  const setPreview = (kind, ...content) => {
    preview.className = `subdomain-preview is-${kind}`;
    replace(preview, ...content);
  };
  const idle = () => setPreview('idle', h('span', { class: 'muted' }, '3–63 lowercase letters, digits and hyphens. It becomes part of the address.'));
  idle();

  function check(value) {
    setFieldError(form, 'subdomain', '');
    const local = localProblem(value);
    if (!value) {
      lastCheck = null;
      idle();
      return null;
    }
    if (local) {
      lastCheck = { subdomain: value, available: false, problem: local, url: null };
      setPreview('idle');
      setFieldError(form, 'subdomain', local);
      return null;
    }
    const mine = ++sequence;
    setPreview('checking', spinner(), h('span', {}, 'Checking availability…'));
    pending = api.checkSubdomain(value).then((result) => {
      if (mine !== sequence) return lastCheck;
      lastCheck = result;
      if (result.available) {
        setPreview('ok', icon('check', 'icon icon-sm'), h('code', { id: 'subdomain-url' }, result.url), h('span', {}, 'is available'));
      } else {
        setPreview('idle');
        setFieldError(form, 'subdomain', capitalizeFirst(result.problem));
      }
      return result;
    }).catch((error) => {
      if (mine === sequence) setPreview('idle', h('span', { class: 'muted' }, `Could not check: ${error.message}`));
      return null;
    });
    return pending;
  }

  const scheduleCheck = () => {
    clearTimeout(timer);
    pending = null;
    const value = subdomain.input.value.trim();
    if (value && !localProblem(value)) setPreview('checking', spinner(), h('span', {}, 'Checking availability…'));
    timer = setTimeout(() => check(value), 250);
  };

  name.input.addEventListener('input', () => {
    setFieldError(form, 'name', '');
    if (!edited) {
      subdomain.input.value = slugify(name.input.value);
      scheduleCheck();
    }
  });
  subdomain.input.addEventListener('input', () => {
    edited = subdomain.input.value.length > 0;
    scheduleCheck();
  });

  const { close } = openDialog({
    title,
    description,
    body: form,
    actions: [cancel, submit],
  });
  cancel.addEventListener('click', close);
  if (initialName) {
    name.input.value = initialName;
    name.input.dispatchEvent(new Event('input'));
    name.input.select();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const nameValue = name.input.value.trim();
    const sub = subdomain.input.value.trim();
    if (!nameValue) {
      setFieldError(form, 'name', 'Give your instance a name');
      name.input.focus();
      return;
    }
    if (!sub) {
      setFieldError(form, 'subdomain', 'Choose a subdomain');
      subdomain.input.focus();
      return;
    }
    const done = busy(submit, 'Creating…');
    clearTimeout(timer);
    let verdict = lastCheck && lastCheck.subdomain === sub ? lastCheck : await (check(sub) || Promise.resolve(lastCheck));
    if (verdict && verdict.subdomain === sub && !verdict.available) {
      done();
      setFieldError(form, 'subdomain', capitalizeFirst(verdict.problem));
      subdomain.input.focus();
      return;
    }
    try {
      const instance = await create(nameValue, sub);
      close();
      toast(`Created ${instance.name}`);
      ctx.navigate(`/instances/${encodeURIComponent(instance.id)}`);
    } catch (error) {
      done();
      showError(form, error);
    }
    verdict = null;
  });
}

function capitalizeFirst(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
