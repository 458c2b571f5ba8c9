/**
 * shared/ compiles with lib ES2022 only, so no DOM or Node global type-checks
 * here. TextEncoder and TextDecoder are the exception: every runtime that runs
 * shared/ (Node, Chromium, Electron) has them, and they are how it turns text
 * into bytes (never Buffer).
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
