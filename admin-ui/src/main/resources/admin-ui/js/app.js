// The dashboard's entry point: who is signed in, which view the address shows, and the top bar.
// Routes are client-side (/signin, /signup, /, /instances/<id>, /account, /operator); the server answers every path
// without a file extension with this page.
import { api, hasSessionCookie, isConnected, onConnectionChange, onSessionEnded } from './api.js';
import { h, icon, replace, toast } from './dom.js';
import { renderSignIn, renderSignUp } from './auth.js';
import { renderOverview } from './overview.js';
import { renderInstance } from './instance.js';
import { renderAccount } from './account.js';
import { operatorLink, renderOperator } from './operator.js';

const main = document.getElementById('main');
const userSlot = document.getElementById('topbar-user');
const connectionBanner = document.getElementById('connection-banner');

const state = { user: null, cleanup: null, flash: null };

const ctx = {
  get user() {
    return state.user;
  },
  setUser(user) {
    state.user = user;
    renderUser();
  },
  navigate,
  takeFlash() {
    const flash = state.flash;
    state.flash = null;
    return flash;
  },
  flash(message) {
    state.flash = message;
  },
  /** This browser is signed out (sign-out, or the account deleted): to the sign-in page with a message. */
  signedOut(message) {
    state.user = null;
    renderUser();
    state.flash = message;
    navigate('/signin');
  },
};

function navigate(path, { replace: replaceEntry = false } = {}) {
  if (path !== location.pathname + location.search) {
    if (replaceEntry) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
  }
  route(true);
}

function route(moveFocus) {
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const publicPage = path === '/signin' || path === '/signup';
  if (!state.user && !publicPage) {
    history.replaceState(null, '', '/signin');
    return route(moveFocus);
  }
  if (state.user && publicPage) {
    history.replaceState(null, '', '/');
    return route(moveFocus);
  }
  document.body.dataset.page = publicPage ? 'auth' : 'app';
  document.body.dataset.path = path;
  let match;
  if (path === '/signin') state.cleanup = renderSignIn(main, ctx);
  else if (path === '/signup') state.cleanup = renderSignUp(main, ctx);
  else if (path === '/') state.cleanup = renderOverview(main, ctx);
  else if (path === '/account') state.cleanup = renderAccount(main, ctx);
  else if ((match = path.match(/^\/instances\/([^/]+)$/))) state.cleanup = renderInstance(main, ctx, decodeURIComponent(match[1]));
  else if (path === '/operator') state.cleanup = renderOperator(main, ctx);
  else renderNotFound();
  if (moveFocus) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    (heading || main).setAttribute('tabindex', '-1');
    (heading || main).focus({ preventScroll: true });
  }
  return undefined;
}

function renderNotFound() {
  document.title = 'Not found · PicoBase';
  replace(main, h('section', { class: 'page empty-state' },
    h('h1', {}, 'This page does not exist'),
    h('p', { class: 'muted' }, 'The address may be mistyped, or the instance was deleted.'),
    h('a', { class: 'btn btn-primary', href: '/', 'data-link': true }, icon('back'), 'Back to your instances')));
}

function renderUser() {
  renderConnection();
  if (!state.user) {
    replace(userSlot);
    return;
  }
  const { name, email } = state.user;
  const initials = (name || email).split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();
  const signOut = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', id: 'sign-out' },
    icon('logout'), h('span', { class: 'hide-sm' }, 'Sign out'));
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    // Stop the page's polling first, and let a call in flight finish: one that reached the server
    // after the session ended would be a 401.
    const cleanup = state.cleanup;
    state.cleanup = null;
    if (cleanup) await cleanup();
    try {
      await api.signOut();
    } catch {
      // the session may already be gone; either way this browser is signed out now
    }
    ctx.signedOut('You are signed out.');
  });
  replace(userSlot,
    operatorLink(state.user),
    h('a', { class: 'user-chip', id: 'account-link', href: '/account', 'data-link': true, title: email,
      'aria-label': `Account: ${name}, ${email}` },
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials),
      h('span', { class: 'user-text hide-sm', 'aria-hidden': 'true' },
        h('span', { class: 'user-name' }, name),
        h('span', { class: 'user-email' }, email))),
    signOut);
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey
    || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});

window.addEventListener('popstate', () => route(true));

/** The banner under the top bar while a signed-in page cannot reach the API (its pollers keep trying). */
function renderConnection() {
  connectionBanner.hidden = !state.user || isConnected();
}
onConnectionChange(renderConnection);

onSessionEnded(() => {
  if (!state.user) return;
  state.user = null;
  renderUser();
  state.flash = 'Your session has ended. Sign in again to continue.';
  toast('Your session has ended', 'error');
  navigate('/signin', { replace: true });
});

async function boot() {
  // Only ask who is signed in when this browser holds a session: asking without one would be a
  // 401 on every visit to the sign-in page.
  if (hasSessionCookie()) {
    try {
      state.user = (await api.me()).user;
    } catch {
      state.user = null;
    }
  }
  renderUser();
  route(false);
}

boot();
