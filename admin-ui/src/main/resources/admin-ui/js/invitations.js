// The operators' Invitations card: which sign-up policy the server runs (PICOBASE_SIGNUP), a form
// that creates a single-use sign-up link (shown once, with a copy button), and every invitation with
// its state and a Revoke button. Used by the Operator view.
import { request } from './api.js';
import { busy, copyButton, h, icon, replace, timeEl, toast } from './dom.js';
import { clearErrors, field, selectField, showError } from './forms.js';

const POLICY_TEXT = {
  open: 'Sign-up is open: anyone can create an account. Invitations are not needed, but still work.',
  invite: 'Sign-up needs an invitation: only people with a link from this card can create an account.',
  closed: 'Sign-up is closed: nobody can create an account, even with an invitation (operators excepted).',
};

const EXPIRY_OPTIONS = [
  { value: '24', label: '1 day' },
  { value: '168', label: '7 days' },
  { value: '720', label: '30 days' },
];

export function invitationsCard() {
  const policy = h('p', { class: 'card-subtitle muted', id: 'signup-policy' }, 'Loading the sign-up policy…');
  const list = h('div', { class: 'key-list', id: 'invitation-list', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }));
  const created = h('div', { id: 'invitation-created', hidden: true });

  const email = field({ label: 'Email (optional)', name: 'email', type: 'email',
    hint: 'Only this address may use the link. Leave empty for anyone who has it.',
    attrs: { autocomplete: 'off', maxlength: 254, placeholder: 'grace@example.com' } });
  const note = field({ label: 'Note (optional)', name: 'note', hint: 'For you: who it is for.',
    attrs: { autocomplete: 'off', maxlength: 200, placeholder: 'Design team' } });
  const expiry = selectField({ label: 'Expires after', name: 'expiresInHours', options: EXPIRY_OPTIONS, value: '168' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', id: 'create-invitation' },
    icon('plus'), 'Create invitation link');
  const form = h('form', { class: 'form', id: 'invitation-form', novalidate: true },
    email.wrapper, note.wrapper, expiry.wrapper, h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const restore = busy(submit, 'Creating…');
    try {
      const body = { expiresInHours: Number(expiry.input.value) };
      if (email.input.value.trim()) body.email = email.input.value.trim();
      if (note.input.value.trim()) body.note = note.input.value.trim();
      const answer = await request('POST', '/api/admin/invitations', body);
      showCreated(created, answer);
      form.reset();
      expiry.input.value = '168';
      toast('Invitation link created');
      await load();
    } catch (error) {
      showError(form, error);
    } finally {
      restore();
    }
  });

  async function load() {
    try {
      const { items } = await request('GET', '/api/admin/invitations');
      render(items);
    } catch (error) {
      if (error.status !== 401) {
        replace(list, h('p', { class: 'page-alert', role: 'alert' }, icon('alert'),
          `Could not load invitations: ${error.message}`));
      }
    }
  }

  function render(items) {
    list.removeAttribute('aria-busy');
    if (!items.length) {
      replace(list, h('p', { class: 'muted' }, 'No invitations yet.'));
      return;
    }
    replace(list, items.map((item) => {
      const revoke = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-danger-text',
        dataset: { revokeInvitation: item.id }, 'aria-label': `Revoke the invitation ${item.note || item.email || item.id}` },
      icon('trash'), h('span', { class: 'hide-sm' }, item.state === 'pending' ? 'Revoke' : 'Remove'));
      revoke.addEventListener('click', async () => {
        const restore = busy(revoke, '…');
        try {
          await request('DELETE', `/api/admin/invitations/${encodeURIComponent(item.id)}`);
          toast(item.state === 'pending' ? 'Invitation revoked: its link no longer works' : 'Invitation removed');
          await load();
        } catch (error) {
          restore();
          toast(error.message, 'error');
        }
      });
      return h('div', { class: 'key-row', dataset: { invitationId: item.id, state: item.state } },
        h('div', { class: 'key-main' },
          h('div', { class: 'key-name' }, item.email || 'Anyone with the link'),
          h('span', { class: 'key-hint' }, [item.note, stateText(item.state)].filter(Boolean).join(' · '))),
        h('div', { class: 'key-meta muted' },
          h('span', {}, 'Created ', timeEl(item.createdAt)),
          item.state === 'used'
            ? h('span', {}, 'Used ', timeEl(item.usedAt))
            : h('span', {}, item.state === 'expired' ? 'Expired ' : 'Expires ', timeEl(item.expiresAt))),
        revoke);
    }));
  }

  request('GET', '/api/auth/signup-policy')
    .then(({ policy: p }) => replace(policy, POLICY_TEXT[p] || `Sign-up policy: ${p}`, ' ',
      h('span', {}, 'Set with ', h('code', {}, 'PICOBASE_SIGNUP'), '.')))
    .catch(() => replace(policy, 'The sign-up policy could not be read.'));
  load();

  return h('section', { class: 'card', id: 'invitations-card', 'aria-labelledby': 'invitations-title' },
    h('div', { class: 'card-header' },
      h('h2', { id: 'invitations-title', class: 'card-title' }, icon('plus', 'icon icon-title'), 'Invitations')),
    policy,
    created,
    form,
    list);
}

function stateText(state) {
  return { pending: 'Pending', used: 'Used', expired: 'Expired' }[state] || state;
}

/** The link of a new invitation, shown this once: the API never returns its token again. */
function showCreated(box, answer) {
  const link = answer.url || `${location.origin}/signup?invitation=${answer.token}`;
  box.hidden = false;
  replace(box,
    h('div', { class: 'callout callout-warning', role: 'status' }, icon('alert'),
      h('p', {}, h('strong', {}, 'Send this link to the person you invite. '), 'It is shown only now and works once.')),
    h('div', { class: 'reveal url-row' },
      h('code', { class: 'url-text', id: 'invitation-link' }, link),
      copyButton(link, 'Copy link')));
}
