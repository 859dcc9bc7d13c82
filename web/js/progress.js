/* global clearInterval, performance, setInterval -- browser globals: this folder runs in the browser, not in Node */
/**
 * A progress bar that keeps moving. The server reports progress per filter step (0, 33, 67,
 * 100% for a three-step filter), and one step can take seconds on a large photo; between
 * reports the bar creeps towards the next one at the pace the previous steps set, slowing as
 * it nears it (hyperbolically, so a step that takes ten times longer than expected still
 * moves), and never runs past what the server is expected to report next.
 */

/** Before any step has finished: guess that a step takes this long. */
const FIRST_STEP_MS = 1500;
/** Never creep more than this share of the expected next step. */
const CREEP_SHARE = 0.9;
const TICK_MS = 100;

/**
 * @param {{ track: HTMLElement, fill: HTMLElement, onTick?: (fraction: number) => void }} parts
 */
export function createProgress({ track, fill, onTick }) {
  let timer;
  let reported = 0;
  let reportedAt = 0;
  /** When the job started running: the pace of its steps is measured from here. */
  let startedAt = 0;
  let running = false;
  let startFraction = 0;
  let stepSize = 0.25;
  let stepMs = FIRST_STEP_MS;
  let shown = 0;

  const draw = (fraction) => {
    shown = Math.max(shown, Math.min(1, fraction));
    const pct = Math.round(shown * 100);
    fill.style.width = `${shown * 100}%`;
    track.setAttribute('aria-valuenow', String(pct));
    onTick?.(shown);
  };

  const tick = () => {
    const since = performance.now() - reportedAt;
    const creep = stepSize * CREEP_SHARE * (since / (since + stepMs));
    draw(Math.min(reported + creep, 0.99));
  };

  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return {
    /** A new job: from `from` (upload share), guessing steps of `stepSize` until told better. */
    start(from = 0) {
      stop();
      shown = 0;
      reported = from;
      startedAt = reportedAt = performance.now();
      running = false;
      stepSize = 0.25;
      stepMs = FIRST_STEP_MS;
      track.classList.remove('indeterminate');
      draw(from);
      timer = setInterval(tick, TICK_MS);
    },
    /** What the server reported (0-1, already mapped onto the bar); `job`: from the job, not the upload. */
    report(fraction, job = true) {
      const now = performance.now();
      if (job && !running) {
        // the first word from the running job: the upload and the queue are behind it
        running = true;
        startedAt = reportedAt = now;
        reported = Math.max(reported, fraction);
        startFraction = reported;
      } else if (fraction > reported) {
        stepSize = Math.max(0.02, fraction - reported);
        // the average time per reported fraction so far, scaled to one step of this size
        stepMs = Math.max(
          200,
          ((now - startedAt) / Math.max(fraction - startFraction, 0.01)) * stepSize,
        );
        reported = fraction;
        reportedAt = now;
      }
      if (!timer) timer = setInterval(tick, TICK_MS);
      draw(fraction);
    },
    /** Waiting with no idea how long (queued behind other jobs). */
    waiting() {
      stop();
      track.classList.add('indeterminate');
      track.removeAttribute('aria-valuenow');
    },
    done() {
      stop();
      track.classList.remove('indeterminate');
      draw(1);
    },
    stop,
    get value() {
      return shown;
    },
  };
}
