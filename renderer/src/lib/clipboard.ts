export type CopyOutcome = 'copied' | 'refused';

/** The part of navigator.clipboard this needs. */
export interface TextClipboard {
  writeText(text: string): Promise<void>;
}

/** Copies text; a missing or refusing clipboard (permissions, unfocused window) is an outcome, not a throw. */
export async function copyText(text: string, clipboard: TextClipboard | undefined): Promise<CopyOutcome> {
  if (!clipboard) return 'refused';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'refused';
  }
}

export const copyOutcomeText: Record<CopyOutcome, string> = {
  copied: 'Copied',
  refused: 'Could not copy: the clipboard was refused. Open "Public key" below and copy it from there.',
};
