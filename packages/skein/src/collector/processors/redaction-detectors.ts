/**
 * Built-in detectors for well-known secrets and PII inside string values, for the `redaction`
 * processor. Each is a regex plus, where a pattern alone would mask harmless data, a checksum:
 * card numbers must pass Luhn and start like a card (so order IDs, nanosecond timestamps and
 * phone numbers stay), IBANs must pass ISO 7064 mod 97.
 *
 * Speed matters (every string attribute of every span passes here), so a value is first scanned
 * once for digits, `@` and `:` and each detector only runs when its cheap precondition holds.
 */

export const MASK = '****';

export const BUILTIN_PATTERNS = ['credit_cards', 'emails', 'bearer_tokens', 'api_keys', 'url_passwords', 'ibans', 'secret_keys'] as const;
export type BuiltinPattern = (typeof BUILTIN_PATTERNS)[number];

/** `scheme://user:password@` → `scheme://user:****@` */
// Quantifiers are bounded (RFC limits: 64-character local parts, 63-character labels) so a long
// run of word characters costs linear time, not quadratic, when the regex restarts at each offset.
const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/?#@]{1,256}:)[^\s@/?#]{1,256}@/g;
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
/** The credential after an HTTP auth scheme; the scheme word stays so the value still reads. */
const BEARER = /\b([Bb]earer|[Bb]asic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/** Vendor prefixes: Stripe, GitHub, Slack, AWS access key IDs, Google, GitLab, OpenAI-style, JWTs. */
const API_KEY = new RegExp(
  [
    String.raw`\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}`,
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bgithub_pat_\w{20,}`,
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])`,
    String.raw`\bAIza[0-9A-Za-z_-]{35}`,
    String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
    String.raw`\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}`,
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
  ].join('|'),
  'g',
);
/** 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer token or decimal. */
const CARD = /(?<![0-9A-Za-z.])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z]|\.\d)/g;
const IBAN = /(?<![0-9A-Za-z])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![0-9A-Za-z])/g;

/**
 * Keys whose values are secrets whatever they look like (HTTP auth and cookie headers as the
 * semantic conventions name them, `*.password`, `*.api_key`, …): the whole value is masked.
 */
export const SECRET_KEY =
  /(?:^|[._-])(?:authorization|proxy[_-]authorization|cookie|set[_-]cookie|password|passwd|pwd|secret|client[_-]secret|api[_-]?key|x[_-]api[_-]key|access[_-]token|refresh[_-]token|id[_-]token|auth[_-]token|session[_-]token|private[_-]key)$/i;

export type StringRedactor = (value: string) => string | undefined;

/** A function that returns the masked form of a string, or undefined when nothing was masked. */
export function createStringRedactor(
  builtins: ReadonlySet<BuiltinPattern>,
  blockedValues: readonly RegExp[],
  allowedValues: readonly RegExp[],
): StringRedactor {
  const cards = builtins.has('credit_cards');
  const emails = builtins.has('emails');
  const bearer = builtins.has('bearer_tokens');
  const apiKeys = builtins.has('api_keys');
  const urlPasswords = builtins.has('url_passwords');
  const ibans = builtins.has('ibans');
  const blocked = blockedValues.map((re) => new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'));
  return (value) => {
    if (allowedValues.length > 0 && allowedValues.some((re) => re.test(value))) return undefined;
    let out = value;
    // No secret we look for is shorter than 6 characters (a@b.io); most need digits, `@` or `:`.
    if (value.length >= 6) {
      let digits = 0;
      let at = false;
      let colon = false;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
        else if (c === 64) at = true;
        else if (c === 58) colon = true;
      }
      if (digits > 0 || at || colon) {
        if (urlPasswords && colon && out.includes('://')) out = out.replace(URL_PASSWORD, `$1${MASK}@`);
        if (emails && at) out = out.replace(EMAIL, MASK);
        if (bearer && (out.includes('earer') || out.includes('asic'))) out = out.replace(BEARER, `$1 ${MASK}`);
        if (apiKeys && out.length >= 16) out = out.replace(API_KEY, MASK);
        if (cards && digits >= 13) out = out.replace(CARD, maskCard);
        if (ibans && digits >= 8 && out.length >= 15) out = out.replace(IBAN, maskIban);
      }
    }
    for (const re of blocked) out = out.replace(re, (match) => (match === '' ? match : MASK));
    return out === value ? undefined : out;
  };
}

function maskCard(match: string): string {
  const separators = match.replace(/\d/g, '');
  // Mixed separators ("1234-5678 9012 3456") are not how a card number is written.
  if (separators.length > 0 && separators.replaceAll(separators[0]!, '') !== '') return match;
  const digits = separators.length > 0 ? match.replace(/[ -]/g, '') : match;
  return looksLikeCard(digits) ? `${MASK}${digits.slice(-4)}` : match;
}

/** Issuer prefixes (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) and Luhn. */
export function looksLikeCard(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0) - 48;
  if (first === 2) {
    const prefix = Number(digits.slice(0, 4));
    if (prefix < 2221 || prefix > 2720) return false;
  } else if (first < 3 || first > 6) {
    return false;
  }
  return luhnValid(digits);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function maskIban(match: string): string {
  return ibanValid(match) ? MASK : match;
}

/** ISO 13616: length 15–34, check digits by ISO 7064 mod 97-10 over the rearranged number. */
export function ibanValid(text: string): boolean {
  const iban = text.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}
