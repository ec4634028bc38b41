import { z } from 'zod';

/** C0/C1 controls: NUL, ESC, DEL … */
export const controlChars = /\p{Cc}/u;

export const noControlChars = (value: string) => !controlChars.test(value);
export const noControlCharsMessage = 'control characters are not allowed';

/** One-line text: NFC, trimmed, no control characters, 1..max characters. */
export const textLine = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().min(1).max(max).refine(noControlChars, noControlCharsMessage));

/** A list's optional `search` text: NFC, trimmed, no control characters, at most `max` characters. */
export const searchText = (max = 100) =>
  z
    .string()
    .max(max)
    .transform((value) => value.normalize('NFC').trim())
    .pipe(z.string().refine(noControlChars, noControlCharsMessage))
    .optional();
