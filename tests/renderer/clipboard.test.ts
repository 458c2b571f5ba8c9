import { describe, expect, it } from 'vitest';
import { copyOutcomeMessage, copyText } from '../../renderer/src/lib/clipboard';

describe('copying a public key', () => {
  it('writes the text and confirms it was copied', async () => {
    const written: string[] = [];
    const outcome = await copyText('-----BEGIN PUBLIC KEY-----', { writeText: async (text) => void written.push(text) });
    expect(outcome).toBe('copied');
    expect(written).toEqual(['-----BEGIN PUBLIC KEY-----']);
    expect(copyOutcomeMessage(outcome, 'Copy it yourself.')).toBe('Copied');
  });

  it('tells the person what to do when the clipboard is refused or missing', async () => {
    const refused = await copyText('pem', { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) });
    expect(refused).toBe('refused');
    expect(await copyText('pem', undefined)).toBe('refused');
    expect(copyOutcomeMessage(refused, 'Open "Public key" below.')).toBe('Could not copy: the clipboard was refused. Open "Public key" below.');
  });
});
