/* global URL, createImageBitmap, document, fetch -- browser globals: this folder runs in the browser, not in Node */
/**
 * The filter cards previewed on the person's own photo: a small copy of it (made here, so the
 * server does little work and the upload is a few KB) goes through every filter, a few jobs at
 * a time and behind the main preview in the queue. Each result is kept in the page and its
 * job deleted at once, so nothing of these previews stays on the server.
 */
import { createJob, deleteJob, watchJob } from './api.js';

/** Long side of the copy: cards are ~80 px wide, twice that on a dense screen, plus margin. */
const PREVIEW_LONG_SIDE = 320;
/** Jobs in flight at once: enough to fill a worker, few enough to leave it to the main preview. */
const CONCURRENCY = 2;
/** Below the main preview (0), above the server's own example thumbnails (-5). */
const PRIORITY = -3;

/** A JPEG copy of the photo, upright, at most `longSide` px; undefined when the browser can't decode it. */
export async function shrinkPhoto(file, longSide = PREVIEW_LONG_SIDE) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' }).catch(
    () => undefined,
  );
  if (!bitmap) return undefined;
  const scale = Math.min(1, longSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b ?? undefined), 'image/jpeg', 0.9));
}

/** The job's end (succeeded, failed or cancelled) as a promise. */
function ended(job) {
  return new Promise((resolve, reject) => {
    watchJob(job, { onUpdate: () => {}, onEnd: resolve, onError: reject });
  });
}

/**
 * @param {{ show: (filterId: string, url: string) => void, failed: (filterId: string, error: object) => void,
 *   track: (jobId: string) => void, untrack: (jobId: string) => void }} hooks
 *   show/failed: a card's outcome; track/untrack: the jobs on the server, for "Delete my photo"
 * @returns {{ run: (file: File, filterIds: string[]) => Promise<void>, cancel: () => void }}
 */
export function createCardPreviews(hooks) {
  let generation = 0;

  const forget = async (id) => {
    await deleteJob(id).catch(() => {});
    hooks.untrack(id);
  };

  async function one(blob, filterId, mine) {
    const job = await createJob({
      file: blob,
      fileName: 'preview.jpg',
      filter: filterId,
      params: {},
      priority: PRIORITY,
    });
    hooks.track(job.id);
    try {
      if (mine !== generation) return;
      const end = await ended(job);
      if (mine !== generation) return;
      if (end.status !== 'succeeded') {
        if (end.error) hooks.failed(filterId, end.error);
        return;
      }
      const res = await fetch(end.result.url);
      if (!res.ok || mine !== generation) return;
      hooks.show(filterId, URL.createObjectURL(await res.blob()));
    } finally {
      await forget(job.id);
    }
  }

  return {
    async run(file, filterIds) {
      const mine = ++generation;
      const blob = await shrinkPhoto(file);
      if (!blob || mine !== generation) return;
      const queue = [...filterIds];
      const lane = async () => {
        while (queue.length && mine === generation) {
          const id = queue.shift();
          await one(blob, id, mine).catch((error) => hooks.failed(id, error));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    },
    /** Stops starting previews; those in flight are deleted when they end. */
    cancel() {
      generation++;
    },
  };
}
