// The Files card of an instance page: its three trees of code (pb_hooks, pb_migrations, pb_public)
// listed file by file (path, size, when changed, short SHA-256), one file uploaded into a chosen tree
// and path, a zip replacing a whole tree (the dialog says so), a file deleted after a confirmation,
// and when the code was last deployed (the newest `deploy` backup: one is saved right after every
// change of the code, whatever the instance's state). A change to a running instance restarts it;
// when PocketBase does not start on the new code the card says so with PocketBase's message.
import { absoluteTime, busy, h, icon, openDialog, replace, timeEl, toast } from './dom.js';
import { capitalize, clearErrors, field, selectField, setFieldError, showError } from './forms.js';
import { codeApi, TREES } from './codeapi.js';
import { formatSize } from './instance.js';

const TREE_NOTES = {
  pb_hooks: 'JavaScript hooks (*.pb.js), loaded when PocketBase starts',
  pb_migrations: 'JavaScript migrations, applied when PocketBase next starts',
  pb_public: 'static files served at /',
};

/** The card; `view` is the instance page's (instance, polls); it calls view.onBackups itself. */
export function filesCard(view) {
  const card = { view, lists: {}, files: {}, lastDeploy: h('span', { id: 'last-deploy' }, '…') };
  card.alert = h('div', { class: 'form-alert', id: 'files-alert', role: 'alert', hidden: true });
  const upload = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'upload-file' }, icon('plus'), 'Upload file');
  upload.addEventListener('click', () => openUploadDialog(card));
  const uploadZip = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', id: 'upload-zip' }, icon('archive'), 'Upload zip');
  uploadZip.addEventListener('click', () => openZipDialog(card));
  const trees = TREES.map((tree) => {
    card.lists[tree] = h('ul', { class: 'file-list', id: `files-${tree}`, 'aria-busy': 'true' },
      h('li', { class: 'skeleton skeleton-row' }));
    return h('div', { class: 'file-tree', dataset: { tree } },
      h('div', { class: 'file-tree-head' },
        h('code', { class: 'file-tree-name' }, `${tree}/`),
        h('span', { class: 'muted file-tree-note' }, TREE_NOTES[tree])),
      card.lists[tree]);
  });
  view.onBackups = (backups) => showLastDeploy(card, backups);
  loadAll(card);
  return h('section', { class: 'card', id: 'files-card', 'aria-labelledby': 'files-title' },
    h('div', { class: 'card-header' },
      h('h2', { id: 'files-title', class: 'card-title' }, icon('archive', 'icon icon-title'), 'Files'),
      h('div', { class: 'card-actions' }, upload, uploadZip)),
    h('p', { class: 'card-subtitle muted' }, 'The code this instance runs, as in a PocketBase project. A change to a '
      + 'running instance restarts it (requests wait meanwhile); a backup is saved after each change, so the '
      + 'previous code is one restore away.'),
    h('p', { class: 'last-deploy muted' }, 'Last deploy: ', card.lastDeploy),
    card.alert,
    h('div', { class: 'file-trees' }, trees));
}

async function loadAll(card) {
  await Promise.all(TREES.map((tree) => loadTree(card, tree)));
}

async function loadTree(card, tree) {
  const list = card.lists[tree];
  try {
    const { files } = await codeApi.files(card.view.instance.id, tree);
    card.files[tree] = files;
    renderTree(card, tree);
  } catch (error) {
    if (error.status === 401) return;
    list.removeAttribute('aria-busy');
    replace(list, h('li', { class: 'page-alert', role: 'alert' }, icon('alert'), `Could not list ${tree}: ${error.message}`));
  }
}

function renderTree(card, tree) {
  const list = card.lists[tree];
  list.removeAttribute('aria-busy');
  const files = card.files[tree];
  if (!files.length) {
    replace(list, h('li', { class: 'file-empty muted' }, 'No files.'));
    return;
  }
  replace(list, files.map((file) => {
    const slash = file.path.lastIndexOf('/');
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-icon btn-danger-text',
      dataset: { deleteFile: `${tree}/${file.path}` }, 'aria-label': `Delete ${tree}/${file.path}`, title: 'Delete' }, icon('trash'));
    remove.addEventListener('click', () => openDeleteDialog(card, tree, file));
    return h('li', { class: 'file-row', dataset: { path: `${tree}/${file.path}` } },
      h('div', { class: 'file-main' },
        h('code', { class: 'file-path' },
          slash >= 0 ? h('span', { class: 'file-dir' }, file.path.slice(0, slash + 1)) : null,
          h('span', { class: 'file-name' }, file.path.slice(slash + 1))),
        h('div', { class: 'file-meta muted' },
          h('span', { class: 'file-size' }, formatSize(file.size)),
          h('span', { 'aria-hidden': 'true' }, '·'),
          h('span', {}, 'changed ', timeEl(file.modified)),
          h('span', { 'aria-hidden': 'true' }, '·'),
          h('code', { class: 'file-sha', title: `SHA-256 ${file.sha256}` }, file.sha256.slice(0, 12)))),
      remove);
  }));
}

function showLastDeploy(card, backups) {
  const deploy = backups.find((b) => b.reason === 'deploy'); // newest first
  replace(card.lastDeploy, deploy ? h('span', { title: absoluteTime(deploy.createdAt) }, timeEl(deploy.createdAt),
    ` (${absoluteTime(deploy.createdAt)})`) : h('span', {}, 'none in the backups kept'));
}

/** After a change: the tree as the API answered it, the instance and backups refreshed, a failed start said. */
function changed(card, tree, result, what) {
  if (result.files) {
    card.files[tree] = result.files;
    renderTree(card, tree);
  } else {
    loadTree(card, tree);
  }
  card.view.polls.forEach((p) => p.now());
  const instance = result.instance;
  if (instance && instance.status === 'failed') {
    showAlert(card, `${what}, but PocketBase did not start on the new code: ${instance.statusReason || 'see the log'}. `
      + 'Fix it and upload again, or restore the backup saved just before (reason "Saved at stop").', 'error');
    toast('PocketBase did not start on the new code', 'error');
  } else {
    showAlert(card, `${what}${instance && instance.status === 'running' ? '; the instance restarted on it' : ''}.`, 'info');
    toast(what);
  }
}

function showAlert(card, message, kind) {
  card.alert.className = `form-alert form-alert-${kind}`;
  replace(card.alert, icon(kind === 'error' ? 'alert' : 'check'), h('span', {}, message));
  card.alert.hidden = false;
}

function treeField(name = 'tree') {
  return selectField({ label: 'Tree', name, options: TREES.map((t) => ({ value: t, label: `${t}/ — ${TREE_NOTES[t]}` })) });
}

function fileField(name, accept) {
  return field({ label: 'File', name, type: 'file', attrs: { class: 'input input-file', accept } });
}

function openUploadDialog(card) {
  const tree = treeField();
  const file = fileField('file');
  const path = field({ label: 'Path in the tree', name: 'path', hint: 'Folders with /, e.g. main.pb.js or assets/app.css. '
    + 'A file already there is replaced.', attrs: { autocomplete: 'off', spellcheck: 'false', class: 'input mono', placeholder: 'main.pb.js' } });
  const form = h('form', { id: 'upload-file-form', class: 'form', novalidate: true }, tree.wrapper, file.wrapper, path.wrapper);
  file.input.addEventListener('change', () => {
    const chosen = file.input.files[0];
    if (chosen && !path.input.value.trim()) path.input.value = chosen.name;
    setFieldError(form, 'file', '');
  });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', form: 'upload-file-form', id: 'confirm-upload' }, 'Upload');
  const { close } = openDialog({
    title: 'Upload a file',
    description: `Into ${card.view.instance.name}. ${card.view.instance.status === 'running' ? 'The instance restarts on it.' : ''}`,
    body: form, actions: [cancel, submit],
  });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = file.input.files[0];
    const target = path.input.value.trim();
    if (!chosen) {
      setFieldError(form, 'file', 'Choose a file');
      return;
    }
    if (!target) {
      setFieldError(form, 'path', 'Give the file a path');
      path.input.focus();
      return;
    }
    // The browser would resolve a '.' or '..' segment before sending: refused here, as the API would.
    const dots = target.split('/').find((segment) => segment === '.' || segment === '..');
    if (dots) {
      setFieldError(form, 'path', `Refused path: the path '${target}' has a '${dots}' segment`);
      path.input.focus();
      return;
    }
    const done = busy(submit, 'Deploying…');
    try {
      const result = await codeApi.writeFile(card.view.instance.id, tree.input.value, target, chosen);
      close();
      changed(card, tree.input.value, result, `Deployed ${tree.input.value}/${result.file.path}`);
    } catch (error) {
      done();
      showUploadError(form, error);
    }
  });
}

function openZipDialog(card) {
  const tree = treeField();
  const file = fileField('zip', '.zip,application/zip');
  const warning = h('div', { class: 'callout callout-warning', id: 'zip-warning' });
  const sayWhat = () => replace(warning, icon('alert'), h('div', {}, h('strong', {}, `This replaces the whole ${tree.input.value} tree. `),
    `Every file now in ${tree.input.value}/ is removed and the zip's files take their place. `
    + 'The backup saved just before keeps the previous ones.'));
  sayWhat();
  tree.input.addEventListener('change', sayWhat);
  const form = h('form', { id: 'upload-zip-form', class: 'form', novalidate: true }, tree.wrapper, file.wrapper, warning);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', form: 'upload-zip-form', id: 'confirm-zip' }, 'Replace the tree');
  const { close } = openDialog({
    title: 'Replace a tree with a zip',
    description: 'The zip\'s paths are taken relative to the tree (a zip of the folder\'s contents, not of the folder).',
    body: form, actions: [cancel, submit], initialFocus: () => tree.input,
  });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = file.input.files[0];
    if (!chosen) {
      setFieldError(form, 'zip', 'Choose a zip file');
      return;
    }
    const done = busy(submit, 'Deploying…');
    try {
      const result = await codeApi.replaceTree(card.view.instance.id, tree.input.value, chosen);
      close();
      changed(card, tree.input.value, result, `Replaced ${tree.input.value} (${result.files.length} file${result.files.length === 1 ? '' : 's'})`);
    } catch (error) {
      done();
      showUploadError(form, error, 'zip');
    }
  });
}

/**
 * A refused upload's message, in the form, with what it means: the API names field "path" for a bad
 * path or zip and a size past the limit (413). A body over the limit may be cut off before the answer
 * can be read; the browser then only knows the connection ended.
 */
function showUploadError(form, error, fileFieldName) {
  if (error.status === 0 && fileFieldName !== undefined) {
    showError(form, { message: 'The upload was cut off. It may be larger than the platform accepts '
      + '(PICOBASE_DEPLOY_MAX_BYTES, 25 MiB by default); otherwise try again.' });
    return;
  }
  const kind = { too_large: 'Too large', too_many_files: 'Too many files', invalid_path: 'Refused path',
    invalid_zip: 'Refused zip' }[error.code];
  const message = kind ? `${kind}: ${error.message}` : capitalize(error.message);
  if (error.field === 'path' && fileFieldName) {
    setFieldError(form, fileFieldName, message);
  } else {
    showError(form, { ...error, message });
  }
}

function openDeleteDialog(card, tree, file) {
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-delete-file' }, 'Delete file');
  const { close } = openDialog({
    title: `Delete ${file.path.split('/').pop()}?`,
    description: card.view.instance.status === 'running'
      ? 'The instance restarts without it. The backup saved just before keeps it.'
      : 'The backup saved just before keeps it.',
    body: h('p', {}, h('code', { class: 'break' }, `${tree}/${file.path}`)),
    actions: [cancel, confirm],
    initialFocus: () => cancel,
  });
  cancel.addEventListener('click', close);
  confirm.addEventListener('click', async () => {
    busy(confirm, 'Deleting…');
    try {
      const result = await codeApi.deleteFile(card.view.instance.id, tree, file.path);
      close();
      changed(card, tree, result, `Deleted ${tree}/${file.path}`);
    } catch (error) {
      close();
      toast(error.status === 404 ? 'That file was already gone' : error.message, 'error');
      loadTree(card, tree);
    }
  });
}

