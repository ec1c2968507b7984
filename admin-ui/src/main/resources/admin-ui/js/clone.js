// Clone: a new instance made from a snapshot of this one (its records, files and deployed code; not
// its keys, secrets or deploy tokens), through the create dialog with its subdomain check, then
// opened. From the instance page (its current snapshot) or a backup row (that backup).
import { absoluteTime, h, icon } from './dom.js';
import { codeApi } from './codeapi.js';
import { openCreateDialog } from './overview.js';

/** Opens the clone dialog for `instance`, from `backup` (a row of the backups list) or its current data. */
export function openCloneDialog(ctx, instance, backup = null) {
  const from = backup ? `the backup saved ${absoluteTime(backup.createdAt)}` : 'its latest saved data';
  openCreateDialog(ctx, {
    title: backup ? 'Clone from this backup' : `Clone ${instance.name}`,
    description: `A new instance with ${instance.name}'s records, files and deployed code as in ${from}`
      + (backup ? '.' : ' (a running instance\'s last save).')
      + ' Its API keys, secrets and deploy tokens are not copied. It starts stopped.',
    submitLabel: 'Clone instance',
    initialName: `${instance.name} copy`,
    create: (name, subdomain) => codeApi.clone(name, subdomain, instance.id, backup ? backup.id : null),
  });
}

/** The header's "Clone" button. */
export function cloneButton(ctx, getInstance) {
  const button = h('button', { type: 'button', class: 'btn btn-secondary', id: 'clone-instance' }, icon('copy'), 'Clone');
  button.addEventListener('click', () => openCloneDialog(ctx, getInstance()));
  return button;
}

/** A backup row's "Clone" button. */
export function cloneBackupButton(ctx, instance, backup) {
  const button = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', dataset: { clone: backup.id },
    'aria-label': `Clone from the backup of ${absoluteTime(backup.createdAt)}`, title: 'Clone from this backup' },
  icon('copy'), h('span', { class: 'hide-sm' }, 'Clone'));
  button.addEventListener('click', () => openCloneDialog(ctx, instance, backup));
  return button;
}
