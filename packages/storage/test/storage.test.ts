import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localStorage,
  type Storage,
  StorageObjectMissing,
  s3Storage,
  signGrant,
  verifyGrant,
  withLocalFile,
} from '../src/index.ts';
import { S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, type S3Server, startS3Server } from './s3-server.ts';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const PRESIGN_URL = 'http://127.0.0.1:8000/api/v1/media/presigned-object';

const read = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A stream of `bytes` in chunks of `chunkSize`, then an error when `failAfter` bytes were sent. */
function chunked(bytes: Buffer, chunkSize: number, failAfter?: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && offset >= failAfter) {
        this.destroy(new Error('client went away'));
        return;
      }
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      this.push(bytes.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

interface Adapter {
  storage: Storage;
  /** every file the adapter's backend holds (objects and temporaries), to prove nothing is left */
  leftovers(): Promise<string[]>;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

let localRoot: string;
let s3: S3Server;

beforeAll(async () => {
  localRoot = await mkdtemp(join(tmpdir(), 'pbshop-storage-test-'));
  s3 = await startS3Server();
});

afterAll(async () => {
  await s3?.stop();
  await rm(localRoot, { recursive: true, force: true });
});

const adapters: [string, () => Adapter][] = [
  [
    'local',
    () => ({
      storage: localStorage({ root: localRoot, presign: { url: PRESIGN_URL, secret: SECRET } }),
      leftovers: () => filesUnder(localRoot),
    }),
  ],
  [
    's3 (s3rver, its own process)',
    () => ({
      storage: s3Storage({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        bucket: s3.bucket,
        accessKeyId: S3RVER_ACCESS_KEY,
        secretAccessKey: S3RVER_SECRET_KEY,
        forcePathStyle: true,
      }),
      // the bucket's objects. Not the parts of aborted multipart uploads: s3rver does not
      // implement AbortMultipartUpload (S3 does; a lifecycle rule is the backstop, runbook)
      leftovers: async () => {
        const client = new S3Client({
          endpoint: s3.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET_KEY },
        });
        const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
        client.destroy();
        return (page.Contents ?? []).map((object) => object.Key ?? '');
      },
    }),
  ],
];

describe.each(adapters)('storage: %s', (_name, make) => {
  let adapter: Adapter;
  let storage: Storage;
  beforeAll(() => {
    adapter = make();
    storage = adapter.storage;
  });
  afterAll(async () => {
    await storage.deletePrefix('suite/');
    await storage.close();
  });

  it('stores a buffer and reads it back whole, with its size and an ETag', async () => {
    const bytes = randomBytes(4096);
    expect(await storage.put('suite/buffer.bin', bytes, { contentType: 'application/octet-stream' })).toEqual(
      {
        size: 4096,
      },
    );
    expect(await read(await storage.get('suite/buffer.bin'))).toEqual(bytes);
    const info = await storage.stat('suite/buffer.bin');
    expect(info).toMatchObject({ size: 4096 });
    expect(info?.etag).toMatch(/^"[^"]+"$/);
    expect(info?.modifiedAt).toBeInstanceOf(Date);
  });

  it('stores a 20 MB stream (several S3 parts) and answers its byte count', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const result = await storage.put('suite/stream.bin', chunked(bytes, 64 * 1024), {
      contentType: 'video/mp4',
    });
    expect(result.size).toBe(bytes.length);
    const back = await read(await storage.get('suite/stream.bin'));
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
  });

  it('reads exact byte ranges: the first bytes, a middle slice, the last byte', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    await storage.put('suite/range.txt', bytes, { contentType: 'text/plain' });
    expect((await read(await storage.get('suite/range.txt', { start: 0, end: 0 }))).toString()).toBe('0');
    expect((await read(await storage.get('suite/range.txt', { start: 5, end: 12 }))).toString()).toBe(
      '56789abc',
    );
    expect((await read(await storage.get('suite/range.txt', { start: 19, end: 19 }))).toString()).toBe('j');
  });

  it('replaces an object whole: a second put of a key answers the new bytes and size', async () => {
    await storage.put('suite/replace.txt', Buffer.from('first version, longer'), {
      contentType: 'text/plain',
    });
    await storage.put('suite/replace.txt', Buffer.from('second'), { contentType: 'text/plain' });
    expect((await read(await storage.get('suite/replace.txt'))).toString()).toBe('second');
    expect((await storage.stat('suite/replace.txt'))?.size).toBe(6);
  });

  it('a stream that fails mid-way stores nothing and leaves no temporary file or part behind', async () => {
    const before = await adapter.leftovers();
    const bytes = randomBytes(12 * 1024 * 1024);
    await expect(
      storage.put('suite/failed.bin', chunked(bytes, 256 * 1024, 10 * 1024 * 1024), {
        contentType: 'video/mp4',
      }),
    ).rejects.toThrow('client went away');
    expect(await storage.stat('suite/failed.bin')).toBeUndefined();
    expect((await adapter.leftovers()).sort()).toEqual(before.sort());
  });

  it('a missing key: stat answers undefined, get throws StorageObjectMissing, delete is a no-op', async () => {
    expect(await storage.stat('suite/none.bin')).toBeUndefined();
    await expect(storage.get('suite/none.bin')).rejects.toBeInstanceOf(StorageObjectMissing);
    await expect(storage.delete('suite/none.bin')).resolves.toBeUndefined();
  });

  it('delete removes one object; deletePrefix removes a folder and nothing beside it', async () => {
    await storage.put('suite/one.txt', Buffer.from('1'), { contentType: 'text/plain' });
    await storage.delete('suite/one.txt');
    expect(await storage.stat('suite/one.txt')).toBeUndefined();

    for (const key of ['suite/folder/a.txt', 'suite/folder/deep/b.txt', 'suite/folder-sibling.txt']) {
      await storage.put(key, Buffer.from(key), { contentType: 'text/plain' });
    }
    expect(await storage.deletePrefix('suite/folder/')).toBe(2);
    expect(await storage.stat('suite/folder/a.txt')).toBeUndefined();
    expect(await storage.stat('suite/folder/deep/b.txt')).toBeUndefined();
    expect(await storage.stat('suite/folder-sibling.txt')).toMatchObject({ size: 24 });
    expect(await storage.deletePrefix('suite/folder/')).toBe(0);
  });

  it('list answers every object under a folder, deep ones too, with its last change; nothing beside it', async () => {
    const before = Date.now() - 60_000;
    for (const key of ['suite/listed/a.txt', 'suite/listed/deep/b.txt', 'suite/listed-sibling.txt']) {
      await storage.put(key, Buffer.from(key), { contentType: 'text/plain' });
    }
    const listed = [];
    for await (const object of storage.list('suite/listed/')) listed.push(object);
    expect(listed.map((object) => object.key).sort()).toEqual([
      'suite/listed/a.txt',
      'suite/listed/deep/b.txt',
    ]);
    for (const object of listed) expect(object.modifiedAt.getTime()).toBeGreaterThan(before);
    const none = [];
    for await (const object of storage.list('suite/not-there/')) none.push(object);
    expect(none).toEqual([]);
  });

  it('refuses keys that could leave the store or hide in it', async () => {
    const bad = [
      '',
      '../escape',
      '/absolute',
      'a//b',
      'a/../b',
      'a/./b',
      '.tmp/x',
      'a\\b',
      'a/.hidden',
      'a/b/',
    ];
    for (const key of bad) {
      await expect(storage.put(key, Buffer.from('x'), { contentType: 'text/plain' })).rejects.toThrow(
        'invalid storage key',
      );
      await expect(storage.stat(key)).rejects.toThrow('invalid storage key');
      await expect(storage.get(key)).rejects.toThrow('invalid storage key');
      await expect(storage.delete(key)).rejects.toThrow('invalid storage key');
    }
    await expect(storage.deletePrefix('suite')).rejects.toThrow('invalid storage prefix');
    await expect(storage.deletePrefix('../')).rejects.toThrow('invalid storage prefix');
  });

  it('withLocalFile hands FFmpeg-style readers a file path with the bytes', async () => {
    await storage.put('suite/probe.txt', Buffer.from('probe me'), { contentType: 'text/plain' });
    const seen = await withLocalFile(storage, 'suite/probe.txt', async (path) => readFile(path, 'utf8'));
    expect(seen).toBe('probe me');
  });

  it('check() passes on a writable store', async () => {
    await expect(storage.check()).resolves.toBeUndefined();
  });
});

describe('storage: local pre-signed URLs', () => {
  it('sign a grant for one key, type, size and method; the API route verifies it', async () => {
    const storage = localStorage({ root: localRoot, presign: { url: PRESIGN_URL, secret: SECRET } });
    const upload = await storage.presignedPut('uploads/1/clip.mp4', {
      contentType: 'video/mp4',
      size: 1234,
      expiresIn: 600,
    });
    expect(upload.url.startsWith(`${PRESIGN_URL}?token=`)).toBe(true);
    expect(upload.headers).toEqual({ 'content-type': 'video/mp4' });
    const token = new URL(upload.url).searchParams.get('token') ?? '';
    expect(verifyGrant(SECRET, token)).toEqual({
      method: 'PUT',
      key: 'uploads/1/clip.mp4',
      contentType: 'video/mp4',
      size: 1234,
      expiresAt: new Date(Math.floor(upload.expiresAt.getTime() / 1000) * 1000),
    });
    const read = new URL(await storage.presignedGet('uploads/1/clip.mp4')).searchParams.get('token') ?? '';
    expect(verifyGrant(SECRET, read)).toMatchObject({ method: 'GET', key: 'uploads/1/clip.mp4' });
  });

  it('refuses a forged, altered or expired token', () => {
    const grant = {
      method: 'PUT' as const,
      key: 'a/b.bin',
      size: 10,
      expiresAt: new Date(Date.now() + 60_000),
    };
    const token = signGrant(SECRET, grant);
    expect(verifyGrant('another-secret-of-at-least-32-characters', token)).toBeUndefined();
    const [payload, signature] = token.split('.') as [string, string];
    const altered = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('"s":10', '"s":99999999'),
    ).toString('base64url');
    expect(verifyGrant(SECRET, `${altered}.${signature}`)).toBeUndefined();
    expect(verifyGrant(SECRET, 'garbage')).toBeUndefined();
    expect(verifyGrant(SECRET, `${token}.extra`)).toBeUndefined();
    expect(verifyGrant(SECRET, token, new Date(Date.now() + 120_000))).toBeUndefined();
    expect(verifyGrant(SECRET, token)).toMatchObject({ key: 'a/b.bin', size: 10 });
  });
});

describe('storage: S3 pre-signed URLs (s3rver)', () => {
  it('a client PUTs to the pre-signed URL and reads back through the pre-signed GET, Range too', async () => {
    const storage = s3Storage({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      bucket: s3.bucket,
      accessKeyId: S3RVER_ACCESS_KEY,
      secretAccessKey: S3RVER_SECRET_KEY,
      forcePathStyle: true,
    });
    try {
      const bytes = randomBytes(1000);
      const upload = await storage.presignedPut('presigned/big.bin', {
        contentType: 'video/mp4',
        size: bytes.length,
        expiresIn: 60,
      });
      expect(upload.headers).toEqual({ 'content-type': 'video/mp4', 'content-length': '1000' });
      const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
      expect(put.status).toBe(200);
      expect(await storage.stat('presigned/big.bin')).toMatchObject({ size: 1000 });

      const url = await storage.presignedGet('presigned/big.bin', { expiresIn: 60 });
      const whole = await fetch(url);
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
      const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    } finally {
      await storage.deletePrefix('presigned/');
      await storage.close();
    }
  });
});
