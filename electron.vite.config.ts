import { resolve } from 'node:path';

const __dirname = import.meta.dirname;
import { defineConfig } from 'electron-vite';

// One build for every runtime: the Electron main process and the Node entry
// points that share its core (token host, CLI, browser shell, launcher), the
// sandboxed preload, and the renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          'token-host': resolve(__dirname, 'electron/core/tokens/host/entry.ts'),
          cli: resolve(__dirname, 'electron/cli/index.ts'),
          'web-shell': resolve(__dirname, 'electron/web/entry.ts'),
          launcher: resolve(__dirname, 'electron/launcher/index.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require node_modules: bundle everything into one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
