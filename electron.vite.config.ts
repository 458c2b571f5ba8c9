import { resolve } from 'node:path';

const __dirname = import.meta.dirname;
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

/**
 * Dependencies bundled into out/main instead of loaded from node_modules
 * (issue 11: a CLI command starts in a fraction of a second). Node's ES
 * module loader pays for every file it resolves and reads: zod and the
 * @peculiar/asn1 packages with their helpers are hundreds of small files,
 * and loading them one by one cost `conclave ceremony show` about 0.3 s more
 * than the same code in a few chunks (measured: 0.6–0.8 s vs 0.36 s). Only
 * plain JavaScript is bundled: pkcs11js (a native addon), ws (optional
 * native helpers), Electron and the renderer's packages stay external.
 */
const bundledDependencies = ['zod', '@peculiar/asn1-cms', '@peculiar/asn1-ecc', '@peculiar/asn1-rsa', '@peculiar/asn1-schema', '@peculiar/asn1-tsp', '@peculiar/asn1-x509', '@sigstore/bundle', 'packageurl-js'];

/**
 * packageurl-js makes an Intl.Collator as it loads, which loads ICU's
 * collation data: 10–20 ms of the start of every command that reads a
 * statement, for a comparison it only makes when it sorts a purl's
 * qualifiers. The collator is made on first use instead; the comparison is
 * the same. If a new version words it differently, the build says so and
 * leaves it alone.
 */
function collatorOnFirstUse(): Plugin {
  const eager = 'const { compare: localeCompare } = new Intl.Collator()';
  return {
    name: 'conclave:purl-collator-on-first-use',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('/node_modules/packageurl-js/src/strings.js')) return null;
      if (!code.includes(eager)) {
        this.warn('packageurl-js/src/strings.js no longer makes its Intl.Collator as expected: it is left as it is (start-up is slower).');
        return null;
      }
      return { code: code.replace(eager, 'let collator\nconst localeCompare = (a, b) => (collator ??= new Intl.Collator()).compare(a, b)'), map: null };
    },
  };
}

// One build for every runtime: the Electron main process and the Node entry
// points that share its core (token host, CLI, browser shell, launcher), the
// sandboxed preload, and the renderer.
export default defineConfig({
  main: {
    plugins: [collatorOnFirstUse()],
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: bundledDependencies },
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
