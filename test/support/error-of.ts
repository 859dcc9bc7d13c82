import { isFilterlabError } from '../../src/core/errors.js';

/** The code and message of the FilterlabError that `work` rejects with; anything else fails. */
export async function errorOf(
  work: () => Promise<unknown>,
): Promise<{ code: string; message: string }> {
  try {
    await work();
  } catch (error) {
    if (isFilterlabError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an error');
}
