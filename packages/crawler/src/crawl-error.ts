import type { crawlerErrorClass } from '@pbshop/db';

export type ErrorClass = (typeof crawlerErrorClass.enumValues)[number];

/** A page (or a whole run) that failed, with the class an operator sorts failures by. */
export class CrawlError extends Error {
  readonly errorClass: ErrorClass;
  /** the HTTP status behind an HTTP_4XX / HTTP_5XX */
  readonly status: number | undefined;
  constructor(errorClass: ErrorClass, message: string, status?: number) {
    super(message);
    this.name = 'CrawlError';
    this.errorClass = errorClass;
    this.status = status;
  }
}
