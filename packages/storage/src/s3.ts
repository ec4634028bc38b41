import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertStorageKey,
  assertStoragePrefix,
  type ByteRange,
  type Storage,
  StorageObjectMissing,
  type StoredObject,
} from './storage.ts';

export interface S3StorageOptions {
  /** an S3-compatible endpoint (MinIO, s3rver, R2…); undefined for AWS itself */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key` (most S3-compatible servers) */
  forcePathStyle: boolean;
}

/** Part size of streamed uploads: at most two parts are held in memory per upload. */
const PART_SIZE = 8 * 1024 * 1024;

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException &&
  (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404);

/** Passes on only the bytes of `range` (inclusive) of the stream piped into it. */
function byteWindow({ start, end }: ByteRange): Transform {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}

/**
 * Objects in one bucket of an S3-compatible store. A stream of unknown length is uploaded in
 * parts (one PutObject when it fits in one part); the object appears only when the upload
 * completes, and a failed stream aborts the multipart upload, so nothing is left.
 */
export function s3Storage(options: S3StorageOptions): Storage {
  const { bucket } = options;
  const client = new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    // checksums only where S3 requires them: S3-compatible servers do not all know the newer
    // flexible-checksum trailers (aws-chunked) that the SDK would otherwise send on every upload
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    driver: 's3',

    async put(key, body, { contentType }) {
      assertStorageKey(key);
      if (body instanceof Uint8Array) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ContentLength: body.byteLength,
          }),
        );
        return { size: body.byteLength };
      }
      let size = 0;
      const counted = body.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            size += chunk.length;
            callback(null, chunk);
          },
        }),
      );
      // a failing source must fail the upload: pipe() does not forward errors
      let sourceError: unknown;
      body.once('error', (error) => {
        sourceError = error;
        counted.destroy(error);
      });
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: counted, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        // the source's own failure (a size limit, a client gone) says more than the abort's
        throw sourceError ?? error;
      }
      return { size };
    },

    async get(key, range?: ByteRange) {
      assertStorageKey(key);
      try {
        const answer = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        if (!(answer.Body instanceof Readable)) throw new Error('S3 answered without a body stream');
        if (!range) return answer.Body;
        // HTTP lets a server answer more than the range asked (the whole object; s3rver answers
        // all of it for `bytes=0-0`): then the asked bytes are cut from what it sent
        const sent = /^bytes (\d+)-(\d+)\//.exec(answer.ContentRange ?? '');
        const sentStart = sent ? Number(sent[1]) : 0;
        if (sent && sentStart === range.start && Number(sent[2]) === range.end) return answer.Body;
        const slice = byteWindow({ start: range.start - sentStart, end: range.end - sentStart });
        answer.Body.once('error', (error) => slice.destroy(error));
        return answer.Body.pipe(slice);
      } catch (error) {
        if (isMissing(error)) throw new StorageObjectMissing(key, { cause: error });
        throw error;
      }
    },

    async stat(key): Promise<StoredObject | undefined> {
      assertStorageKey(key);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          size: head.ContentLength ?? 0,
          etag: head.ETag ?? `"${key}"`,
          modifiedAt: head.LastModified ?? new Date(0),
        };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      assertStorageKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async deletePrefix(prefix) {
      assertStoragePrefix(prefix);
      let deleted = 0;
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        );
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
        if (keys.length > 0) {
          const answer = await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
          );
          if (answer.Errors?.length) {
            throw new Error(`S3 did not delete ${answer.Errors.length} object(s) under ${prefix}`);
          }
          deleted += keys.length;
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
      return deleted;
    },

    async *list(prefix) {
      assertStoragePrefix(prefix);
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key && object.LastModified) yield { key: object.Key, modifiedAt: object.LastModified };
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (continuationToken);
    },

    async presignedPut(key, { contentType, size, expiresIn }) {
      assertStorageKey(key);
      const url = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }),
        // both signed: the store refuses another type or another length
        { expiresIn, signableHeaders: new Set(['content-type', 'content-length']) },
      );
      return {
        url,
        method: 'PUT',
        headers: { 'content-type': contentType, 'content-length': String(size) },
        expiresAt: new Date(Date.now() + expiresIn * 1000),
      };
    },

    async presignedGet(key, { expiresIn = 900 } = {}) {
      assertStorageKey(key);
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
    },

    async check() {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    },

    async close() {
      client.destroy();
    },
  };
}
