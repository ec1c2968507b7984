// An instance's usage and its request rate limit: the Usage card (the last 30 UTC days as small
// inline-SVG bar charts, built with DOM calls under the strict CSP: no inline styles, no library)
// and the Rate limit card (requests a minute, for the whole instance or per client address, or the
// platform default). Usage is polled every 15 seconds while the page is visible.
import { api } from './api.js';
import { busy, h, poller, replace } from './dom.js';
import { clearErrors, field, selectField, setFieldError, showError, showFormMessage } from './forms.js';
import { formatSize } from './instance.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAYS = 30;

/** The charts: what each shows, how its values read, and which field of a day it takes. */
const CHARTS = [
  { id: 'requests', title: 'Requests', value: (d) => d.requests, format: count },
  { id: 'bytes', title: 'Bytes in / out', value: (d) => d.bytesIn + d.bytesOut, split: (d) => d.bytesIn,
    format: formatSize, legend: ['in', 'out'] },
  { id: 'awake', title: 'Awake time', value: (d) => d.awakeSeconds, format: hours },
  { id: 'cold-starts', title: 'Cold starts', value: (d) => d.coldStarts, format: count },
  { id: 'snapshot', title: 'Latest snapshot', value: (d) => d.snapshotBytes || 0, last: true,
    format: (bytes) => (bytes ? formatSize(bytes) : 'none yet') },
];

export function usageCard(view) {
  view.usageBody = h('div', { class: 'usage-grid', id: 'usage-charts', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }));
  return h('section', { class: 'card', 'aria-labelledby': 'usage-title', id: 'usage-card' },
    h('h2', { id: 'usage-title', class: 'card-title' }, 'Usage'),
    h('p', { class: 'card-subtitle muted' }, `The last ${DAYS} days (UTC): requests served, body bytes in and `
      + 'out, time awake, cold starts and the size of the latest snapshot. Updated every few seconds.'),
    view.usageBody);
}

export function startUsage(view) {
  let lastJson = null;
  const poll = poller(async () => {
    let usage;
    try {
      usage = await api.usage(view.instance.id, DAYS);
    } catch (error) {
      if (lastJson === null && error.status !== 401 && error.status !== 404) {
        view.usageBody.removeAttribute('aria-busy');
        replace(view.usageBody, h('p', { class: 'page-alert', role: 'alert' }, `Could not load usage: ${error.message}`));
      }
      throw error;
    }
    const json = JSON.stringify(usage);
    if (json === lastJson) return;
    lastJson = json;
    view.usageBody.removeAttribute('aria-busy');
    replace(view.usageBody, CHARTS.map((c) => chart(c, usage.days)));
  }, 15000);
  view.usagePoll = poll;
  view.polls.push(poll);
}

/** One chart: its title, the figure that matters (the total, or the latest value), and a bar per day. */
function chart(spec, days) {
  const values = days.map(spec.value);
  const headline = spec.last ? values[values.length - 1] : values.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...values);
  const width = 300;
  const height = 64;
  const step = width / days.length;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'usage-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${spec.title} per day over the last ${days.length} days`);
  svg.setAttribute('preserveAspectRatio', 'none');
  days.forEach((d, i) => {
    const total = values[i];
    const barHeight = total === 0 ? 0 : Math.max(1.5, (total / max) * (height - 2));
    const x = i * step + step * 0.15;
    const w = step * 0.7;
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${d.day}: ${spec.format(total)}`
      + (spec.split ? ` (${formatSize(d.bytesIn)} in, ${formatSize(d.bytesOut)} out)` : '');
    const group = document.createElementNS(SVG, 'g');
    group.append(title, rect(x, height - barHeight, w, barHeight, spec.split ? 'usage-bar usage-bar-out' : 'usage-bar'));
    if (spec.split && total > 0) {
      const inHeight = (spec.split(d) / total) * barHeight;
      group.append(rect(x, height - inHeight, w, inHeight, 'usage-bar usage-bar-in'));
    }
    svg.append(group);
  });
  const baseline = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: 'usage-axis' })) {
    baseline.setAttribute(k, v);
  }
  svg.append(baseline);
  return h('figure', { class: 'usage-figure', dataset: { chart: spec.id } },
    h('figcaption', { class: 'usage-caption' },
      h('span', { class: 'usage-title muted' }, spec.title),
      h('strong', { class: 'usage-value' }, spec.format(headline)),
      spec.legend ? h('span', { class: 'usage-legend muted' },
        h('span', { class: 'usage-swatch usage-bar-in' }), spec.legend[0],
        h('span', { class: 'usage-swatch usage-bar-out' }), spec.legend[1]) : null),
    svg,
    h('div', { class: 'usage-range muted' }, h('span', {}, days[0].day), h('span', {}, days[days.length - 1].day)));
}

function rect(x, y, width, height, cls) {
  const r = document.createElementNS(SVG, 'rect');
  for (const [k, v] of Object.entries({ x, y, width, height, rx: 1.5, class: cls })) r.setAttribute(k, v);
  return r;
}

function count(n) {
  return new Intl.NumberFormat().format(n);
}

function hours(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

// ---- Rate limit -------------------------------------------------------------------------------

const SCOPES = [
  { value: 'instance', label: 'For the whole instance' },
  { value: 'address', label: 'Per client address' },
];

/** "600 a minute per client address", or "none". */
function describe(limit) {
  if (!limit) return 'none';
  return `${count(limit.requestsPerMinute)} a minute${limit.perAddress ? ' per client address' : ''}`;
}

export function rateLimitCard(view) {
  const { instance } = view;
  const own = instance.rateLimit;
  const perMinute = field({ label: 'Requests a minute', name: 'rateLimit', type: 'number',
    hint: `Empty: the platform default (${describe(instance.rateLimitDefault)}). Past the limit, the gateway `
      + 'answers 429 with Retry-After, without waking the instance.',
    attrs: { min: 1, max: 1000000, step: 1, inputmode: 'numeric', id: 'rate-limit-per-minute' } });
  const scope = selectField({ label: 'Counted', name: 'rateLimitScope', options: SCOPES });
  perMinute.input.value = own ? String(own.requestsPerMinute) : '';
  scope.input.value = own && own.perAddress ? 'address' : 'instance';
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save-rate-limit' }, 'Save limit');
  const form = h('form', { id: 'rate-limit-form', class: 'form', novalidate: true },
    perMinute.wrapper, scope.wrapper, h('div', { class: 'form-actions' }, save));
  const current = h('p', { class: 'muted', id: 'rate-limit-current' });
  const showCurrent = () => replace(current, 'In force: ',
    h('strong', {}, describe(view.instance.rateLimit || view.instance.rateLimitDefault)),
    view.instance.rateLimit ? '' : ' (platform default)', '. Counted per gateway node.');
  showCurrent();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const raw = perMinute.input.value.trim();
    const n = Number(raw);
    if (raw && (!Number.isInteger(n) || n < 1 || n > 1000000)) {
      setFieldError(form, 'rateLimit', 'Enter a whole number from 1 to 1,000,000, or leave it empty');
      perMinute.input.focus();
      return;
    }
    const rateLimit = raw ? { requestsPerMinute: n, perAddress: scope.input.value === 'address' } : null;
    const done = busy(save, 'Saving…');
    try {
      view.instance = await api.updateInstance(view.instance.id, { rateLimit });
      showCurrent();
      showFormMessage(form, 'Saved.', 'info');
    } catch (error) {
      showError(form, error);
    } finally {
      done();
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'rate-limit-title', id: 'rate-limit-card' },
    h('h2', { id: 'rate-limit-title', class: 'card-title' }, 'Rate limit'),
    current, form);
}
