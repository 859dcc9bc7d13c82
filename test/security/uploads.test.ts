/**
 * Hostile uploads: broken multipart bodies, extra files and fields, oversized field values and
 * priorities above the key's get the right 4xx with a clear message, store nothing, and echo no
 * long value; accepted photos are stored without their GPS, EXIF and XMP. Once per backend.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/serve/http/api-keys.js';
import { inputKey } from '../../src/serve/storage/blob-store.js';
import { backendMatrix } from '../support/backends.js';
import {
  call,
  createJob,
  gpsTags,
  jpeg,
  startTestServer,
  tempDir,
  type TestServer,
} from '../support/server.js';
import { stopScaleOutServices } from '../support/services.js';
import { rawRequest } from './attack.js';

afterAll(stopScaleOutServices);

const BOUNDARY = 'fl-test-boundary';
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const file = (bytes: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
    ),
    bytes,
    Buffer.from('\r\n'),
  ]);
const END = `--${BOUNDARY}--\r\n`;

for (const { backend, available } of await backendMatrix()) {
  describe.skipIf(!available)(`hostile uploads, ${backend.name}`, () => {
    let t: TestServer;
    const keys = { plain: '', vip: '' };
    let photo: Buffer;

    beforeAll(async () => {
      const dataDir = await tempDir('fl-sec-');
      const store = await ApiKeys.open(dataDir);
      keys.plain = (await store.create('plain')).key;
      keys.vip = (await store.create('vip', { maxPriority: 5 })).key;
      t = await startTestServer(backend, {
        dataDir,
        open: false,
        workers: 0,
        maxUploadBytes: 64 * 1024,
      });
      photo = await jpeg(64, 48);
    });
    afterAll(() => t?.close());

    const post = (
      body: Buffer | string,
      contentType = `multipart/form-data; boundary=${BOUNDARY}`,
    ) =>
      rawRequest(t.url, 'POST', '/v1/jobs', {
        headers: { 'content-type': contentType, authorization: `Bearer ${keys.plain}` },
        body,
      });
    const expectRefused = async (
      res: { status: number; body: string },
      status: number,
      code: string,
      message: RegExp,
    ) => {
      expect({ status: res.status, ...JSON.parse(res.body).error }).toMatchObject({
        status,
        code,
        message: expect.stringMatching(message),
      });
    };

    it('answers a malformed multipart body with 400, not 500', async () => {
      const inputs = await t.server.store.list('inputs');
      const cut = Buffer.concat([Buffer.from(field('filter', 'vivid')), file(photo)]).subarray(
        0,
        300,
      );
      await expectRefused(await post(cut), 400, 'FL_ERR_INVALID_ARGUMENT', /well-formed multipart/);
      await expectRefused(
        await post(field('filter', 'vivid')), // no closing boundary
        400,
        'FL_ERR_INVALID_ARGUMENT',
        /well-formed multipart/,
      );
      await expectRefused(
        await post('x', 'multipart/form-data'), // no boundary at all
        400,
        'FL_ERR_INVALID_ARGUMENT',
        /well-formed multipart/,
      );
      expect(await t.server.store.list('inputs')).toEqual(inputs);
    });

    it('answers two files with 400 FL_ERR_INVALID_ARGUMENT, and too many fields too', async () => {
      const two = Buffer.concat([
        Buffer.from(field('filter', 'vivid')),
        file(photo),
        file(photo),
        Buffer.from(END),
      ]);
      await expectRefused(
        await post(two),
        400,
        'FL_ERR_INVALID_ARGUMENT',
        /one image file per request/,
      );
      const many = Array.from({ length: 14 }, (_, i) => field(`param.p${i}`, '1')).join('') + END;
      await expectRefused(await post(many), 400, 'FL_ERR_INVALID_ARGUMENT', /at most 10 fields/);
    });

    it('keeps FL_ERR_IMAGE_TOO_LARGE with 413 for a file over the byte limit', async () => {
      const big = await jpeg(600, 600, { quality: 100 });
      expect(big.length).toBeGreaterThan(64 * 1024);
      const res = await post(
        Buffer.concat([Buffer.from(field('filter', 'vivid')), file(big), Buffer.from(END)]),
      );
      await expectRefused(res, 413, 'FL_ERR_IMAGE_TOO_LARGE', /at most 65536 bytes/);
    });

    it('refuses a field value over 64 KB by name, without cutting it or echoing it back', async () => {
      for (const name of ['params', 'filter']) {
        const value = name === 'params' ? `{"a":"${'v'.repeat(70_000)}"}` : 'v'.repeat(70_000);
        const res = await post(field(name, value) + file(photo).toString('latin1') + END);
        await expectRefused(
          res,
          400,
          'FL_ERR_INVALID_ARGUMENT',
          new RegExp(`"${name}" to be at most 65536 bytes`),
        );
        expect(res.body.length).toBeLessThan(400);
      }
      const longId = await post(field('filter', 'x'.repeat(5000)) + END);
      await expectRefused(
        longId,
        400,
        'FL_ERR_INVALID_ARGUMENT',
        /at most 64 characters but received 5000/,
      );
      expect(longId.body).not.toContain('xxxxxxxxxx');
    });

    it("caps priority at the key's own: a key cannot jump others", async () => {
      const form = (priority: string) => {
        const f = new FormData();
        f.append('filter', 'vivid');
        f.append('priority', priority);
        f.append('image', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'a.jpg');
        return f;
      };
      const jump = await call(`${t.url}/v1/jobs`, {
        method: 'POST',
        body: form('10'),
        key: keys.plain,
      });
      expect(jump.status).toBe(400);
      expect(jump.body.error.message).toBe(
        'Expected priority at most 0 for this API key but received 10',
      );
      const lower = await call(`${t.url}/v1/jobs`, {
        method: 'POST',
        body: form('-3'),
        key: keys.plain,
      });
      expect(lower.status).toBe(202);
      expect((await t.server.queue.get(lower.body.id))?.priority).toBe(-3);
      const vip = await call(`${t.url}/v1/jobs`, {
        method: 'POST',
        body: form('5'),
        key: keys.vip,
      });
      expect(vip.status).toBe(202);
      expect((await t.server.queue.get(vip.body.id))?.priority).toBe(5);
      expect(
        (await call(`${t.url}/v1/jobs`, { method: 'POST', body: form('6'), key: keys.vip })).status,
      ).toBe(400);
    });

    it('stores uploads without GPS, EXIF or XMP, keeping orientation and pixels', async () => {
      const raw = await sharp(await jpeg(64, 48))
        .raw()
        .toBuffer();
      const tagged = await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } })
        .withExif({
          IFD0: { Make: 'filterlab-test', Model: 'phone', Software: 'serial-42' },
          IFD3: {
            GPSLatitudeRef: 'N',
            GPSLatitude: '51/1 30/1 2664/100',
            GPSLongitudeRef: 'W',
            GPSLongitude: '0/1 7/1 3935/100',
          },
        })
        .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/">where-i-live</x:xmpmeta>')
        .withMetadata({ orientation: 6 })
        .jpeg()
        .toBuffer();
      expect((await gpsTags(tagged)).size).toBeGreaterThan(0);
      const created = await createJob(t.url, { image: tagged, filter: 'vivid', key: keys.plain });
      expect(created.status).toBe(202);
      const stored = (await t.server.store.get(inputKey(created.body.id)))!;
      expect(stored.contentType).toBe('image/jpeg');
      expect((await gpsTags(stored.bytes)).size).toBe(0);
      const meta = await sharp(stored.bytes).metadata();
      expect(meta.xmp).toBeUndefined();
      expect(meta.orientation).toBe(6);
      for (const secret of ['serial-42', 'where-i-live', 'filterlab-test'])
        expect(stored.bytes.includes(secret)).toBe(false);
      expect(await sharp(stored.bytes).raw().toBuffer()).toEqual(
        await sharp(tagged).raw().toBuffer(),
      );
    });
  });
}
