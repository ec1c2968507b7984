// Sign-in and sign-up pages. Errors land next to the field the API names; a wrong password and
// rate limiting get their own plain-language messages (the latter with a countdown). The sign-up page
// follows the server's sign-up policy: open, by invitation (the link's ?invitation= is sent along) or
// closed.
import { api } from './api.js';
import { busy, h, icon, replace } from './dom.js';
import { clearErrors, emailProblem, field, setFieldError, showError, showFormMessage } from './forms.js';

function passwordToggle(input) {
  const btn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm input-addon', 'aria-pressed': 'false' }, 'Show');
  btn.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    btn.textContent = show ? 'Hide' : 'Show';
    btn.setAttribute('aria-pressed', String(show));
    btn.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
  });
  btn.setAttribute('aria-label', 'Show password');
  return btn;
}

function authLayout(main, { title, subtitle, form, footer }) {
  document.title = `${title} · PicoBase`;
  replace(main, h('section', { class: 'auth' },
    h('div', { class: 'auth-card card' },
      h('div', { class: 'auth-brand' }, h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 })),
      h('h1', { class: 'auth-title' }, title),
      h('p', { class: 'auth-subtitle muted' }, subtitle),
      form),
    h('p', { class: 'auth-footer' }, footer)));
}

/** Disables the submit button for the Retry-After seconds and counts down in the form's alert. */
function rateLimited(form, submit, seconds, restore) {
  let left = Math.max(1, seconds);
  const tick = () => {
    if (!form.isConnected) return;
    if (left <= 0) {
      showFormMessage(form, 'You can try again now.', 'info');
      restore();
      return;
    }
    showFormMessage(form, `Too many attempts. Try again in ${left} s.`);
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

export function renderSignIn(main, ctx) {
  const email = field({ label: 'Email', name: 'email', type: 'email', attrs: { autocomplete: 'email', required: true } });
  const password = field({ label: 'Password', name: 'password', type: 'password',
    attrs: { autocomplete: 'current-password', required: true }, suffix: passwordToggle, inlineSuffix: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { id: 'signin-form', class: 'form', novalidate: true }, email.wrapper, password.wrapper, submit);
  const flash = ctx.takeFlash();
  if (flash) showFormMessage(form, flash, 'info');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    let missing = false;
    const emailWrong = emailProblem(email.input.value);
    if (emailWrong) missing = setFieldError(form, 'email', emailWrong);
    if (!password.input.value) missing = setFieldError(form, 'password', 'Enter your password') || missing;
    if (missing) {
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    await signInAndEnter(ctx, form, submit, 'Signing in…', async () => {}, email, password, (error) => {
      if (error.status !== 401) return false;
      showFormMessage(form, 'Wrong email or password. Check both and try again.');
      password.input.select();
      password.input.focus();
      return true;
    });
  });

  authLayout(main, {
    title: 'Sign in to PicoBase',
    subtitle: 'Manage your PocketBase instances, keys and logs.',
    form,
    footer: [h('span', { class: 'muted' }, 'New here? '), h('a', { href: '/signup', 'data-link': true }, 'Create an account')],
  });
  return null;
}

/** What the sign-up page says instead of its form when the policy leaves it nothing to do. */
const SIGNUP_NOTICES = {
  closed: {
    title: 'Sign-up is closed on this server',
    text: 'This PicoBase does not take new accounts. If you already have one, sign in.',
  },
  invite: {
    title: 'An invitation link is needed',
    text: 'This PicoBase takes new accounts by invitation only. Ask whoever runs it for an invitation link, '
      + 'then open that link to create your account.',
  },
  invitation_invalid: {
    title: 'This invitation link is not valid',
    text: 'It may have been used already, or have expired. Ask whoever runs this PicoBase for a new one.',
  },
};

function signUpNotice(kind) {
  const notice = SIGNUP_NOTICES[kind];
  return h('div', { class: 'signup-notice', id: 'signup-notice', role: 'status', dataset: { policy: kind } },
    h('div', { class: 'empty-icon' }, icon(kind === 'closed' ? 'alert' : 'key', 'icon icon-xl')),
    h('h2', {}, notice.title),
    h('p', { class: 'muted' }, notice.text),
    h('a', { class: 'btn btn-secondary btn-block', href: '/signin', 'data-link': true }, 'Go to sign in'));
}

export function renderSignUp(main, ctx) {
  const invitation = new URLSearchParams(location.search).get('invitation')?.trim() || null;
  const slot = h('div', { class: 'signup-slot', 'aria-busy': 'true' },
    h('div', { class: 'skeleton skeleton-row' }), h('div', { class: 'skeleton skeleton-row' }));
  authLayout(main, {
    title: 'Create your account',
    subtitle: invitation ? 'You were invited. Every project gets its own PocketBase at its own address.'
      : 'Every project gets its own PocketBase at its own address.',
    form: slot,
    footer: [h('span', { class: 'muted' }, 'Already have an account? '), h('a', { href: '/signin', 'data-link': true }, 'Sign in')],
  });
  let alive = true;
  api.signupPolicy().then((policy) => {
    if (!alive || !slot.isConnected) return;
    slot.removeAttribute('aria-busy');
    if (policy === 'closed' || (policy === 'invite' && !invitation)) replace(slot, signUpNotice(policy));
    else replace(slot, signUpForm(ctx, invitation, slot));
  });
  return () => {
    alive = false;
  };
}

function signUpForm(ctx, invitation, slot) {
  const name = field({ label: 'Name', name: 'name', attrs: { autocomplete: 'name', required: true, maxlength: 100 } });
  const email = field({ label: 'Email', name: 'email', type: 'email', attrs: { autocomplete: 'email', required: true } });
  const password = field({ label: 'Password', name: 'password', type: 'password', hint: 'At least 8 characters.',
    attrs: { autocomplete: 'new-password', required: true }, suffix: passwordToggle, inlineSuffix: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Create account');
  const form = h('form', { id: 'signup-form', class: 'form', novalidate: true },
    name.wrapper, email.wrapper, password.wrapper, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = [];
    if (!name.input.value.trim()) problems.push(['name', 'Enter your name']);
    const emailWrong = emailProblem(email.input.value);
    if (emailWrong) problems.push(['email', emailWrong]);
    if (password.input.value.length < 8) problems.push(['password', 'Use at least 8 characters']);
    if (problems.length) {
      problems.forEach(([f, m]) => setFieldError(form, f, m));
      form.querySelector('[aria-invalid="true"]').focus();
      return;
    }
    await signInAndEnter(ctx, form, submit, 'Creating account…',
      () => api.signUp(name.input.value.trim(), email.input.value.trim(), password.input.value, invitation),
      email, password, (error) => {
        // The policy changed since the page was opened, or the invitation is used up: say so instead.
        const kind = { signup_closed: 'closed', invitation_required: 'invite', invitation_invalid: 'invitation_invalid' }[error.code];
        if (!kind) return false;
        replace(slot, signUpNotice(kind));
        return true;
      });
  });
  return form;
}

/**
 * Runs {@code before} (e.g. the sign-up), signs in with the form's email and password and opens the
 * dashboard. A 429 counts down on the button; {@code handled(error)} may show a form-specific message
 * and return true; anything else is shown next to its field or above the form.
 */
async function signInAndEnter(ctx, form, submit, busyLabel, before, email, password, handled) {
  const done = busy(submit, busyLabel);
  try {
    await before();
    const { user } = await api.signIn(email.input.value.trim(), password.input.value);
    ctx.setUser(user);
    ctx.navigate('/', { replace: true });
  } catch (error) {
    if (error.status === 429) {
      rateLimited(form, submit, error.retryAfter || 60, done);
      return;
    }
    done();
    if (!handled(error)) showError(form, error);
  }
}
