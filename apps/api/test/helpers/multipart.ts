import { randomBytes } from 'node:crypto';

/** One part of a multipart/form-data body: a text field, or a file when `filename` is given. */
export interface FormPart {
  name: string;
  value: Buffer | string;
  filename?: string;
  /** the part's declared type (the intake ignores it; a browser sends one) */
  contentType?: string;
}

/**
 * A multipart/form-data body as a browser's FormData sends it, and its Content-Type header with
 * the boundary (for `inject` or a raw socket).
 */
export function multipartBody(parts: FormPart[]): { payload: Buffer; contentType: string } {
  const boundary = `----pbshop${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type =
      part.filename === undefined
        ? ''
        : `\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
