/** Saves text as a file through the browser's download (a Blob URL; nothing leaves this machine). */
export function saveTextFile(fileName: string, text: string, type = 'application/x-pem-file'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it starts; give it a moment before letting the URL go.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
