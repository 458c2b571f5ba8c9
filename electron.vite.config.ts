import { join, resolve } from 'node:path';

const __dirname = import.meta.dirname;
import { defineConfig } from 'electron-vite';
import { build, type Plugin, type Rollup } from 'vite';

type OutputChunk = Rollup.OutputChunk;

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
 * the same. It also sorts its component names as it loads, through that
 * collator, by their place in a table (0 to 7, as text): two such places
 * are compared as the numbers they are (one digit each, text and number
 * order agree), so loading needs no collator. If a new version words either
 * differently, the build says so and leaves it alone.
 */
function collatorOnFirstUse(): Plugin {
  const patches: { file: string; eager: string; lazy: string }[] = [
    {
      file: '/node_modules/packageurl-js/src/strings.js',
      eager: 'const { compare: localeCompare } = new Intl.Collator()',
      lazy: 'let collator\nconst localeCompare = (a, b) => (collator ??= new Intl.Collator()).compare(a, b)',
    },
    {
      file: '/node_modules/packageurl-js/src/purl-component.js',
      eager: 'return localeCompare(componentSortOrder(compA), componentSortOrder(compB))',
      lazy: "const a = componentSortOrder(compA), b = componentSortOrder(compB)\n    return typeof a === 'number' && typeof b === 'number' ? a - b : localeCompare(a, b)",
    },
  ];
  return {
    name: 'conclave:purl-collator-on-first-use',
    transform(code, id) {
      const patch = patches.find((candidate) => id.replace(/\\/g, '/').endsWith(candidate.file));
      if (!patch) return null;
      if (!code.includes(patch.eager)) {
        this.warn(`packageurl-js${patch.file.slice('/node_modules/packageurl-js'.length)} no longer reads as expected ("${patch.eager}"): it is left as it is (start-up is slower).`);
        return null;
      }
      return { code: code.replace(patch.eager, patch.lazy), map: null };
    },
  };
}

/**
 * The command line once more, as CommonJS, in out/main/cjs (issue 11): the
 * same modules as out/main/cli.js, bundled again from it, with
 * electron/cli/start.ts (cli-start.cjs), which bin/conclave.js loads and
 * which loads the rest with V8's code cache. Node 20 has no code cache for
 * ES modules, and compiling the code a command runs is a good part of its
 * start; loading CommonJS also skips the ES module loader's work per
 * module. (Bundled again from the built command line rather than from the
 * sources: the same code, in chunks that measured faster to load.) The
 * threads a command starts are here too (token-host.cjs, hash-worker.cjs;
 * the chunks look for them beside themselves first): they start with the
 * command, and a CommonJS thread starts sooner. The window's token host
 * stays the one in out/main.
 */
function commonJsCli(): Plugin {
  let outDir = '';
  return {
    name: 'conclave:cli-as-commonjs',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await build({
        configFile: false,
        root: __dirname,
        logLevel: 'warn',
        build: {
          ssr: true,
          outDir: join(outDir, 'cjs'),
          emptyOutDir: true,
          minify: false,
          copyPublicDir: false,
          reportCompressedSize: false,
          rollupOptions: {
            input: { cli: join(outDir, 'cli.js'), 'cli-start': resolve(__dirname, 'electron/cli/start.ts'), 'hash-worker': join(outDir, 'hash-worker.js'), 'index-worker': join(outDir, 'index-worker.js'), 'token-host': join(outDir, 'token-host.js') },
            output: { format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name].cjs', dynamicImportInCjs: false },
          },
        },
      });
    },
  };
}

/**
 * Chunks the window imports on demand, fetched with the first screen but not
 * run with it (issue 15): the contract's schemas with zod, and the other
 * screens. A modulepreload link for each chunk (a preload for its style
 * sheets) in index.html has the browser fetch and compile them while the
 * page starts, instead of asking later, when the shell's server is busy
 * starting the core; they run only when imported.
 */
function preloadWithFirstScreen(sources: readonly string[]): Plugin {
  return {
    name: 'conclave:preload-with-first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const chunks = Object.values(context.bundle ?? {}).filter((output): output is OutputChunk => output.type === 'chunk');
        const files: string[] = [];
        const styles: string[] = [];
        const visit = (chunk: OutputChunk | undefined) => {
          if (!chunk || files.includes(chunk.fileName)) return;
          files.push(chunk.fileName);
          for (const css of chunk.viteMetadata?.importedCss ?? []) if (!styles.includes(css)) styles.push(css);
          for (const name of chunk.imports) visit(chunks.find((other) => other.fileName === name));
        };
        for (const source of sources) {
          const entry = chunks.find((chunk) => chunk.facadeModuleId?.replace(/\\/g, '/').endsWith(source));
          if (!entry) throw new Error(`${source} is not a chunk of its own in the window's build: nothing to preload.`);
          visit(entry);
        }
        const link = (rel: 'modulepreload' | 'preload', file: string) => ({ tag: 'link', attrs: { rel, ...(rel === 'preload' ? { as: 'style' } : {}), crossorigin: true, href: `./${file}` }, injectTo: 'head' as const });
        const absent = (file: string) => !html.includes(`/${file}"`);
        return [...files.filter(absent).map((file) => link('modulepreload', file)), ...styles.filter(absent).map((file) => link('preload', file))];
      },
    },
  };
}

// One build for every runtime: the Electron main process and the Node entry
// points that share its core (token host, hashing thread, CLI, browser shell,
// launcher), the sandboxed preload, and the renderer.
export default defineConfig({
  main: {
    plugins: [collatorOnFirstUse(), commonJsCli()],
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: bundledDependencies },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          'token-host': resolve(__dirname, 'electron/core/tokens/host/entry.ts'),
          'hash-worker': resolve(__dirname, 'electron/core/hashing/hash-worker.ts'),
          // The summary index's threads (issue 15): judging a store's ceremonies on every core.
          'index-worker': resolve(__dirname, 'electron/core/ceremony/index-worker.ts'),
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
    plugins: [
      preloadWithFirstScreen([
        'renderer/src/api/schema-module.ts',
        'renderer/src/features/history/HistoryScreen.tsx',
        'renderer/src/features/open-ceremony/OpenCeremonyScreen.tsx',
        'renderer/src/features/ceremony/CeremonyScreen.tsx',
        'renderer/src/features/tokens/TokensScreen.tsx',
        'renderer/src/features/settings/SettingsScreen.tsx',
      ]),
    ],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // Minified (electron-vite leaves the renderer as written): the window parses less before the first screen (issue 15).
      // The other screens are chunks of their own (renderer/src/app/screen-modules.ts), loaded from the same origin.
      minify: true,
      rollupOptions: {
        input: resolve(__dirname, 'renderer/index.html'),
        // The libraries every screen needs in chunks of their own, named for what they are: they change less often than
        // the app, and what is shared between screens is not named after whichever component the bundler met first.
        output: {
          codeSplitting: {
            groups: [
              { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 2 },
              // Not every library: the History list's virtual scroller stays in the History screen's chunk.
              { name: 'zod', test: /node_modules[\\/]zod[\\/]/, priority: 1 },
            ],
          },
        },
      },
    },
  },
});
