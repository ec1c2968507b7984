// The "Connect your app" panel of an instance page: the instance's URL, how the gateway takes a key
// (the `apikey` header; the `apikey` query parameter where headers cannot be set, as EventSource;
// a browser page opened with ?apikey= is answered with a cookie for that instance), and snippets to
// copy for the PocketBase JS SDK in a browser and in Node, and for curl, each with a realtime example.
// The Node snippet is run as shown by ShipCodeJourneyTest against the real gateway.
import { copyButton, h, icon } from './dom.js';

const KEY_PLACEHOLDER = 'pbk_…';

/** Whether Node (glibc) cannot resolve the instance's host by itself: a `*.localhost` name. */
function localhostName(url) {
  return /\.localhost$/i.test(new URL(url).hostname);
}

const ADD_KEY = `pb.beforeSend = (url, options) => {
  options.headers = { ...options.headers, apikey: KEY };
  return { url, options };
};`;

function browserSnippet(url) {
  return `import PocketBase from 'pocketbase'; // npm install pocketbase

const KEY = '${KEY_PLACEHOLDER}'; // an API key of this instance: visitors of your page can read it
const pb = new PocketBase('${url}');
// every request carries the key
${ADD_KEY}
// realtime: EventSource cannot send headers, so its URL carries the key
globalThis.EventSource = class extends EventSource {
  constructor(url, init) { super(url + (url.includes('?') ? '&' : '?') + 'apikey=' + KEY, init); }
};

console.log(await pb.health.check());
await pb.collection('posts').subscribe('*', (e) => console.log(e.action, e.record.id));`;
}

function nodeSnippet(url) {
  const resolve = localhostName(url) ? `
// Node does not resolve *.localhost names (glibc does not know them) and its fetch ignores
// dns.lookup: connect to 127.0.0.1; the URL keeps the instance's name for the Host header.
setGlobalDispatcher(new Agent({ connect: { lookup: (host, opts, cb) =>
  opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4) } }));
` : '';
  return `// npm install pocketbase eventsource${resolve ? ' undici' : ''}   (Node 18 or later; save as app.mjs)
import PocketBase from 'pocketbase';
import { EventSource } from 'eventsource';
${resolve ? "import { Agent, setGlobalDispatcher } from 'undici';\n" : ''}
const KEY = process.env.PICOBASE_KEY; // an API key of this instance (pbk_…)
${resolve}
// Node has no EventSource: the package's, with the key in its URL (realtime cannot send headers)
globalThis.EventSource = class extends EventSource {
  constructor(url, init) { super(url + (url.includes('?') ? '&' : '?') + 'apikey=' + KEY, init); }
};

const pb = new PocketBase('${url}');
${ADD_KEY}

console.log(await pb.health.check());
// realtime: every change to the "posts" collection, as it happens
await pb.collection('posts').subscribe('*', (e) => console.log(e.action, e.record.id));`;
}

function curlSnippet(url) {
  return `KEY=${KEY_PLACEHOLDER}
curl -H "apikey: $KEY" ${url}/api/health
curl -H "apikey: $KEY" "${url}/api/collections/posts/records?perPage=5"

# realtime: open the stream (the key in the URL, as EventSource sends it);
# its first event, PB_CONNECT, gives a clientId
curl -N "${url}/api/realtime?apikey=$KEY"
# then, from another terminal, subscribe that client to the posts collection
curl -H "apikey: $KEY" -H 'content-type: application/json' \\
  -d '{"clientId":"<clientId>","subscriptions":["posts/*"]}' ${url}/api/realtime`;
}

const SNIPPETS = [
  { id: 'browser', label: 'Browser', code: browserSnippet },
  { id: 'node', label: 'Node.js', code: nodeSnippet },
  { id: 'curl', label: 'curl', code: curlSnippet },
];

export function connectCard(view) {
  const { instance } = view;
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Snippet' });
  const panels = [];
  const select = (id) => {
    tabs.querySelectorAll('[role=tab]').forEach((t) => {
      const on = t.dataset.snippet === id;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
    });
    panels.forEach((p) => { p.hidden = p.dataset.snippet !== id; });
  };
  SNIPPETS.forEach((s, i) => {
    const code = s.code(instance.url);
    const tab = h('button', { type: 'button', role: 'tab', class: 'tab', id: `connect-tab-${s.id}`, dataset: { snippet: s.id },
      'aria-controls': `connect-panel-${s.id}` }, s.label);
    tab.addEventListener('click', () => select(s.id));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = SNIPPETS[(i + step + SNIPPETS.length) % SNIPPETS.length].id;
      select(next);
      tabs.querySelector(`[data-snippet=${next}]`).focus();
    });
    tabs.append(tab);
    panels.push(h('div', { class: 'snippet', role: 'tabpanel', id: `connect-panel-${s.id}`, dataset: { snippet: s.id },
      'aria-labelledby': `connect-tab-${s.id}` },
    h('pre', { class: 'snippet-code', tabindex: '0' }, h('code', { id: `snippet-${s.id}` }, code)),
    copyButton(code, `Copy the ${s.label} snippet`, { compact: true })));
  });
  select('browser');
  const url = h('div', { class: 'url-row' }, h('code', { class: 'url-text', id: 'connect-url' }, instance.url),
    copyButton(instance.url, 'Copy URL', { compact: true }));
  return h('section', { class: 'card', id: 'connect-card', 'aria-labelledby': 'connect-title' },
    h('h2', { id: 'connect-title', class: 'card-title' }, icon('external', 'icon icon-title'), 'Connect your app'),
    h('p', { class: 'card-subtitle muted' }, 'This instance answers as PocketBase does, at:'),
    url,
    h('ul', { class: 'connect-notes' },
      h('li', {}, 'Send an API key (above) with every request in the ', h('code', {}, 'apikey'), ' header.'),
      h('li', {}, 'Where headers cannot be set (EventSource, a link), use the ', h('code', {}, '?apikey='),
        ' query parameter instead. The gateway strips it before PocketBase sees the request.'),
      h('li', {}, 'A browser page opened with ', h('code', {}, '?apikey='), ' is redirected to the same address without it and '
        + 'gets an HttpOnly cookie for this instance only, so the page\'s later requests need no key.')),
    tabs,
    panels,
    h('p', { class: 'hint' }, 'The browser and Node snippets use the PocketBase JS SDK. The realtime examples listen to a collection named ', h('code', {}, 'posts'),
      '; its list and view rules decide who receives its events.'));
}

