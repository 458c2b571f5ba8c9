/**
 * A bundle dropped anywhere on the window is imported (issue 5). Fields that
 * take dropped files of their own (the Open screen's artifacts) handle the
 * drop first and mark it handled; only what is left comes here.
 */
import type { DragEvent } from 'react';
import { bundleImportStore } from './bundle-import';

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function onWindowDragOver(event: DragEvent): void {
  // Without this the browser opens a dropped file in place of the window.
  if (!event.isDefaultPrevented() && carriesFiles(event)) event.preventDefault();
}

export function onWindowDrop(event: DragEvent): void {
  if (event.isDefaultPrevented() || !carriesFiles(event)) return;
  event.preventDefault();
  void bundleImportStore.getState().drop(Array.from(event.dataTransfer.files));
}
