// Labelled fields with an error line each, and the mapping from an API error to the field it names
// (or to the form's own alert when it names none).
import { busy, h, icon, openDialog } from './dom.js';

let fieldCounter = 0;

/*
 * The control API's email rule (Validate.email), to the character, so the browser refuses exactly
 * what the server would: strip Java's whitespace (String.strip: not U+00A0, U+2007, U+202F), 1 to
 * 254 UTF-16 units, then, lowercased, this pattern (a dot in the domain: grace@example is refused).
 * AdminUiJourneyTest compares the two on a list of addresses.
 */
const JAVA_WHITESPACE = '[\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u1680\\u2000-\\u2006\\u2008-\\u200A\\u2028\\u2029\\u205F\\u3000]';
const STRIP = new RegExp(`^${JAVA_WHITESPACE}+|${JAVA_WHITESPACE}+$`, 'g');
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** What is wrong with an email address by the server's rule; null when it would be accepted. */
export function emailProblem(value) {
  const stripped = String(value).replace(STRIP, '');
  if (!stripped) return 'Enter your email address';
  if (stripped.length > 254 || !EMAIL.test(stripped.toLowerCase())) {
    return 'Enter a valid email address, such as ada@example.com';
  }
  return null;
}

export function field({ label, name, type = 'text', hint, attrs = {}, suffix, inlineSuffix = false }) {
  const id = `f-${name}-${++fieldCounter}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', {
    id, name, type, class: 'input', 'aria-describedby': [hintId, errorId].filter(Boolean).join(' '), ...attrs,
  });
  const addon = typeof suffix === 'function' ? suffix(input) : suffix;
  const wrapper = h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id, class: 'label' }, label),
    addon ? h('div', { class: inlineSuffix ? 'input-group inline-addon' : 'input-group' }, input, addon) : input,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
    h('p', { id: errorId, class: 'field-error', 'aria-live': 'polite' }));
  return { wrapper, input };
}

export function setFieldError(form, name, message) {
  const wrapper = form.querySelector(`.field[data-field="${name}"]`);
  if (!wrapper) return false;
  const input = wrapper.querySelector('input, select, textarea');
  const error = wrapper.querySelector('.field-error');
  error.replaceChildren(...(message ? [icon('alert', 'icon icon-sm'), document.createTextNode(message)] : []));
  wrapper.classList.toggle('has-error', Boolean(message));
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return true;
}

export function formAlert(form) {
  let alert = form.querySelector('.form-alert');
  if (!alert) {
    alert = h('div', { class: 'form-alert', role: 'alert' });
    form.prepend(alert);
  }
  return alert;
}

export function showFormMessage(form, message, kind = 'error') {
  const alert = formAlert(form);
  alert.className = `form-alert form-alert-${kind}`;
  alert.replaceChildren(...(message ? [icon(kind === 'error' ? 'alert' : 'check'), h('span', {}, message)] : []));
  alert.hidden = !message;
  return alert;
}

export function clearErrors(form) {
  form.querySelectorAll('.field').forEach((f) => setFieldError(form, f.dataset.field, ''));
  showFormMessage(form, '');
}

/** Shows an API error where it belongs; focuses the field at fault. */
export function showError(form, error) {
  if (error.field && setFieldError(form, error.field, capitalize(error.message))) {
    form.querySelector(`.field[data-field="${error.field}"] :is(input, select, textarea)`).focus();
    return;
  }
  showFormMessage(form, capitalize(error.message));
}

export function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** Like field(), with a <select> of {value, label} options. */
export function selectField({ label, name, hint, options, value }) {
  const id = `f-${name}-${++fieldCounter}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const input = h('select', { id, name, class: 'input select', 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') },
    options.map((o) => h('option', { value: o.value }, o.label)));
  if (value !== undefined) input.value = value;
  const wrapper = h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id, class: 'label' }, label),
    input,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
    h('p', { id: errorId, class: 'field-error', 'aria-live': 'polite' }));
  return { wrapper, input };
}

/**
 * A dialog that asks for a name and creates something with it (an API key, a deploy token): the name is
 * required; while `create(name)` runs the button is busy; a failure is shown in the form. Once created,
 * `created(dialog, result)` gets the dialog, to turn it into the one-time reveal of a secret.
 */
export function openNameDialog({ formId, title, description, label, hint, placeholder, submitLabel, missing,
  create, created }) {
  const name = field({ label, name: 'name', hint, attrs: { autocomplete: 'off', maxlength: 100, placeholder } });
  const form = h('form', { id: formId, class: 'form', novalidate: true }, name.wrapper);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', form: formId }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const { dialog, close } = openDialog({ title, description, body: form, actions: [cancel, submit] });
  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!name.input.value.trim()) {
      setFieldError(form, 'name', missing);
      name.input.focus();
      return;
    }
    const done = busy(submit, 'Creating…');
    try {
      created(dialog, await create(name.input.value.trim()));
    } catch (error) {
      done();
      showError(form, error);
    }
  });
}
