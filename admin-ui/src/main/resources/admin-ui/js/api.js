// The control API, as the dashboard uses it: JSON in and out, the session cookie sent by the
// browser, and the CSRF header on every write (the API refuses cookie-authenticated writes
// without it). Errors become ApiError with the API's {code, message, field}.

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.retryAfter = retryAfter || 0;
  }
}

let csrfFromSignIn = null;

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/** Whether the browser holds a session at all (the readable twin of the HttpOnly session cookie). */
export function hasSessionCookie() {
  return Boolean(cookie('picobase_csrf'));
}

/**
 * Whether the control API answered the last request. A request that gets no answer at all (the
 * server is down, the network is gone) or a gateway's 502/503/504 without the API's error JSON marks
 * the connection lost; the next answer marks it back. Views stop showing live status while it is lost.
 */
let connected = true;
const connectionListeners = new Set();
export function isConnected() {
  return connected;
}
export function onConnectionChange(fn) {
  connectionListeners.add(fn);
  return () => connectionListeners.delete(fn);
}
function setConnected(value) {
  if (connected === value) return;
  connected = value;
  connectionListeners.forEach((fn) => fn(value));
}

const sessionEndedListeners = new Set();
export function onSessionEnded(fn) {
  sessionEndedListeners.add(fn);
}

/**
 * Calls the API. A 401 on anything but sign-in means the session ended: listeners are told so the
 * app can go back to the sign-in page.
 */
export async function request(method, path, body, { quiet401 = false, contentType } = {}) {
  const headers = { Accept: 'application/json' };
  // With a contentType the body (a file, a zip) is sent as it is; otherwise as JSON.
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  if (method !== 'GET') {
    const token = cookie('picobase_csrf') || csrfFromSignIn;
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || contentType ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    setConnected(false);
    throw new ApiError(0, 'network', 'PicoBase cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204) {
    setConnected(true);
    return null;
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  const apiAnswered = !(response.status >= 502 && response.status <= 504) || Boolean(data && data.error);
  setConnected(apiAnswered);
  if (!apiAnswered) {
    throw new ApiError(0, 'network', 'PicoBase cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const e = (data && data.error) || {};
    const error = new ApiError(response.status, e.code || `http_${response.status}`,
      e.message || `The request failed (${response.status}).`, e.field,
      Number(response.headers.get('Retry-After')) || 0);
    if (response.status === 401 && !quiet401) sessionEndedListeners.forEach((fn) => fn(error));
    throw error;
  }
  return data;
}

export const api = {
  me: () => request('GET', '/api/me'),
  /** Sign-up with an invitation (pbi_…) when the page was opened with one. */
  signUp: (name, email, password, invitation) => request('POST', '/api/auth/signup',
    invitation ? { name, email, password, invitation } : { name, email, password }),
  /**
   * Who may sign up: 'open', 'invite' (with an invitation link) or 'closed'. A server without the
   * endpoint (404) signs anyone up, and so does one whose answer cannot be read: it has the last word.
   */
  async signupPolicy() {
    try {
      const data = await request('GET', '/api/auth/signup-policy');
      return ['open', 'invite', 'closed'].includes(data && data.policy) ? data.policy : 'open';
    } catch {
      return 'open';
    }
  },
  async signIn(email, password) {
    const data = await request('POST', '/api/auth/signin', { email, password }, { quiet401: true });
    csrfFromSignIn = data.csrfToken || null;
    return data;
  },
  async signOut() {
    try {
      await request('POST', '/api/auth/signout', undefined, { quiet401: true });
    } finally {
      csrfFromSignIn = null;
    }
  },
  sessions: () => request('GET', '/api/me/sessions'),
  endSession: (id) => request('DELETE', `/api/me/sessions/${encodeURIComponent(id)}`),
  changePassword: (currentPassword, newPassword) =>
    request('POST', '/api/me/password', { currentPassword, newPassword }),
  deleteAccount: (email) => request('DELETE', '/api/me', { email }),
  instances: () => request('GET', '/api/instances'),
  instance: (id) => request('GET', `/api/instances/${encodeURIComponent(id)}`),
  createInstance: (name, subdomain) => request('POST', '/api/instances', { name, subdomain }),
  start: (id) => request('POST', `/api/instances/${encodeURIComponent(id)}/start`),
  stop: (id) => request('POST', `/api/instances/${encodeURIComponent(id)}/stop`),
  updateInstance: (id, changes) => request('PATCH', `/api/instances/${encodeURIComponent(id)}`, changes),
  deleteInstance: (id) => request('DELETE', `/api/instances/${encodeURIComponent(id)}`),
  logs: (id, lines = 200) => request('GET', `/api/instances/${encodeURIComponent(id)}/logs?lines=${lines}`),
  checkSubdomain: (s) => request('GET', `/api/subdomains/${encodeURIComponent(s)}`),
  keys: (id) => request('GET', `/api/instances/${encodeURIComponent(id)}/keys`),
  createKey: (id, name) => request('POST', `/api/instances/${encodeURIComponent(id)}/keys`, { name }),
  revokeKey: (id, keyId) =>
    request('DELETE', `/api/instances/${encodeURIComponent(id)}/keys/${encodeURIComponent(keyId)}`),
  backups: (id) => request('GET', `/api/instances/${encodeURIComponent(id)}/backups`),
  usage: (id, days = 30) => request('GET', `/api/instances/${encodeURIComponent(id)}/usage?days=${days}`),
  backUp: (id) => request('POST', `/api/instances/${encodeURIComponent(id)}/backups`),
  /** A plain link (the session cookie authenticates it), so the browser saves the zip as it streams. */
  backupDownloadUrl: (id, snapshotId) => `/api/instances/${encodeURIComponent(id)}/backups/`
    + `${encodeURIComponent(snapshotId)}/download`,
  restore: (id, snapshotId) => request('POST', `/api/instances/${encodeURIComponent(id)}/restore`, { snapshotId }),
};
