// The shared gallery: latent vectors that viewers submit, decoded by the host
// into images, voted on and moderated. These types and checks are shared by
// the host's HTTP routes, its WebSocket messages and the pages.

/** Largest magnitude of one latent value the gallery accepts. */
export const LATENT_BOUND = 100;

/** Most characters (Unicode code points) in a title. */
export const MAX_TITLE_LENGTH = 80;

/** Largest latent size a submission can have, the same as the `--latent` maximum. */
export const MAX_LATENT_SIZE = 1024;

/** One gallery item as every viewer sees it. */
export interface GalleryItem {
  /** Increasing id, assigned when the item is stored. */
  id: number;
  /** Text the viewer gave, or null. Render it as text, never as HTML. */
  title: string | null;
  /** The submitted latent vector. */
  z: number[];
  /** Training step of the decoder weights the image was decoded with. */
  step: number;
  /** Run whose decoder made the image; differs from the host's current run id after a restart. */
  runId: string;
  /** Time the item was stored, in milliseconds since the Unix epoch. */
  createdAt: number;
  /** Number of viewers who voted for the item. */
  votes: number;
  /** Set only on the submitter's own copy of an item that waits for the host's approval before others see it. */
  awaitingApproval?: boolean;
}

/** An item as the host's moderation calls return it. */
export interface ModeratedGalleryItem extends GalleryItem {
  /** Anonymous id of the viewer who submitted the item. */
  viewerId: string;
  /** Whether moderation hid the item from viewers; a pending item is hidden too. */
  hidden: boolean;
  /** Whether the item waits for the host's approval, in the approve-before-public mode. */
  pending: boolean;
}

/** Order of a gallery page: most votes first, or newest first. */
export type GallerySort = 'top' | 'new';

/** One page of `GET /api/gallery`. */
export interface GalleryPage {
  items: GalleryItem[];
  /** Cursor for the next page, or null on the last page. */
  nextCursor: string | null;
}

/** A submission whose fields have the right types, before the checks that depend on the model. */
export interface SubmissionFields {
  z: number[];
  /** The title, or null when it was left out or empty. */
  title: string | null;
}

/** Raised for a submission the gallery rejects; the message names the field, the rule and the fix. */
export class SubmissionError extends Error {
  override name = 'SubmissionError';
}

/**
 * Checks that `body` is `{"z": [numbers], "title"?: string}` with no other
 * field, and returns its fields. Throws SubmissionError otherwise.
 */
export function readSubmissionFields(body: unknown): SubmissionFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SubmissionError('the body must be a JSON object such as {"z": [0.5, 1.2], "title": "a circle"}');
  }

  const unknown = Object.keys(body).filter((key) => key !== 'z' && key !== 'title');
  if (unknown.length > 0) {
    throw new SubmissionError(`unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}; the body takes "z" and an optional "title"`);
  }

  const { z, title } = body as { z?: unknown; title?: unknown };
  if (!Array.isArray(z)) throw new SubmissionError('"z" must be an array of numbers, the latent vector to decode');
  if (z.length > MAX_LATENT_SIZE) throw new SubmissionError(`"z" has ${z.length} values; no model has more than ${MAX_LATENT_SIZE}`);

  const wrongType = z.findIndex((value) => typeof value !== 'number');
  if (wrongType >= 0) {
    throw new SubmissionError(`"z"[${wrongType}] is ${describeValue(z[wrongType])}; every value must be a JSON number`);
  }

  if (title !== undefined && title !== null && typeof title !== 'string') {
    throw new SubmissionError(`"title" is ${describeValue(title)}; it must be a string or left out`);
  }
  return { z: z as number[], title: normaliseTitle(title ?? null) };
}

/**
 * Checks the values of a submission for a model of `latentSize` dimensions:
 * the length, every value finite and within ±LATENT_BOUND, and the title
 * rules. Throws SubmissionError naming the first rule that fails.
 */
export function checkSubmission(fields: SubmissionFields, latentSize: number): void {
  const { z, title } = fields;
  if (z.length !== latentSize) {
    throw new SubmissionError(`"z" has ${z.length} values; this model's latent size is ${latentSize}, so send exactly ${latentSize}`);
  }

  for (let i = 0; i < z.length; i++) {
    const value = z[i];
    if (!Number.isFinite(value)) {
      // JSON has no NaN or Infinity, but a literal such as 1e999 parses to Infinity.
      throw new SubmissionError(`"z"[${i}] is ${value}; every value must be finite (a number such as 1e999 overflows to Infinity)`);
    }
    if (Math.abs(value) > LATENT_BOUND) {
      throw new SubmissionError(`"z"[${i}] is ${value}; every value must be within ±${LATENT_BOUND}`);
    }
  }

  if (title !== null) checkTitle(title);
}

/** Throws SubmissionError when `title` breaks a rule: at most MAX_TITLE_LENGTH characters of printable text. */
export function checkTitle(title: string): void {
  const length = [...title].length;
  if (length > MAX_TITLE_LENGTH) {
    throw new SubmissionError(`"title" has ${length} characters; the limit is ${MAX_TITLE_LENGTH}`);
  }

  const match = FORBIDDEN_TITLE_CHARACTER.exec(title);
  if (match) {
    const codePoint = match[0].codePointAt(0) ?? 0;
    const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    const position = [...title.slice(0, match.index)].length;
    throw new SubmissionError(
      `"title" contains ${hex} at position ${position}; titles must be printable text on one line, ` +
        'without control characters, line breaks, bidirectional overrides or unpaired surrogates',
    );
  }
}

// Control characters (C0, DEL, C1, which include tab and line breaks), the
// line and paragraph separators, the bidirectional embedding, override and
// isolate controls that can reorder the text around a title, and unpaired
// surrogates (with the `u` flag a valid pair is one code point, so only a
// lone surrogate matches the range).
export const FORBIDDEN_TITLE_CHARACTER = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/u;

/** Trims the title; an empty title counts as none. */
function normaliseTitle(title: string | null): string | null {
  if (title === null) return null;
  const trimmed = title.trim();
  return trimmed === '' ? null : trimmed;
}

/** Describes a JSON value for an error message, such as `the string "NaN"`. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
