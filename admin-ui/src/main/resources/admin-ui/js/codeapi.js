// The control API's calls for shipping code to an instance (issue 13): its code trees, its secrets,
// its deploy tokens, and clones. Kept apart from api.js, whose request() they go through.
import { request } from './api.js';
import { h } from './dom.js';

// The cards' styles (code.css), added once when this module is first loaded.
if (!document.getElementById('code-css')) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/code.css', id: 'code-css' }));
}

/** The three trees of code an instance has, as the files API names them. */
export const TREES = ['pb_hooks', 'pb_migrations', 'pb_public'];

function instancePath(id) {
  return `/api/instances/${encodeURIComponent(id)}`;
}

/** A path inside a tree, /-separated, each segment encoded (the API decodes them back). */
function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

function treePath(id, tree) {
  return `${instancePath(id)}/files/${encodeURIComponent(tree)}`;
}

export const codeApi = {
  /** {tree, files: [{path, size, sha256, modified}]} */
  files: (id, tree) => request('GET', treePath(id, tree)),
  /** One file, the raw body: {tree, file, instance}. */
  writeFile: (id, tree, path, blob) => request('PUT', `${treePath(id, tree)}/${encodePath(path)}`, blob,
    { contentType: 'application/octet-stream' }),
  /** The whole tree replaced by a zip: {tree, files, instance}. */
  replaceTree: (id, tree, zip) => request('PUT', treePath(id, tree), zip, { contentType: 'application/zip' }),
  deleteFile: (id, tree, path) => request('DELETE', `${treePath(id, tree)}/${encodePath(path)}`),
  /** {vars: [{name, setAt}]}: never a value. */
  env: (id) => request('GET', `${instancePath(id)}/env`),
  setEnv: (id, vars) => request('PUT', `${instancePath(id)}/env`, { vars }),
  deleteEnv: (id, name) => request('DELETE', `${instancePath(id)}/env/${encodeURIComponent(name)}`),
  /** {tokens: [{id, name, createdAt, lastUsedAt}]} */
  deployTokens: (id) => request('GET', `${instancePath(id)}/deploy-tokens`),
  /** {id, name, createdAt, token}: the only time the token is shown. */
  createDeployToken: (id, name) => request('POST', `${instancePath(id)}/deploy-tokens`, { name }),
  revokeDeployToken: (id, tokenId) => request('DELETE', `${instancePath(id)}/deploy-tokens/${encodeURIComponent(tokenId)}`),
  /** A new instance whose data is a copy of a snapshot of `instanceId` (its current one without `snapshotId`). */
  clone: (name, subdomain, instanceId, snapshotId) => request('POST', '/api/instances',
    { name, subdomain, from: snapshotId ? { instanceId, snapshotId } : { instanceId } }),
};
