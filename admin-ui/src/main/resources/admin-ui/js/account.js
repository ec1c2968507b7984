// The account page (/account): change the password (the current one is needed, and every other
// session ends), see where the account is signed in and end a session, and delete the account once
// its email is typed again. Everything goes through /api/me/*.
import { api } from './api.js';
import { absoluteTime, busy, h, icon, openDialog, replace, timeEl, toast } from './dom.js';
import { clearErrors, field, setFieldError, showError, showFormMessage } from './forms.js';

export function renderAccount(main, ctx) {
  document.title = 'Account · PicoBase';
  const { name, email } = ctx.user;
  const sessionList = h('div', { class: 'session-list', id: 'session-list', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }));
  const deleteButton = h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-account' },
    icon('trash'), 'Delete account');
  deleteButton.addEventListener('click', () => openDeleteAccountDialog(ctx));

  replace(main, h('section', { class: 'page' },
    h('a', { href: '/', 'data-link': true, class: 'back-link' }, icon('back', 'icon icon-sm'), 'All instances'),
    h('div', { class: 'page-header' },
      h('div', { class: 'min-w-0' },
        h('h1', { class: 'page-title' }, 'Account'),
        h('p', { class: 'page-subtitle muted break', id: 'account-who' }, `${name} · ${email}`))),
    h('div', { class: 'account-layout' },
      h('section', { class: 'card', 'aria-labelledby': 'password-title' },
        h('h2', { id: 'password-title', class: 'card-title' }, icon('key', 'icon icon-title'), 'Password'),
        h('p', { class: 'muted' }, 'Changing it signs out every other browser and app signed in to this account.'),
        passwordForm(() => loadSessions())),
      h('section', { class: 'card', 'aria-labelledby': 'sessions-title' },
        h('h2', { id: 'sessions-title', class: 'card-title' }, icon('logout', 'icon icon-title'), 'Sessions'),
        h('p', { class: 'muted' }, 'Where this account is signed in. End a session you do not recognise.'),
        sessionList),
      h('section', { class: 'card card-danger', 'aria-labelledby': 'delete-account-title' },
        h('h2', { id: 'delete-account-title', class: 'card-title' }, 'Delete account'),
        h('p', { class: 'muted' }, 'Deletes the account with every instance in it: their data, backups and API keys. '
          + 'This cannot be undone.'),
        deleteButton))));

  let alive = true;
  async function loadSessions() {
    let sessions;
    try {
      ({ sessions } = await api.sessions());
    } catch (error) {
      if (alive && error.status !== 401) {
        replace(sessionList, h('p', { class: 'page-alert', role: 'alert' }, icon('alert'),
          `Could not load the sessions: ${error.message}`));
      }
      return;
    }
    if (!alive) return;
    sessionList.removeAttribute('aria-busy');
    sessions.sort((a, b) => (b.current - a.current) || b.createdAt.localeCompare(a.createdAt));
    replace(sessionList, sessions.map((session) => sessionRow(session, loadSessions)));
  }
  loadSessions();
  return () => {
    alive = false;
  };
}

function sessionRow(session, reload) {
  const end = session.current ? null
    : h('button', { type: 'button', class: 'btn btn-secondary btn-sm', dataset: { endSession: session.id },
      'aria-label': `End the session signed in ${absoluteTime(session.createdAt)}` }, 'End');
  end?.addEventListener('click', async () => {
    busy(end, 'Ending…');
    try {
      await api.endSession(session.id);
      toast('Session ended');
    } catch (error) {
      toast(error.status === 404 ? 'That session had already ended' : error.message, 'error');
    }
    reload();
  });
  return h('div', { class: 'session-row', dataset: { sessionId: session.id, current: String(session.current) } },
    h('div', { class: 'session-main' },
      h('div', { class: 'session-when' }, h('span', {}, 'Signed in ', timeEl(session.createdAt)),
        session.current ? h('span', { class: 'badge badge-current' }, 'This browser') : null),
      h('div', { class: 'muted session-expires' }, `Expires ${absoluteTime(session.expiresAt)}`)),
    end);
}

function passwordForm(sessionsChanged) {
  const current = field({ label: 'Current password', name: 'currentPassword', type: 'password',
    attrs: { autocomplete: 'current-password', required: true } });
  const fresh = field({ label: 'New password', name: 'newPassword', type: 'password', hint: 'At least 8 characters.',
    attrs: { autocomplete: 'new-password', required: true } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'change-password' }, 'Change password');
  const form = h('form', { id: 'password-form', class: 'form', novalidate: true },
    current.wrapper, fresh.wrapper, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = [];
    if (!current.input.value) problems.push(['currentPassword', 'Enter your current password']);
    if ([...fresh.input.value].length < 8) problems.push(['newPassword', 'Use at least 8 characters']);
    if (problems.length) {
      problems.forEach(([f, m]) => setFieldError(form, f, m));
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    const done = busy(submit, 'Changing…');
    try {
      const { otherSessionsEnded } = await api.changePassword(current.input.value, fresh.input.value);
      done();
      form.reset();
      const others = otherSessionsEnded === 1 ? '1 other session was' : `${otherSessionsEnded} other sessions were`;
      showFormMessage(form, `Password changed. ${otherSessionsEnded ? `${others} signed out.` : ''}`.trim(), 'info');
      sessionsChanged();
    } catch (error) {
      done();
      if (error.code === 'wrong_password') {
        setFieldError(form, 'currentPassword', 'That is not your current password');
        current.input.select();
        current.input.focus();
      } else if (error.status === 429) {
        showFormMessage(form, `Too many attempts. Try again in ${error.retryAfter || 60} s.`);
      } else {
        showError(form, error);
      }
    }
  });
  return form;
}

function openDeleteAccountDialog(ctx) {
  const { email } = ctx.user;
  const confirmField = field({ label: `Type ${email} to confirm`, name: 'email',
    attrs: { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', class: 'input mono' } });
  const form = h('form', { id: 'delete-account-form', class: 'form', novalidate: true }, confirmField.wrapper);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', form: 'delete-account-form',
    id: 'confirm-delete-account', disabled: true }, 'Delete my account');
  const matches = () => confirmField.input.value.trim().toLowerCase() === email.toLowerCase();
  const { close } = openDialog({
    title: 'Delete your account?',
    description: 'Every instance is stopped and deleted with its data, backups and API keys; apps using them stop '
      + 'working at once. You are signed out everywhere.',
    body: form,
    actions: [cancel, submit],
  });
  cancel.addEventListener('click', close);
  confirmField.input.addEventListener('input', () => {
    submit.disabled = !matches();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!matches()) return;
    const done = busy(submit, 'Deleting…');
    try {
      await api.deleteAccount(confirmField.input.value.trim());
      close();
      ctx.signedOut('Your account and its instances were deleted.');
    } catch (error) {
      done();
      showError(form, error);
    }
  });
}
