/* global URL, document -- browser globals: this folder runs in the browser, not in Node */
/**
 * The studio page: pick a photo, pick a filter, adjust it, apply, compare, download, delete.
 * The state lives here; the modules it imports each own one part of the page.
 */
import { ApiError, createJob, deleteJob, listFilters, serverLimits, watchJob } from './api.js';
import { createCompare } from './compare.js';
import { describeError } from './errors.js';
import { renderGallery } from './gallery.js';
import { renderParams } from './params.js';
import { describeFile, initUpload } from './upload.js';

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
  activeJobId: undefined,
  stopWatching: undefined,
  /** Every job this page created, so that "Delete my photo" deletes them all. */
  jobIds: new Set(),
};

function refreshApply() {
  ui.apply.disabled = !state.file || !state.filter || state.busy;
  ui.apply.textContent = state.busy
    ? 'Working…'
    : state.filter
      ? `Apply ${state.filter.name || state.filter.id}`
      : 'Apply';
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

/** @param {number | undefined} fraction undefined: waiting, length unknown */
function setProgress(fraction, text) {
  ui.progress.hidden = false;
  ui.progressTrack.classList.toggle('indeterminate', fraction === undefined);
  const pct = Math.round((fraction ?? 0) * 100);
  ui.progressFill.style.width = `${pct}%`;
  if (fraction === undefined) ui.progressTrack.removeAttribute('aria-valuenow');
  else ui.progressTrack.setAttribute('aria-valuenow', String(pct));
  ui.status.textContent = text;
}

function endProgress(text) {
  ui.progress.hidden = true;
  ui.status.textContent = text;
}

function stopWatching() {
  state.stopWatching?.();
  state.stopWatching = undefined;
  state.activeJobId = undefined;
  state.busy = false;
}

function hideResult() {
  compare.clearResult();
  ui.download.hidden = true;
  ui.download.setAttribute('href', '#');
}

/** "Delete my photo" whenever something of this page's is on the server. */
function refreshDelete() {
  ui.deleteButton.hidden = state.jobIds.size === 0;
}

async function useFile(file) {
  stopWatching();
  clearError();
  showNotice('');
  endProgress('');
  hideResult();
  if (state.originalUrl) URL.revokeObjectURL(state.originalUrl);
  state.file = file;
  state.originalUrl = URL.createObjectURL(file);
  ui.dropzone.dataset.state = 'photo';
  ui.photoBar.hidden = false;
  ui.photoInfo.textContent = describeFile(file);
  refreshApply();
  const size = await compare.showOriginal(state.originalUrl);
  if (state.file !== file) return;
  ui.photoInfo.textContent = size
    ? describeFile(file, size.width, size.height)
    : `${describeFile(file)} · no preview in this browser`;
}

function selectFilter(filter) {
  state.filter = filter;
  ui.description.textContent = filter.description ?? '';
  state.params = renderParams(ui.params, filter.params);
  ui.resetParams.hidden = state.params.count === 0;
  refreshApply();
}

function showJob(job, filterName) {
  if (job.status === 'queued') setProgress(undefined, 'Waiting for a free worker…');
  else
    setProgress(
      0.1 + 0.9 * job.progress,
      `Applying ${filterName}… ${Math.round(job.progress * 100)}%`,
    );
}

function resultFileName(job) {
  const base = (state.file?.name || 'photo').replace(/\.[^.]+$/, '') || 'photo';
  const ext = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' }[job.result.format] ?? 'jpg';
  return `${base}-${job.filter}.${ext}`;
}

async function finish(job, filterName) {
  state.stopWatching = undefined;
  if (job.status === 'succeeded') {
    setProgress(1, 'Loading the result…');
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
    ui.download.href = job.result.url;
    ui.download.download = resultFileName(job);
    ui.download.hidden = false;
    const seconds = (Date.parse(job.finishedAt) - Date.parse(job.createdAt)) / 1000;
    endProgress(
      `${filterName} applied${Number.isFinite(seconds) ? ` in ${seconds.toFixed(1)} s` : ''}. Drag the divider to compare.`,
    );
    if (ui.dropzone.getBoundingClientRect().top < 0)
      ui.dropzone.scrollIntoView({ behavior: 'smooth', block: 'start' });
    return;
  }
  stopWatching();
  refreshApply();
  if (job.status === 'failed') {
    endProgress('');
    showError(job.error ?? { code: 'UNKNOWN', message: 'The job failed without a reason.' });
  } else endProgress('Cancelled.');
}

function fail(error) {
  stopWatching();
  refreshApply();
  endProgress('');
  showError(error instanceof ApiError || error?.code ? error : { message: String(error) });
}

async function apply() {
  if (!state.file || !state.filter || state.busy) return;
  const filterName = state.filter.name || state.filter.id;
  clearError();
  showNotice('');
  state.busy = true;
  refreshApply();
  setProgress(0, 'Uploading your photo…');
  try {
    const job = await createJob({
      file: state.file,
      fileName: state.file.name,
      filter: state.filter.id,
      params: state.params.values(),
      onUploadProgress: (f) => setProgress(f * 0.1, `Uploading… ${Math.round(f * 100)}%`),
    });
    state.jobIds.add(job.id);
    refreshDelete();
    state.activeJobId = job.id;
    showJob(job, filterName);
    state.stopWatching = watchJob(job, {
      onUpdate: (j) => showJob(j, filterName),
      onEnd: (j) => void finish(j, filterName),
      onError: fail,
    });
  } catch (error) {
    fail(error);
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
  stopWatching();
  clearError();
  ui.deleteButton.disabled = true;
  try {
    await deleteJobs([...state.jobIds]);
    hideResult();
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
    const select = renderGallery(ui.gallery, filters, selectFilter);
    select(filters[0].id);
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
ui.apply.addEventListener('click', () => void apply());
ui.params.addEventListener('submit', (e) => {
  e.preventDefault();
  void apply();
});
ui.resetParams.addEventListener('click', () => state.params?.reset());
ui.cancel.addEventListener('click', () => void cancel());
ui.deleteButton.addEventListener('click', () => void deleteMyPhoto());
refreshApply();
void loadFilters();
