import { parentPort, workerData } from 'node:worker_threads';
import { toFilterlabError } from '../core/errors.js';
import { compileSetup, runTask, type BatchSetup, type BatchTask } from './apply-pool.js';

/** A worker thread of `filterlab apply --workers N`: compiles the filter once, then applies tasks. */
async function main(): Promise<void> {
  const port = parentPort!;
  try {
    const { runner } = await compileSetup(workerData as BatchSetup);
    port.on('message', async (msg: { id: number; task: BatchTask }) => {
      port.postMessage({ type: 'done', id: msg.id, outcome: await runTask(runner, msg.task) });
    });
    port.postMessage({ type: 'ready', versionId: runner.versionId });
  } catch (error) {
    const e = toFilterlabError(error);
    port.postMessage({ type: 'error', code: e.code, message: e.message });
  }
}

void main();
