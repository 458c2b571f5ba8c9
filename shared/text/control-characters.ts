/**
 * Text that came from outside (a release name, a file name, a reason, a
 * registry's error) must not steer the terminal or the eye when it is printed:
 * an ANSI escape can repaint "NOT verified" as "verified", a carriage return
 * can overwrite a line, a bidirectional override can reorder what is read.
 * Every such character is shown as a visible \uXXXX escape instead. Tab and
 * newline stay: they only lay text out. Pure: no Node.
 */

/** C0 controls but tab and newline, DEL, C1 controls (U+009B is a one-byte CSI to some terminals), and the Unicode bidirectional controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const steering = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlCharacters(text: string): string {
  return text.replace(steering, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function hasControlCharacters(text: string): boolean {
  steering.lastIndex = 0;
  const found = steering.test(text);
  steering.lastIndex = 0;
  return found;
}
