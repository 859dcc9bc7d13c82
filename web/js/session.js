/* global document, fetch -- browser globals: this folder runs in the browser, not in Node */
/**
 * Key mode in the browser. When the API answers 401, ask once for an API key and trade it for a
 * session cookie (POST /v1/session): HttpOnly, so page scripts never hold the key afterwards,
 * and sent by the browser with every request, EventSource and <img src> included. The caller
 * then retries its request. Concurrent 401s share one prompt.
 */

let pending;

/** Asks for a key until one is accepted (true) or the person cancels (false). */
export function logIn() {
  pending ??= askUntilAccepted().finally(() => {
    pending = undefined;
  });
  return pending;
}

async function askUntilAccepted() {
  let message = 'This server needs an API key.';
  for (;;) {
    const key = await askForKey(message);
    if (!key) return false;
    const res = await fetch('/v1/session', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    }).catch(() => undefined);
    if (res?.ok) return true;
    message = res
      ? 'That key was not accepted. Check it and try again.'
      : 'Could not reach the server. Try again.';
  }
}

// the app's colours where its stylesheet defines them, plain ones where it does not
const STYLE = `
.session-dialog { border: 1px solid var(--border, #ccc); border-radius: var(--radius, 12px);
  padding: 20px 24px; background: var(--surface, #fff); color: var(--text, #111);
  box-shadow: var(--shadow, 0 4px 16px rgb(0 0 0 / 15%)); font: inherit; max-width: 26rem; }
.session-dialog::backdrop { background: rgb(16 18 27 / 45%); }
.session-dialog form { display: grid; gap: 12px; grid-template-columns: 1fr auto auto; }
.session-dialog p { grid-column: 1 / -1; margin: 0; }
.session-dialog input { font: inherit; padding: 8px 10px; min-width: 0;
  border: 1px solid var(--border, #ccc); border-radius: var(--radius-sm, 8px); }`;

/** A modal form with a password field: resolves to the key, or undefined on cancel. */
function askForKey(message) {
  if (!document.getElementById('session-style')) {
    const style = document.createElement('style');
    style.id = 'session-style';
    style.textContent = STYLE;
    document.head.append(style);
  }
  const dialog = document.createElement('dialog');
  dialog.className = 'session-dialog';
  const form = document.createElement('form');
  form.method = 'dialog';
  const text = document.createElement('p');
  text.textContent = message;
  const input = document.createElement('input');
  input.type = 'password';
  input.name = 'key';
  input.autocomplete = 'off';
  input.placeholder = 'fl_…';
  input.required = true;
  input.setAttribute('aria-label', 'API key');
  const ok = document.createElement('button');
  ok.className = 'button primary';
  ok.value = 'ok';
  ok.textContent = 'Log in';
  const cancel = document.createElement('button');
  cancel.className = 'button ghost';
  cancel.value = 'cancel';
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => dialog.close('cancel'));
  form.append(text, input, ok, cancel);
  dialog.append(form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const key = dialog.returnValue === 'ok' ? input.value.trim() : '';
      dialog.remove();
      resolve(key || undefined);
    });
    dialog.showModal();
  });
}
