/** Where the active row of a list goes on a key press (WAI-ARIA listbox keys); undefined for keys the list does not use. */
export function nextActiveIndex(key: string, current: number, total: number, pageRows: number): number | undefined {
  if (total <= 0) return undefined;
  const last = total - 1;
  const clamp = (index: number) => Math.min(last, Math.max(0, index));
  switch (key) {
    case 'ArrowDown':
      return clamp(current + 1);
    case 'ArrowUp':
      return clamp(current - 1);
    case 'PageDown':
      return clamp(current + pageRows);
    case 'PageUp':
      return clamp(current - pageRows);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return undefined;
  }
}
