// Small DOM helpers: an element builder, icons, relative times, copy buttons, toasts, dialogs and
// a poller that pauses while the page is hidden. No framework: views rebuild what changed.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const ICONS = {
  copy: 'M9 9h11a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9a2 2 0 0 1-2-2zM5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1',
  check: 'M20 6 9 17l-5-5',
  plus: 'M12 5v14M5 12h14',
  external: 'M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6M15 3h6v6M10 14 21 3',
  trash: 'M3 6h18M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6M10 11v6M14 11v6',
  key: 'M15.5 7.5 19 4m2-2-2 2 3 3-3.5 3.5-3-3M11.4 11.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8z',
  play: 'M7 4.5v15l12.5-7.5z',
  stop: 'M6.5 6.5h11v11h-11z',
  logout: 'M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9',
  back: 'M19 12H5M12 19l-7-7 7-7',
  database: 'M3 5c0-1.7 4-3 9-3s9 1.3 9 3-4 3-9 3-9-1.3-9-3zM3 5v14c0 1.7 4 3 9 3s9-1.3 9-3V5M3 12c0 1.7 4 3 9 3s9-1.3 9-3',
  alert: 'M12 9v4M12 17h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
  terminal: 'M4 17l6-6-6-6M12 19h8',
  archive: 'M21 8v13H3V8M1 3h22v5H1zM10 12h4',
  download: 'M12 3v12M7 10l5 5 5-5M4 21h16',
  x: 'M18 6 6 18M6 6l12 12',
  restore: 'M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 2',
  settings: 'M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6',
};

export function icon(name, cls = 'icon') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "just now", "3 minutes ago", "yesterday"; null when there is no time. */
export function relativeTime(iso) {
  if (!iso) return null;
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const units = [['minute', 60], ['hour', 3600], ['day', 86400], ['month', 2592000], ['year', 31536000]];
  let chosen = units[0];
  for (const unit of units) if (abs >= unit[1]) chosen = unit;
  return rtf.format(Math.round(seconds / chosen[1]), chosen[0]);
}

export function timeEl(iso, fallback = 'never') {
  if (!iso) return h('span', { class: 'muted' }, fallback);
  return h('time', { datetime: iso, title: dtf.format(new Date(iso)) }, relativeTime(iso));
}

export function absoluteTime(iso) {
  return iso ? dtf.format(new Date(iso)) : '';
}

/** Writes text to the clipboard, falling back to a selection copy where the API is not allowed. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', { class: 'visually-hidden', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

export function copyButton(getText, label = 'Copy', { compact = false } = {}) {
  const text = h('span', { class: compact ? 'visually-hidden' : '' }, label);
  const btn = h('button', {
    type: 'button',
    class: compact ? 'btn btn-icon btn-ghost copy-btn' : 'btn btn-secondary copy-btn',
    'aria-label': compact ? label : null,
    title: label,
  }, icon('copy'), text);
  btn.addEventListener('click', async (event) => {
    event.preventDefault();
    event.stopPropagation();
    const ok = await copyText(typeof getText === 'function' ? getText() : getText);
    btn.replaceChildren(icon(ok ? 'check' : 'alert'),
      h('span', { class: compact ? 'visually-hidden' : '' }, ok ? 'Copied' : 'Copy failed'));
    btn.classList.toggle('copied', ok);
    toast(ok ? 'Copied to the clipboard' : 'Could not copy: select the text and copy it by hand',
      ok ? 'ok' : 'error');
    setTimeout(() => {
      btn.replaceChildren(icon('copy'), h('span', { class: compact ? 'visually-hidden' : '' }, label));
      btn.classList.remove('copied');
    }, 1800);
  });
  return btn;
}

export function toast(message, kind = 'ok') {
  const region = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}` }, icon(kind === 'error' ? 'alert' : 'check'), h('span', {}, message));
  region.append(el);
  setTimeout(() => el.classList.add('leaving'), 2600);
  setTimeout(() => el.remove(), 3000);
}

/**
 * A modal <dialog>: focus goes to the first field (or the given element) when it opens and back to
 * whatever had it when it closes; Escape closes it (the browser's cancel event). Returns
 * {dialog, close}. The dialog removes itself from the page once closed.
 */
export function openDialog({ title, description, body, actions, labelledBy, onClose, initialFocus, wide }) {
  const opener = document.activeElement;
  const titleId = labelledBy || `dlg-${Math.random().toString(36).slice(2)}`;
  const dialog = h('dialog', { class: `dialog${wide ? ' dialog-wide' : ''}`, 'aria-labelledby': titleId },
    h('div', { class: 'dialog-header' },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      h('button', { type: 'button', class: 'btn btn-icon btn-ghost dialog-close', 'aria-label': 'Close' }, icon('x'))),
    description ? h('p', { class: 'dialog-description' }, description) : null,
    body,
    actions ? h('div', { class: 'dialog-actions' }, actions) : null);
  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.querySelector('.dialog-close').addEventListener('click', close);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) close();
  });
  document.body.append(dialog);
  dialog.showModal();
  const target = (initialFocus && initialFocus()) || dialog.querySelector('input, textarea, select')
    || dialog.querySelector('.dialog-actions .btn');
  if (target) target.focus();
  return { dialog, close };
}

/**
 * Calls fn now and then every `ms` while the page is visible; never two calls at once. stop() ends
 * it for good (a view calls it when it is left).
 */
export function poller(fn, ms) {
  let timer = null;
  let stopped = false;
  let running = false;
  let current = Promise.resolve();
  const tick = async () => {
    timer = null;
    if (stopped || document.hidden || running) return;
    running = true;
    try {
      current = fn();
      await current;
    } catch {
      // errors are shown by fn; polling goes on
    } finally {
      running = false;
    }
    schedule();
  };
  const schedule = () => {
    if (!stopped && !document.hidden && timer === null) timer = setTimeout(tick, ms);
  };
  const onVisibility = () => {
    if (!document.hidden && timer === null && !running) tick();
  };
  document.addEventListener('visibilitychange', onVisibility);
  tick();
  return {
    now() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!running) tick();
    },
    /** Stops polling; the promise settles once a call in flight has finished. */
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      document.removeEventListener('visibilitychange', onVisibility);
      return current.then(() => undefined, () => undefined);
    },
  };
}

export function spinner() {
  return h('span', { class: 'spinner', 'aria-hidden': 'true' });
}

/** Puts a button into a busy state (spinner + label) until the returned function is called. */
export function busy(button, label) {
  const previous = Array.from(button.childNodes);
  const wasDisabled = button.disabled;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.replaceChildren(spinner(), h('span', {}, label));
  return () => {
    button.removeAttribute('aria-busy');
    button.disabled = wasDisabled;
    button.replaceChildren(...previous);
  };
}

export const STATUS_LABELS = {
  stopped: 'Stopped', starting: 'Starting', running: 'Running', stopping: 'Stopping', failed: 'Failed',
  unknown: 'Unknown', // shown while the control API cannot be reached: the last status may be stale
};

export function statusPill(status) {
  return h('span', { class: `pill pill-${status}`, dataset: { status } },
    h('span', { class: 'pill-dot', 'aria-hidden': 'true' }), STATUS_LABELS[status] || status);
}
