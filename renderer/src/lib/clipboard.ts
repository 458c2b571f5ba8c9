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

/** What the person reads after pressing a copy button. */
export function copyOutcomeMessage(outcome: CopyOutcome, refusedAdvice: string): string {
  return outcome === 'copied' ? 'Copied' : `Could not copy: the clipboard was refused. ${refusedAdvice}`;
}
