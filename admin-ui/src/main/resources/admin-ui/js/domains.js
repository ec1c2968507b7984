// The instance page's Domains card: custom domains that reach this instance like its subdomain.
// Adding a hostname shows the two DNS records to create (a TXT record proving the domain is yours, a
// CNAME sending its traffic here), each with copy buttons; Verify looks the TXT record up now; each
// domain shows its status (verified, pending, failed) with its last check and why it failed; Remove
// detaches it. Used by instance.js.
import { request } from './api.js';
import { busy, copyButton, h, icon, replace, timeEl, toast } from './dom.js';
import { clearErrors, field, showError } from './forms.js';

const STATUS = {
  verified: { label: 'Verified', pill: 'running' },
  pending: { label: 'Pending', pill: 'starting' },
  failed: { label: 'Failed', pill: 'failed' },
};

const path = (instance, hostname = '') => `/api/instances/${encodeURIComponent(instance.id)}/domains`
  + (hostname ? `/${encodeURIComponent(hostname)}` : '');

export function domainsCard(view) {
  const list = h('div', { class: 'domain-list', id: 'domain-list', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }));
  const hostname = field({ label: 'Domain', name: 'hostname',
    hint: 'A domain you control, e.g. app.example.com. You will be shown the DNS records to create.',
    attrs: { autocomplete: 'off', spellcheck: 'false', maxlength: 253, placeholder: 'app.example.com', class: 'input mono' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', id: 'add-domain' },
    icon('plus'), 'Add domain');
  const form = h('form', { class: 'form', id: 'domain-form', novalidate: true },
    hostname.wrapper, h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const restore = busy(submit, 'Adding…');
    try {
      const added = await request('POST', path(view.instance), { hostname: hostname.input.value.trim() });
      form.reset();
      toast(`${added.hostname} added: create its DNS records, then verify`);
      await load();
    } catch (error) {
      showError(form, error);
    } finally {
      restore();
    }
  });

  async function load() {
    try {
      const { domains } = await request('GET', path(view.instance));
      render(domains);
    } catch (error) {
      if (error.status !== 401) {
        replace(list, h('p', { class: 'page-alert', role: 'alert' }, icon('alert'), `Could not load domains: ${error.message}`));
      }
    }
  }

  function render(domains) {
    list.removeAttribute('aria-busy');
    if (!domains.length) {
      replace(list, h('p', { class: 'muted', id: 'no-domains' }, 'No custom domains. The instance is reached at its subdomain.'));
      return;
    }
    replace(list, domains.map((d) => domainRow(d)));
  }

  function record(type, name, value) {
    return h('div', { class: 'domain-record', dataset: { record: type } },
      h('div', { class: 'domain-record-type' }, type),
      h('div', { class: 'domain-record-line' }, h('span', { class: 'muted' }, 'Name'),
        h('code', { dataset: { part: 'name' } }, name), copyButton(name, `Copy ${type} name`, { compact: true })),
      h('div', { class: 'domain-record-line' }, h('span', { class: 'muted' }, type === 'TXT' ? 'Value' : 'Target'),
        h('code', { dataset: { part: 'value' } }, value), copyButton(value, `Copy ${type} ${type === 'TXT' ? 'value' : 'target'}`, { compact: true })));
  }

  function domainRow(d) {
    const status = STATUS[d.status] || { label: d.status, pill: 'unknown' };
    const verify = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', dataset: { verify: d.hostname } },
      icon('check'), 'Verify');
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-danger-text', dataset: { remove: d.hostname },
      'aria-label': `Remove ${d.hostname}` }, icon('trash'), h('span', { class: 'hide-sm' }, 'Remove'));
    verify.addEventListener('click', async () => {
      const restore = busy(verify, 'Checking…');
      try {
        const after = await request('POST', `${path(view.instance, d.hostname)}/verify`);
        toast(after.status === 'verified' ? `${d.hostname} is verified` : `Not verified yet: ${after.checkError}`,
          after.status === 'verified' ? 'ok' : 'error');
        await load();
      } catch (error) {
        toast(`Could not verify: ${error.message}`, 'error');
        restore();
      }
    });
    remove.addEventListener('click', async () => {
      const restore = busy(remove, 'Removing…');
      try {
        await request('DELETE', path(view.instance, d.hostname));
        toast(`${d.hostname} removed`);
        await load();
      } catch (error) {
        toast(`Could not remove: ${error.message}`, 'error');
        restore();
      }
    });
    return h('div', { class: 'domain', dataset: { domain: d.hostname, status: d.status } },
      h('div', { class: 'domain-head' },
        h('div', { class: 'domain-name' }, d.hostname),
        h('span', { class: `pill pill-${status.pill}`, dataset: { domainStatus: d.status } },
          h('span', { class: 'pill-dot', 'aria-hidden': 'true' }), status.label),
        h('span', { class: 'domain-checked muted' }, 'Last check ', timeEl(d.checkedAt, 'never')),
        h('span', { class: 'domain-actions' }, d.status === 'verified' ? null : verify, remove)),
      d.checkError ? h('p', { class: 'domain-error' }, d.checkError) : null,
      d.status === 'verified' ? null : h('div', { class: 'domain-records' },
        h('p', { class: 'muted' }, 'Create these records at your DNS provider, then press Verify:'),
        record('TXT', d.txt.name, d.txt.value),
        record('CNAME', d.cname.name, d.cname.target)));
  }

  load();
  return h('section', { class: 'card', 'aria-labelledby': 'domains-title', id: 'domains-card' },
    h('h2', { id: 'domains-title', class: 'card-title' }, icon('external', 'icon icon-title'), 'Domains'),
    h('p', { class: 'card-subtitle muted' }, 'Reach this instance at your own domain, over HTTPS, with the same API keys.'),
    list,
    form);
}
