/* global CSS, Event, document, setTimeout -- browser globals: this folder runs in the browser, not in Node */
/**
 * The filter gallery: one card per filter with its example thumbnail, as a radio group, so
 * that arrow keys move between filters and a screen reader says which one is picked.
 */

/**
 * Thumbnails are rendered by the workers after the server starts (a diffusion filter can take
 * minutes on a CPU): 404 until then. Retry with backoff, capped so that a server that cannot
 * render them does not spend the page's request budget forever.
 */
const THUMB_FIRST_DELAY_MS = 2000;
const THUMB_MAX_DELAY_MS = 30_000;
const THUMB_GIVE_UP_MS = 5 * 60_000;

function loadThumbnail(img, holder, url) {
  const started = Date.now();
  let attempt = 0;
  img.addEventListener('load', () => holder.classList.add('loaded'));
  img.addEventListener('error', () => {
    const delay = Math.min(THUMB_MAX_DELAY_MS, THUMB_FIRST_DELAY_MS * 2 ** attempt);
    attempt++;
    if (Date.now() + delay - started > THUMB_GIVE_UP_MS) {
      holder.classList.add('missing');
      return;
    }
    setTimeout(() => {
      img.src = `${url}?attempt=${attempt}`;
    }, delay);
  });
  img.src = url;
}

function card(filter) {
  const label = document.createElement('label');
  label.className = 'filter-card';
  label.dataset.filter = filter.id;

  const radio = document.createElement('input');
  radio.type = 'radio';
  radio.name = 'filter';
  radio.value = filter.id;
  radio.className = 'visually-hidden';
  if (filter.description) radio.setAttribute('aria-description', filter.description);

  const thumb = document.createElement('span');
  thumb.className = 'filter-thumb';
  const initial = document.createElement('span');
  initial.className = 'filter-initial';
  initial.setAttribute('aria-hidden', 'true');
  initial.textContent = (filter.name || filter.id).slice(0, 1).toUpperCase();
  const img = document.createElement('img');
  img.alt = '';
  img.decoding = 'async';
  img.loading = 'lazy';
  img.draggable = false;
  thumb.append(initial, img);
  // the server says when no thumbnail will come (no sample photo, or the filter failed on it)
  if (filter.thumbnailStatus === 'unavailable') thumb.classList.add('missing');
  else loadThumbnail(img, thumb, filter.thumbnail);

  const name = document.createElement('span');
  name.className = 'filter-name';
  name.textContent = filter.name || filter.id;

  label.append(radio, thumb, name);
  return label;
}

/**
 * @param {HTMLElement} container the radiogroup
 * @param {object[]} filters from GET /v1/filters
 * @param {(filter: object) => void} onSelect
 * @returns {(id: string) => void} selects a filter by id
 */
export function renderGallery(container, filters, onSelect) {
  container.replaceChildren(...filters.map(card));
  container.addEventListener('change', (e) => {
    const id = e.target.value;
    const filter = filters.find((f) => f.id === id);
    if (filter) onSelect(filter);
  });
  return (id) => {
    const radio = container.querySelector(`input[value="${CSS.escape(id)}"]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event('change', { bubbles: true }));
  };
}
