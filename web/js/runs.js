/* global document -- browser globals: this folder runs in the browser, not in Node */
/** The lab runs page: every run with a report, newest first, with its ship verdict. */
import { listRuns } from './api.js';
import { describeError } from './errors.js';

/**
 * "SHIP", "NO-SHIP" or undefined, from the verdict as results.json holds it: an object with a
 * `decision` (what `filterlab eval` writes), a `verdict` string or a `ship` boolean; or a string.
 */
export function verdictOf(verdict) {
  let v = verdict;
  if (v && typeof v === 'object') v = v.decision ?? v.verdict ?? v.ship;
  if (v === true) return 'SHIP';
  if (v === false) return 'NO-SHIP';
  if (typeof v !== 'string') return undefined;
  const norm = v
    .trim()
    .toUpperCase()
    .replace(/[\s_]+/g, '-');
  if (norm === 'SHIP') return 'SHIP';
  if (norm === 'NO-SHIP' || norm === 'NOSHIP') return 'NO-SHIP';
  return undefined;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function runItem(run) {
  const li = document.createElement('li');
  li.className = 'run';
  li.dataset.run = run.id;

  const verdict = verdictOf(run.verdict);
  const badge = document.createElement('span');
  badge.className = `badge ${verdict ? verdict.toLowerCase() : 'unknown'}`;
  badge.textContent = verdict ?? 'NO VERDICT';

  const main = document.createElement('div');
  main.className = 'run-main';
  const link = document.createElement('a');
  link.className = 'run-name';
  link.href = run.report;
  link.textContent = String(run.name ?? run.id);
  const meta = document.createElement('p');
  meta.className = 'run-meta';
  const time = document.createElement('time');
  time.dateTime = run.createdAt;
  time.textContent = dateFormat.format(new Date(run.createdAt));
  const id = document.createElement('span');
  id.className = 'run-id';
  id.textContent = run.id;
  meta.append(time, ' · ', id);
  main.append(link, meta);
  if (typeof run.verdict?.reason === 'string') {
    const reason = document.createElement('p');
    reason.className = 'run-reason';
    reason.textContent = run.verdict.reason;
    main.append(reason);
  }

  const open = document.createElement('span');
  open.className = 'run-open';
  open.setAttribute('aria-hidden', 'true');
  open.textContent = 'Open report →';

  li.append(badge, main, open);
  return li;
}

async function main() {
  const status = document.getElementById('runs-state');
  const list = document.getElementById('runs');
  try {
    const runs = await listRuns();
    if (!runs.length) {
      status.innerHTML =
        '<div class="empty"><p>No lab runs yet.</p><p>Runs appear here when a lab run writes its <code>report.html</code> into the server\u2019s runs folder.</p></div>';
      return;
    }
    list.replaceChildren(...runs.map(runItem));
    list.hidden = false;
    status.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'visually-hidden';
    p.textContent = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    status.append(p);
  } catch (error) {
    const { title, message } = describeError(error);
    status.innerHTML = '';
    const alert = document.createElement('div');
    alert.className = 'alert';
    alert.setAttribute('role', 'alert');
    const t = document.createElement('p');
    t.className = 'alert-title';
    t.textContent = title;
    const m = document.createElement('p');
    m.className = 'alert-message';
    m.textContent = message;
    alert.append(t, m);
    status.append(alert);
  }
}

void main();
