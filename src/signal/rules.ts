/** The limits a signal must keep, shared by the sender's checks and the receiver's decoder. */

/** Longest signal type, in UTF-8 bytes (OpenTok: 128). */
export const MAX_TYPE_BYTES = 128;
/** Largest signal data, in UTF-8 bytes (OpenTok: "8 KB"). */
export const MAX_DATA_BYTES = 8192;
/** The characters OpenTok documents for a type. (The SDK also lets '.' through; the docs do not.) */
export const TYPE_PATTERN = /^[A-Za-z0-9\-_~]*$/;

const encoder = new TextEncoder();
/** Room for any legal data or type: a UTF-16 unit is at most 3 bytes of UTF-8. */
const scratch = new Uint8Array(3 * MAX_DATA_BYTES);

/**
 * UTF-8 length of a string. Counted by the native encoder into a reused buffer: a JS loop over
 * 8 KB cost ~60 µs a signal in the bench's profile. (Lone surrogates count as 3-byte U+FFFD,
 * which is what they become on the wire.)
 */
export function utf8Bytes(text: string): number {
  if (text.length * 3 > scratch.length) {
    lastText = undefined;
    return encoder.encode(text).length;
  }
  const { written } = encoder.encodeInto(text, scratch);
  lastText = text;
  lastWritten = written;
  return written;
}

/** The text `scratch` holds the UTF-8 of (from the last `utf8Bytes`), and its length. */
let lastText: string | undefined;
let lastWritten = 0;

/**
 * The UTF-8 bytes of `text` when `utf8Bytes` just counted it, else undefined: the frame encoder
 * copies them instead of encoding 8 KB again (Chromium's encoder costs ~20 µs per 8 KB). A view of
 * a reused buffer: copy it before the next `utf8Bytes`.
 */
export function recentUtf8(text: string): Uint8Array | undefined {
  return text === lastText ? scratch.subarray(0, lastWritten) : undefined;
}

/** Why a type is refused, or undefined when it is fine. Only ASCII passes the pattern. */
export function typeProblem(type: string): { code: 400 | 413; message: string } | undefined {
  const bytes = type.length > MAX_TYPE_BYTES / 3 ? utf8Bytes(type) : type.length;
  if (bytes > MAX_TYPE_BYTES) {
    return { code: 413, message: `type is ${bytes} bytes; the limit is ${MAX_TYPE_BYTES}` };
  }
  if (!TYPE_PATTERN.test(type)) {
    const bad = [...type].find((ch) => !TYPE_PATTERN.test(ch)) ?? '';
    const shown = bad === ' ' ? 'a space' : `'${bad}' (U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
    return { code: 400, message: `type has ${shown}; allowed: A-Z a-z 0-9 - _ ~` };
  }
  return undefined;
}

/** Why data is refused, or undefined when it is fine. */
export function dataProblem(data: string): { code: 413; message: string } | undefined {
  // Cheap upper bound first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (data.length * 3 <= MAX_DATA_BYTES) return undefined;
  const bytes = utf8Bytes(data);
  return bytes > MAX_DATA_BYTES ? { code: 413, message: `data is ${bytes} bytes of UTF-8; the limit is ${MAX_DATA_BYTES}` } : undefined;
}
