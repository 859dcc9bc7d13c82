/**
 * The before/after view: the original underneath, the result on top, clipped at a divider
 * that follows a finger, a mouse, or the arrow keys (the divider is an ARIA slider).
 */

const KEY_STEPS = {
  ArrowLeft: -2,
  ArrowDown: -2,
  ArrowRight: 2,
  ArrowUp: 2,
  PageDown: -10,
  PageUp: 10,
};

/** Resolves when the image has loaded (or failed: then with false). */
function loaded(img) {
  if (img.complete && img.naturalWidth > 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    img.addEventListener('load', () => resolve(true), { once: true });
    img.addEventListener('error', () => resolve(false), { once: true });
  });
}

/** @param {HTMLElement} figure the .compare element */
export function createCompare(figure) {
  const stage = figure.querySelector('.compare-stage');
  const before = figure.querySelector('.compare-before');
  const after = figure.querySelector('.compare-after');
  const divider = figure.querySelector('.compare-divider');
  let position = 50;

  const setPosition = (pct) => {
    position = Math.min(100, Math.max(0, pct));
    const rounded = Math.round(position);
    stage.style.setProperty('--pos', `${position}%`);
    divider.setAttribute('aria-valuenow', String(rounded));
    divider.setAttribute('aria-valuetext', `${rounded}% original, ${100 - rounded}% filtered`);
  };

  const fromPointer = (e) => {
    const box = stage.getBoundingClientRect();
    setPosition(((e.clientX - box.left) / box.width) * 100);
  };
  let dragging = false;
  stage.addEventListener('pointerdown', (e) => {
    if (stage.dataset.hasResult !== 'true' || e.button !== 0) return;
    dragging = true;
    stage.setPointerCapture(e.pointerId);
    stage.classList.add('dragging');
    fromPointer(e);
    divider.focus({ preventScroll: true });
  });
  stage.addEventListener('pointermove', (e) => {
    if (dragging) fromPointer(e);
  });
  const end = () => {
    dragging = false;
    stage.classList.remove('dragging');
  };
  stage.addEventListener('pointerup', end);
  stage.addEventListener('pointercancel', end);

  divider.addEventListener('keydown', (e) => {
    const step = KEY_STEPS[e.key];
    if (step !== undefined) setPosition(position + step);
    else if (e.key === 'Home') setPosition(0);
    else if (e.key === 'End') setPosition(100);
    else return;
    e.preventDefault();
  });

  setPosition(50);

  return {
    /** Shows the original alone; resolves with its natural size, or undefined if it won't render. */
    async showOriginal(url) {
      figure.hidden = false;
      stage.dataset.hasResult = 'false';
      after.removeAttribute('src');
      before.src = url;
      const ok = await loaded(before);
      stage.classList.toggle('no-preview', !ok);
      if (!ok) return undefined;
      stage.style.setProperty('--ar', String(before.naturalWidth / before.naturalHeight));
      return { width: before.naturalWidth, height: before.naturalHeight };
    },
    /** Puts the result on top, divider in the middle; resolves false if the image failed. */
    async showResult(url) {
      after.src = url;
      const ok = await loaded(after);
      if (!ok) return false;
      if (stage.classList.contains('no-preview')) {
        // the browser could not show the original (HEIC, say): size the view by the result
        stage.style.setProperty('--ar', String(after.naturalWidth / after.naturalHeight));
      }
      setPosition(50);
      stage.dataset.hasResult = 'true';
      return true;
    },
    clearResult() {
      stage.dataset.hasResult = 'false';
      after.removeAttribute('src');
    },
    setPosition,
  };
}
