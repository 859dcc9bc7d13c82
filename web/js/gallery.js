/* global CSS, Event, URL, document, setTimeout -- browser globals: this folder runs in the browser, not in Node */
/**
 * The filter gallery: one card per filter with its example thumbnail (the server's sample
 * portrait) until the person's own photo is previewed on it, as a radio group, so that arrow
 * keys move between filters and a screen reader says which one is picked.
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
 */
export function renderGallery(container, filters, onSelect) {
  container.replaceChildren(...filters.map(card));
  container.addEventListener('change', (e) => {
    const id = e.target.value;
    const filter = filters.find((f) => f.id === id);
    if (filter) onSelect(filter);
  });
  const thumbOf = (id) =>
    container.querySelector(`.filter-card[data-filter="${CSS.escape(id)}"] .filter-thumb`);
  const urls = new Set();
  return {
    /** Selects a filter by id, as a click would. */
    select(id) {
      const radio = container.querySelector(`input[value="${CSS.escape(id)}"]`);
      if (!radio) return;
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
    },
    /** Shows the filter on the person's photo (an object URL, revoked by clearPreviews). */
    showPreview(id, url) {
      const thumb = thumbOf(id);
      if (!thumb) return URL.revokeObjectURL(url);
      urls.add(url);
      const img = document.createElement('img');
      img.className = 'filter-preview';
      img.alt = '';
      img.draggable = false;
      img.addEventListener('load', () => thumb.classList.add('previewed'), { once: true });
      img.src = url;
      thumb.querySelector('.filter-preview')?.remove();
      thumb.append(img);
    },
    /** This filter could not run on the photo (no face, say): the card says so on hover. */
    previewFailed(id, message) {
      const card = thumbOf(id)?.parentElement;
      if (card) card.title = message;
    },
    /** Back to the sample thumbnails (a new photo, or the photo deleted). */
    clearPreviews() {
      for (const img of container.querySelectorAll('.filter-preview')) img.remove();
      for (const el of container.querySelectorAll('.previewed')) el.classList.remove('previewed');
      for (const el of container.querySelectorAll('.filter-card[title]'))
        el.removeAttribute('title');
      urls.forEach((u) => URL.revokeObjectURL(u));
      urls.clear();
    },
  };
}
