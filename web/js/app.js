/* global URL, clearTimeout, document, setTimeout -- browser globals: this folder runs in the browser, not in Node */
/**
 * The studio page: pick a photo, pick a filter, adjust it, compare, download, delete. The
 * preview is live: picking a filter or moving a slider runs the filter again (debounced), and
 * the job it replaces is cancelled and deleted on the server. The state lives here; the
 * modules it imports each own one part of the page.
 */
import {
  ApiError,
  createJob,
  deleteJob,
  downloadUrl,
  listFilters,
  serverLimits,
  watchJob,
} from './api.js';
import { createCardPreviews } from './card-previews.js';
import { createCompare } from './compare.js';
import { describeError } from './errors.js';
import { renderGallery } from './gallery.js';
import { renderParams } from './params.js';
import { createProgress } from './progress.js';
import { describeFile, initUpload } from './upload.js';

/** A slider that is still moving: wait this long after the last change before running. */
const PREVIEW_DEBOUNCE_MS = 350;
/** The bar's share for the upload; the job's own progress fills the rest. */
const UPLOAD_SHARE = 0.1;

const $ = (id) => document.getElementById(id);

const ui = {
  dropzone: $('dropzone'),
  photoBar: $('photo-bar'),
  photoInfo: $('photo-info'),
  download: $('download-link'),
  deleteButton: $('delete-button'),
  notice: $('notice'),
  gallery: $('gallery'),
  description: $('filter-description'),
  params: $('params'),
  resetParams: $('reset-params'),
  apply: $('apply-button'),
  applyHint: $('apply-hint'),
  cancel: $('cancel-button'),
  progress: $('progress'),
  progressTrack: document.querySelector('.progress-track'),
  progressFill: document.querySelector('.progress-fill'),
  status: $('status'),
  error: $('error'),
};

const compare = createCompare($('compare'));

const state = {
  /** @type {File | undefined} */
  file: undefined,
  originalUrl: undefined,
  filter: undefined,
  params: undefined,
  busy: false,
  /** Bumped by every run: a job created for an older run is deleted as soon as it exists. */
  run: 0,
  activeJobId: undefined,
  /** The job whose result is on screen (and behind the Download link). */
  shownJobId: undefined,
  stopWatching: undefined,
  previewTimer: undefined,
  /** Every job this page has on the server, so that "Delete my photo" deletes them all. */
  jobIds: new Set(),
  gallery: undefined,
  filterIds: [],
};

/** "Applying Film warm… 12 s": the seconds tick even while one long step runs. */
const working = { label: '', since: 0 };
const progress = createProgress({
  track: ui.progressTrack,
  fill: ui.progressFill,
  onTick: () => {
    if (!state.busy || !working.since) return;
    const seconds = Math.floor((Date.now() - working.since) / 1000);
    ui.status.textContent = seconds >= 2 ? `${working.label} ${seconds} s` : working.label;
  },
});

const cards = createCardPreviews({
  show: (id, url) => state.gallery?.showPreview(id, url),
  failed: (id, error) => state.gallery?.previewFailed(id, describeError(error).title),
  track: (id) => {
    state.jobIds.add(id);
    refreshDelete();
  },
  untrack: (id) => {
    state.jobIds.delete(id);
    refreshDelete();
  },
});

function refreshApply() {
  ui.apply.disabled = !state.file || !state.filter;
  ui.apply.textContent = state.filter ? `Apply ${state.filter.name || state.filter.id}` : 'Apply';
  ui.cancel.hidden = !state.busy;
  ui.applyHint.hidden = Boolean(state.file);
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
}

function showError(error) {
  const { title, message, code } = describeError(error);
  ui.error.querySelector('.alert-title').textContent = title;
  ui.error.querySelector('.alert-message').textContent = message;
  ui.error.querySelector('.alert-code').textContent = code;
  ui.error.hidden = false;
  ui.error.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

function clearError() {
  ui.error.hidden = true;
}

function endProgress(text) {
  progress.stop();
  ui.progress.hidden = true;
  ui.status.textContent = text;
}

function stopWatching() {
  state.stopWatching?.();
  state.stopWatching = undefined;
  state.activeJobId = undefined;
  state.busy = false;
  ui.dropzone.classList.remove('working');
}

/** Deletes a job this page no longer shows (a stale preview, a replaced result); best effort. */
function forget(id) {
  if (id) void deleteJobs([id]).catch(() => {});
}

/** Stops following the running job, and cancels and deletes it on the server. */
function dropActive() {
  const id = state.activeJobId;
  stopWatching();
  if (id !== state.shownJobId) forget(id);
}

function hideResult() {
  compare.clearResult();
  ui.download.hidden = true;
  ui.download.setAttribute('href', '#');
  forget(state.shownJobId);
  state.shownJobId = undefined;
}

/** Runs the filter again once the controls have been still for `delay` ms. */
function schedulePreview(delay = PREVIEW_DEBOUNCE_MS) {
  clearTimeout(state.previewTimer);
  if (!state.file || !state.filter) return;
  state.previewTimer = setTimeout(() => void apply(), delay);
}

/** "Delete my photo" whenever something of this page's is on the server. */
function refreshDelete() {
  ui.deleteButton.hidden = state.jobIds.size === 0;
}

async function useFile(file) {
  dropActive();
  clearError();
  showNotice('');
  endProgress('');
  hideResult();
  cards.cancel();
  state.gallery?.clearPreviews();
  if (state.originalUrl) URL.revokeObjectURL(state.originalUrl);
  state.file = file;
  state.originalUrl = URL.createObjectURL(file);
  ui.dropzone.dataset.state = 'photo';
  ui.photoBar.hidden = false;
  ui.photoInfo.textContent = describeFile(file);
  refreshApply();
  schedulePreview(0);
  const size = await compare.showOriginal(state.originalUrl);
  if (state.file !== file) return;
  ui.photoInfo.textContent = size
    ? describeFile(file, size.width, size.height)
    : `${describeFile(file)} · no preview in this browser`;
  void cards.run(file, state.filterIds);
}

function selectFilter(filter) {
  state.filter = filter;
  ui.description.textContent = filter.description ?? '';
  state.params = renderParams(ui.params, filter.params);
  ui.resetParams.hidden = state.params.count === 0;
  refreshApply();
  schedulePreview(0);
}

function showJob(job, filterName) {
  ui.progress.hidden = false;
  if (job.status === 'queued') {
    progress.waiting();
    ui.status.textContent = 'Waiting for a free worker…';
    return;
  }
  if (ui.progressTrack.classList.contains('indeterminate')) progress.start(UPLOAD_SHARE);
  if (!working.since) working.since = Date.now();
  working.label = `Applying ${filterName}…`;
  progress.report(UPLOAD_SHARE + (1 - UPLOAD_SHARE) * job.progress);
}

function resultFileName(job) {
  const base = (state.file?.name || 'photo').replace(/\.[^.]+$/, '') || 'photo';
  const ext = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' }[job.result.format] ?? 'jpg';
  return `${base}-${job.filter}.${ext}`;
}

/** The photo's top is under the sticky header (or above it): bring it back into view. */
function revealPhoto() {
  const header = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
  if (ui.dropzone.getBoundingClientRect().top < header)
    ui.dropzone.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function finish(job, filterName, reveal) {
  state.stopWatching = undefined;
  if (job.status === 'succeeded') {
    progress.done();
    ui.status.textContent = 'Loading the result…';
    const shown = await compare.showResult(job.result.url);
    if (state.activeJobId !== job.id) return;
    stopWatching();
    refreshApply();
    if (!shown) {
      endProgress('');
      showError({
        code: 'FL_ERR_NOT_FOUND',
        message: 'The result could not be loaded; apply again.',
      });
      return;
    }
    if (state.shownJobId !== job.id) forget(state.shownJobId);
    state.shownJobId = job.id;
    const name = resultFileName(job);
    ui.download.href = downloadUrl(job, name);
    ui.download.download = name;
    ui.download.hidden = false;
    const seconds = (Date.parse(job.finishedAt) - Date.parse(job.createdAt)) / 1000;
    endProgress(
      `${filterName} applied${Number.isFinite(seconds) ? ` in ${seconds.toFixed(1)} s` : ''}. Drag the divider to compare.`,
    );
    if (reveal) revealPhoto();
    return;
  }
  stopWatching();
  refreshApply();
  if (job.status === 'failed') {
    endProgress('');
    hideResult();
    showError(job.error ?? { code: 'UNKNOWN', message: 'The job failed without a reason.' });
  } else endProgress('Cancelled.');
}

function fail(error) {
  stopWatching();
  refreshApply();
  endProgress('');
  showError(error instanceof ApiError || error?.code ? error : { message: String(error) });
}

/**
 * Runs the filter with the current settings: what a pick or a slider starts after the
 * debounce, and what Apply starts at once. A job still running for older settings is
 * cancelled and deleted; the result on screen stays until the new one replaces it.
 * @param {{ reveal?: boolean }} options reveal: scroll the photo into view when it is done
 */
async function apply({ reveal = false } = {}) {
  clearTimeout(state.previewTimer);
  if (!state.file || !state.filter) return;
  dropActive();
  const run = ++state.run;
  const filterName = state.filter.name || state.filter.id;
  clearError();
  showNotice('');
  state.busy = true;
  ui.dropzone.classList.add('working');
  refreshApply();
  ui.progress.hidden = false;
  working.since = 0;
  progress.start(0);
  ui.status.textContent = 'Uploading your photo…';
  try {
    const job = await createJob({
      file: state.file,
      fileName: state.file.name,
      filter: state.filter.id,
      params: state.params.values(),
      onUploadProgress: (f) => {
        if (run === state.run) progress.report(f * UPLOAD_SHARE, false);
      },
    });
    state.jobIds.add(job.id);
    refreshDelete();
    if (run !== state.run) {
      forget(job.id);
      return;
    }
    state.activeJobId = job.id;
    showJob(job, filterName);
    state.stopWatching = watchJob(job, {
      onUpdate: (j) => showJob(j, filterName),
      onEnd: (j) => void finish(j, filterName, reveal),
      onError: fail,
    });
  } catch (error) {
    if (run === state.run) fail(error);
  }
}

async function deleteJobs(ids) {
  const results = await Promise.allSettled(ids.map((id) => deleteJob(id)));
  // a job already gone (expired, deleted in another tab) is as deleted as it gets
  const failed = results.find(
    (r) => r.status === 'rejected' && !(r.reason instanceof ApiError && r.reason.status === 404),
  );
  if (failed) throw failed.reason;
  ids.forEach((id) => state.jobIds.delete(id));
  refreshDelete();
}

async function cancel() {
  clearTimeout(state.previewTimer);
  state.run++;
  const id = state.activeJobId;
  stopWatching();
  refreshApply();
  if (!id) return;
  try {
    await deleteJobs([id]);
    endProgress('Cancelled. Your upload was deleted from the server.');
  } catch (error) {
    fail(error);
  }
}

async function deleteMyPhoto() {
  clearTimeout(state.previewTimer);
  state.run++;
  stopWatching();
  cards.cancel();
  clearError();
  ui.deleteButton.disabled = true;
  try {
    await deleteJobs([...state.jobIds]);
    state.shownJobId = undefined;
    hideResult();
    state.gallery?.clearPreviews();
    if (state.originalUrl) URL.revokeObjectURL(state.originalUrl);
    state.file = undefined;
    state.originalUrl = undefined;
    $('compare').hidden = true;
    ui.dropzone.dataset.state = 'empty';
    ui.photoBar.hidden = true;
    endProgress('');
    showNotice('Your photo and its results were deleted from the server.');
  } catch (error) {
    fail(error);
  } finally {
    ui.deleteButton.disabled = false;
    refreshApply();
  }
}

/** "Up to 20 MB · deleted after 24 h": what the server promises, under the drop zone. */
async function showLimits() {
  const limits = await serverLimits().catch(() => undefined);
  const hint = document.querySelector('.dropzone-hint');
  if (!limits || !hint) return;
  const mb = Math.round(limits.maxUploadBytes / (1024 * 1024));
  hint.textContent = `or pick one from your device. JPEG, PNG, WebP, AVIF or HEIC, up to ${mb} MB. Photos and results are deleted after ${limits.retentionHours} h.`;
}

async function loadFilters() {
  try {
    const filters = await listFilters();
    if (!filters.length) {
      ui.gallery.innerHTML = '<p class="muted">This server offers no filters.</p>';
      return;
    }
    state.gallery = renderGallery(ui.gallery, filters, selectFilter);
    state.filterIds = filters.map((f) => f.id);
    state.gallery.select(filters[0].id);
    if (state.file) void cards.run(state.file, state.filterIds);
    void showLimits();
  } catch (error) {
    const { title, message } = describeError(error);
    ui.gallery.replaceChildren();
    const p = document.createElement('p');
    p.className = 'alert';
    p.textContent = `${title}: ${message}`;
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'button ghost';
    retry.textContent = 'Try again';
    retry.addEventListener('click', () => void loadFilters(), { once: true });
    ui.gallery.append(p, retry);
  }
}

initUpload({
  zone: ui.dropzone,
  pickButton: $('pick-button'),
  cameraButton: $('camera-button'),
  changeButton: $('change-button'),
  fileInput: $('file-input'),
  cameraInput: $('camera-input'),
  onFile: (file) => void useFile(file),
});
ui.apply.addEventListener('click', () => void apply({ reveal: true }));
ui.params.addEventListener('submit', (e) => {
  e.preventDefault();
  void apply({ reveal: true });
});
// a slider being dragged fires "input" many times: the debounce runs the last position
ui.params.addEventListener('input', () => schedulePreview());
ui.params.addEventListener('change', () => schedulePreview());
ui.resetParams.addEventListener('click', () => {
  state.params?.reset();
  schedulePreview(0);
});
ui.cancel.addEventListener('click', () => void cancel());
ui.deleteButton.addEventListener('click', () => void deleteMyPhoto());
refreshApply();
void loadFilters();
