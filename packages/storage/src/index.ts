export { LOCAL_PRESIGNED_PATH, type StorageEnv, storageFromEnv, storageUrlSecret } from './from-env.ts';
export { type LocalStorageOptions, localStorage } from './local.ts';
export { withLocalFile } from './local-file.ts';
export { type S3StorageOptions, s3Storage } from './s3.ts';
export { type SignedGrant, signGrant, verifyGrant } from './signed-url.ts';
export {
  assertStorageKey,
  assertStoragePrefix,
  type ByteRange,
  isStorageKey,
  type PresignedUpload,
  type PresignedUploadOptions,
  STORAGE_KEY_MAX_LENGTH,
  type Storage,
  StorageObjectMissing,
  type StoredObject,
} from './storage.ts';
