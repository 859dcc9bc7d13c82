/* global document, window -- browser globals: this folder runs in the browser, not in Node */
/**
 * Getting a photo from the person: drag and drop onto the drop zone, paste, the file picker,
 * or the camera on a phone. The file is not checked here: the server sniffs the content and
 * says what is wrong, so the message the person sees is the server's.
 */

/**
 * @param {{ zone: HTMLElement, pickButton: HTMLElement, cameraButton: HTMLElement,
 *   changeButton: HTMLElement, fileInput: HTMLInputElement, cameraInput: HTMLInputElement,
 *   onFile: (file: File) => void }} parts
 */
export function initUpload({
  zone,
  pickButton,
  cameraButton,
  changeButton,
  fileInput,
  cameraInput,
  onFile,
}) {
  const take = (input) => {
    const file = input.files?.[0];
    // cleared so that choosing the same file again still fires "change"
    input.value = '';
    if (file) onFile(file);
  };
  fileInput.addEventListener('change', () => take(fileInput));
  cameraInput.addEventListener('change', () => take(cameraInput));
  pickButton.addEventListener('click', () => fileInput.click());
  changeButton.addEventListener('click', () => fileInput.click());
  cameraButton.addEventListener('click', () => cameraInput.click());

  // dragenter/dragleave fire for every child crossed: count them to know when the drag left
  let depth = 0;
  const hasFiles = (e) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  zone.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    zone.classList.add('dragover');
  });
  zone.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  zone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('dragover');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    zone.classList.remove('dragover');
    const file = e.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
  // a photo dropped next to the zone would otherwise replace the page with the image
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  document.addEventListener('paste', (e) => {
    const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
    if (file) onFile(file);
  });
}

/** "portrait.jpg · 2.4 MB · 3024 × 4032" */
export function describeFile(file, width, height) {
  const size =
    file.size >= 1024 * 1024
      ? `${(file.size / (1024 * 1024)).toFixed(1)} MB`
      : `${Math.max(1, Math.round(file.size / 1024))} KB`;
  const dims = width && height ? ` · ${width} × ${height}` : '';
  return `${file.name || 'Photo'} · ${size}${dims}`;
}
