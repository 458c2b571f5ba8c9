/**
 * `npm run bench`: Conclave side by side with the tools people trust, in one
 * run, as figures (never pass/fail; wall-clock limits stay out of the tests).
 *
 *   (a) SHA-256 of a large file: Conclave vs `openssl dgst -sha256` vs
 *       `sha256sum`, against the compute limit from `openssl speed -evp sha256`;
 *       and four 25 MB artifacts hashed in parallel on worker threads (issue
 *       15, needs `npm run build`) vs `sha256sum` of the four one after another
 *   (b) ECDSA P-256 signatures on one SoftHSM2 token: the token service vs
 *       `pkcs11-tool --sign`
 *   (c) verifying an envelope with 5 signatures: the whole verifier vs the
 *       five raw signature checks alone
 *   (d) startup: from spawning the browser shell (`node out/main/web-shell.js`)
 *       to an interactive Ceremonies screen in headless Chromium, with an
 *       empty store and with 10,000 ceremonies, vs a Node start and a static
 *       page load over the same shell
 *   (e) history: from clicking "History" to the first rows with 10,000
 *       ceremonies, cold (no summary cache: also to the whole index, the
 *       count of every ceremony), after an upgrade (the summaries an earlier
 *       version's judge decided: also to every ceremony judged again) and
 *       warm (shell restarted), and searches typed into it, vs listing and
 *       reading the store folder
 *   (f) the command line as scripts run it (bench/cli.ts, issue 11), each a
 *       process of the built CLI against SoftHSM2 tokens: `ceremony approve`
 *       end to end vs one `pkcs11-tool --sign` (goal: at most 10×), `verify`
 *       of a 3-of-5 envelope vs `openssl dgst -sha256 -verify` run three
 *       times (goal: at most 3×), `ceremony open` of a 100 MB artifact vs
 *       `sha256sum` of it (goal: at most 1.5×)
 *   (g) pages (bench/pages.ts, issue 15): the summary index built from
 *       nothing on this thread and on worker threads (time to the first rows,
 *       to a first page, to the whole index) and the core's first page over
 *       a warm cache, with its size, vs reading every event file once; a
 *       person joining the team: the first `conclave sync` of the whole
 *       store into an empty one vs `git clone`, then the first start; with
 *       CONCLAVE_BENCH_SCALE, the same at that many ceremonies, the memory of
 *       the core and `conclave sync` of one new event, beside git
 *
 * (d) and (e) need `npm run build`, SoftHSM2 and /usr/bin/chromium (the e2e
 * tests' browser), (f) `npm run build`, SoftHSM2, pkcs11-tool and openssl;
 * without them they say so and are skipped. They share one
 * generated history (tests/support/generate-ceremonies.ts), made once a run.
 *
 * Each figure is the median of several rounds after a warm-up round (the
 * cold History rounds have no warm-up: each one deletes the summary cache).
 * Environment:
 *   CONCLAVE_BENCH_HASH_MIB     size of the file to hash, MiB (default 1024)
 *   CONCLAVE_BENCH_ARTIFACT_MB  size of each of the four artifacts hashed in parallel, MB (default 25)
 *   CONCLAVE_BENCH_REPEATS      measured rounds per figure (default 3; 9 for the command line, part f)
 *   CONCLAVE_BENCH_SIGNATURES   signatures per round (default 50)
 *   CONCLAVE_BENCH_CEREMONIES   ceremonies generated for (d) and (e) (default 10000)
 *   CONCLAVE_BENCH_OPEN_MB      size of the artifact (f) opens, MB (default 100)
 *   CONCLAVE_BENCH_SCALE        ceremonies of (g)'s run at scale, e.g. 100000 (default: not run; it
 *                               takes a quarter of an hour and a few GB of disk, needs "npm run build")
 *   CONCLAVE_BENCH_SCALE_DIR    where that store is generated and kept for the next run
 *                               (default: conclave-bench-scale-<count> in the temp folder)
 *   CONCLAVE_CHROMIUM           the Chromium for (d) and (e) (default /usr/bin/chromium)
 *   CONCLAVE_BENCH_ONLY         "hashing", "signing", "verifying", "startup",
 *                               "history", "cli" or "pages" to run one part
 */
import { createHash, createPublicKey, createVerify, randomFillSync, randomBytes, verify as verifyOneShot } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashFile, hashFilesHere, type FileHashOutcome } from '../electron/core/hashing';
import { defaultBytesPerThread, hashFilesOnThreads, threadsFor } from '../electron/core/hashing/hash-thread';
import { forkHostLauncher } from '../electron/core/tokens/host-process';
import { TokenService } from '../electron/core/tokens/token-service';
import { makeTokenFolder, softhsmModule } from '../tests/support/softhsm';
import { makeTestKey } from '../tests/support/test-keys';
import { nodeDigester, nodeSignatureVerifier } from '../electron/core/crypto/node-crypto';
import { makeEnvelope } from '../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../shared/dsse/pae';
import { loadPolicy } from '../shared/policy/policy';
import { buildReleaseStatement, freezeStatement } from '../shared/statement/statement';
import { verifyRelease } from '../shared/verify/verify';
import { cleanupAll, mebibyte, median, megabytes, onCleanup, positiveNumber, print, row, timed, tool } from './support';
import { benchCli } from './cli';
import { benchPages } from './pages';
import { benchHistory, benchStartup } from './window';

const hashMib = positiveNumber('CONCLAVE_BENCH_HASH_MIB', 1024);
const artifactMb = positiveNumber('CONCLAVE_BENCH_ARTIFACT_MB', 25);
// The bench runs the sources (tsx), which have no worker of their own: the built one is used, as the app uses it.
const builtHashWorker = fileURLToPath(new URL('../out/main/hash-worker.js', import.meta.url));
const repeats = positiveNumber('CONCLAVE_BENCH_REPEATS', 3);
const signatures = positiveNumber('CONCLAVE_BENCH_SIGNATURES', 50);
const parts = ['hashing', 'signing', 'verifying', 'startup', 'history', 'cli', 'pages'];
const only = process.env.CONCLAVE_BENCH_ONLY || undefined;

// Stopped (Ctrl-C, kill, a closed terminal): the temp folders still go; a run killed outright (SIGKILL) leaves them.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.once(signal, () => {
    cleanupAll();
    process.exit(code);
  });
}

async function main(): Promise<void> {
  if (only && !parts.includes(only)) throw new Error(`CONCLAVE_BENCH_ONLY must be one of ${parts.join(', ')}, not "${only}".`);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  print(`Conclave benchmark: Node ${process.version} (OpenSSL ${process.versions.openssl}), ${availableParallelism()} cores, ${cpu}`);
  print(`${tool('openssl', ['version']).trim()}; median of ${repeats} rounds after a warm-up round\n`);
  try {
    if (!only || only === 'hashing') await benchHashing();
    if (!only || only === 'signing') await benchSigning();
    if (!only || only === 'verifying') await benchVerifying();
    if (!only || only === 'startup') await benchStartup();
    if (!only || only === 'history') await benchHistory();
    if (!only || only === 'cli') await benchCli();
    if (!only || only === 'pages') await benchPages();
  } finally {
    cleanupAll();
  }
}

// (a) ------------------------------------------------------------------------

async function benchHashing(): Promise<void> {
  const bytes = Math.round(hashMib * mebibyte);
  print(`(a) SHA-256 of a ${hashMib} MiB file of random bytes (in the page cache after the warm-up)`);
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'artifact.bin');
  writeRandomFile(path, bytes);

  const contenders: { name: string; run: () => Promise<string> }[] = [
    { name: 'conclave hashFile', run: async () => (await hashFile(path)).digests.sha256 },
    { name: 'openssl dgst -sha256', run: async () => tool('openssl', ['dgst', '-sha256', '-r', path]).split(' ')[0]! },
    { name: 'sha256sum', run: async () => tool('sha256sum', [path]).split(' ')[0]! },
  ];
  // Warm-up, and a check that everyone hashed the same bytes to the same digest.
  const digests = new Set<string>();
  for (const contender of contenders) digests.add(await contender.run());
  if (digests.size !== 1) throw new Error(`The tools disagree about the digest: ${[...digests].join(', ')}`);

  // Rounds interleave the tools, so that a noisy neighbour slows them all alike.
  const seconds = contenders.map(() => [] as number[]);
  for (let round = 0; round < repeats; round++) {
    for (const [index, contender] of contenders.entries()) seconds[index]!.push(await timed(contender.run));
  }
  const rates = seconds.map((times) => bytes / median(times));
  for (const [index, contender] of contenders.entries()) {
    print(row(contender.name, `${median(seconds[index]!).toFixed(3)} s`, `${megabytes(rates[index]!)} MB/s`));
  }
  const limit = opensslSpeedSha256();
  print(row(`openssl speed -evp sha256 (${limit.blockBytes}-byte blocks)`, 'compute limit', `${megabytes(limit.bytesPerSecond)} MB/s`));
  const [conclave, openssl] = [rates[0]!, rates[1]!];
  print(row('conclave / openssl dgst', `${(conclave / openssl).toFixed(2)}×`, 'goal: above 1'));
  print(row('conclave / openssl speed', `${(conclave / limit.bytesPerSecond).toFixed(2)}`, 'goal: at least 0.8'));
  print('');
  await benchArtifactsInParallel(dir);
}

/** An opening's several artifacts: hashed side by side on worker threads (issue 15) against sha256sum of each in turn. */
async function benchArtifactsInParallel(dir: string): Promise<void> {
  const count = 4;
  const bytes = Math.round(artifactMb * 1_000_000);
  print(`(a) SHA-256 of ${count} artifacts of ${artifactMb} MB each, as an opening hashes them (${availableParallelism()} cores)`);
  if (!existsSync(builtHashWorker)) {
    print(`    skipped: ${builtHashWorker} is missing (run "npm run build" first)\n`);
    return;
  }
  const paths = Array.from({ length: count }, (_, index) => join(dir, `artifact-${index + 1}.tgz`));
  for (const path of paths) writeRandomFile(path, bytes);
  const joined = (digests: string[]) => digests.join(' ');
  const digestsOf = (outcomes: FileHashOutcome<'sha256'>[]) => joined(outcomes.map((outcome) => (outcome.ok ? outcome.digest.digests.sha256 : outcome.error.message)));
  const threads = threadsFor(paths.map(() => bytes), availableParallelism());
  const contenders: { name: string; note: string; run: () => Promise<string> }[] = [
    {
      name: 'conclave hashFiles, as an opening calls it',
      note: threads > 1 ? `${threads} threads` : `on its own thread: ${count * artifactMb} MB is under 2 × ${defaultBytesPerThread / mebibyte} MiB`,
      run: async () => digestsOf(await hashFilesOnThreads(paths, { algorithms: ['sha256'], stopAtFirstFailure: true }, builtHashWorker)),
    },
    {
      name: `conclave on ${Math.min(count, availableParallelism())} worker threads in parallel`,
      note: 'a thread per core, whatever the size',
      run: async () => digestsOf(await hashFilesOnThreads(paths, { algorithms: ['sha256'], stopAtFirstFailure: true, bytesPerThread: 1 }, builtHashWorker)),
    },
    { name: 'conclave on the calling thread', note: 'one file after another', run: async () => digestsOf(await hashFilesHere(paths, { algorithms: ['sha256'] })) },
    { name: `sha256sum × ${count}, one after another`, note: 'a process per file', run: async () => joined(paths.map((path) => tool('sha256sum', [path]).split(' ')[0]!)) },
    { name: `sha256sum of the ${count} in one process`, note: 'reference', run: async () => joined(tool('sha256sum', paths).trim().split('\n').map((line) => line.split(' ')[0]!)) },
  ];
  const digests = new Set<string>();
  for (const contender of contenders) digests.add(await contender.run());
  if (digests.size !== 1) throw new Error(`The tools disagree about the digests: ${[...digests].join(' / ')}`);
  const seconds = contenders.map(() => [] as number[]);
  for (let round = 0; round < repeats; round++) {
    for (const [index, contender] of contenders.entries()) seconds[index]!.push(await timed(contender.run));
  }
  const times = seconds.map(median);
  for (const [index, contender] of contenders.entries()) {
    print(row(contender.name, `${times[index]!.toFixed(3)} s`, `${megabytes((count * bytes) / times[index]!)} MB/s; ${contender.note}`));
  }
  print(row('sha256sum in turn / conclave hashFiles', `${(times[3]! / times[0]!).toFixed(2)}×`, 'goal: above 1'));
  print(row('calling thread / worker threads', `${(times[2]! / times[1]!).toFixed(2)}×`, `above 1 once threads pay for their start (up to ${Math.min(count, availableParallelism())}× on idle cores)`));
  print('');
}

function writeRandomFile(path: string, bytes: number): void {
  const chunk = Buffer.allocUnsafe(16 * mebibyte);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const length = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, length);
      written += writeSync(fd, chunk, 0, length);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The median of a few rounds of `openssl speed` at its largest standard block
 * size, 16 KiB, where per-call overhead is smallest. Only that size is run
 * (-bytes): the other five would add 15 s per round and are not used.
 */
function opensslSpeedSha256(): { blockBytes: number; bytesPerSecond: number } {
  const runs: { blockBytes: number; bytesPerSecond: number }[] = [];
  for (let round = 0; round < repeats; round++) runs.push(parseOpensslSpeed(tool('openssl', ['speed', '-evp', 'sha256', '-bytes', '16384', '-seconds', '2'])));
  return { blockBytes: runs[0]!.blockBytes, bytesPerSecond: median(runs.map((run) => run.bytesPerSecond)) };
}

/**
 * Reads the table `openssl speed` ends with (one column per block size; with -bytes, one column):
 *   type             16 bytes     64 bytes ... 16384 bytes
 *   sha256           89930.83k   301883.39k ... 1728823.30k
 * where figures are thousands of bytes per second.
 */
function parseOpensslSpeed(output: string): { blockBytes: number; bytesPerSecond: number } {
  const lines = output.split('\n');
  const header = lines.findIndex((line) => /^type\s+\d+ bytes/.test(line));
  const values = lines.slice(header + 1).find((line) => /^sha(2-)?256\s/i.test(line));
  if (header < 0 || !values) throw new Error(`Cannot read the output of openssl speed:\n${output}`);
  const blocks = [...lines[header]!.matchAll(/(\d+) bytes/g)].map((match) => Number(match[1]));
  const figures = values.trim().split(/\s+/).slice(1).map((figure) => Number.parseFloat(figure) * (figure.endsWith('k') ? 1000 : 1));
  const largest = blocks.indexOf(Math.max(...blocks));
  return { blockBytes: blocks[largest]!, bytesPerSecond: figures[largest]! };
}

// (b) ------------------------------------------------------------------------

async function benchSigning(): Promise<void> {
  print(`(b) ECDSA P-256 signatures over SHA-256 on one SoftHSM2 token, ${signatures} per round, one after another`);
  if (!softhsmModule) {
    print('    skipped: SoftHSM2 is not installed (apt-get install softhsm2)\n');
    return;
  }
  const pin = '1234';
  const folder = makeTokenFolder();
  onCleanup(() => folder.cleanup());
  folder.addToken('bench', pin);
  const env = { ...process.env, ...folder.env };
  const service = new TokenService(forkHostLauncher, env);
  onCleanup(() => service.dispose());
  await service.addModule({ path: softhsmModule, origin: 'discovered', env: folder.env });
  const token = service.snapshotModules()[0]?.tokens.find((candidate) => candidate.label === 'bench');
  if (!token) throw new Error('The benchmark token did not appear in the token service.');
  const key = await service.generateKey(token.uri, 'bench-p256', 'ecdsa-p256', pin);

  // Both sign the same thing: SoftHSM2 offers CKM_ECDSA over a digest, so the host hashes and the token signs the digest.
  const payload = randomBytes(256);
  const digestPath = join(folder.dir, 'payload.sha256');
  writeFileSync(digestPath, createHash('sha256').update(payload).digest());
  const signaturePath = join(folder.dir, 'signature.der');
  const pkcs11Tool = () =>
    tool('pkcs11-tool', ['--module', softhsmModule!, '--token-label', 'bench', '--login', '--pin', pin, '--sign', '--mechanism', 'ECDSA', '--id', key.id, '--signature-format', 'openssl', '--input-file', digestPath, '--output-file', signaturePath], env);
  const conclaveSign = async () => (await service.sign(key.uri, payload, pin)).signature;

  // Warm-up, and proof that both made signatures OpenSSL accepts for this key.
  const verifies = (signature: Uint8Array) => createVerify('sha256').update(payload).verify(key.publicKeyPem, signature);
  for (let count = 0; count < 3; count++) {
    if (!verifies(await conclaveSign())) throw new Error('A token service signature does not verify.');
    pkcs11Tool();
    if (!verifies(readFileSync(signaturePath))) throw new Error('A pkcs11-tool signature does not verify.');
  }

  const rates: [number[], number[]] = [[], []];
  for (let round = 0; round < repeats; round++) {
    rates[0].push(signatures / (await timed(async () => { for (let count = 0; count < signatures; count++) await conclaveSign(); })));
    rates[1].push(signatures / (await timed(async () => { for (let count = 0; count < signatures; count++) pkcs11Tool(); })));
  }
  const [conclave, pkcs11] = [median(rates[0]), median(rates[1])];
  print(row('conclave token service (host process)', `${conclave.toFixed(1)} ops/s`, `${(1000 / conclave).toFixed(2)} ms each`));
  print(row('pkcs11-tool --sign (process per signature)', `${pkcs11.toFixed(1)} ops/s`, `${(1000 / pkcs11).toFixed(2)} ms each`));
  print(row('conclave / pkcs11-tool', `${(conclave / pkcs11).toFixed(2)}×`, 'both log in for each signature'));
  print('');
}

// (c) ------------------------------------------------------------------------

/**
 * The whole `conclave verify` pipeline (parse, statement, five signatures over
 * PAE, duplicates, policy) against only the five raw signature checks, the
 * floor any verifier pays. The difference is what our own steps cost.
 */
async function benchVerifying(): Promise<void> {
  const envelopes = Math.max(20, Math.round(signatures * 4));
  print(`(c) Verifying a DSSE envelope with 5 ECDSA P-256 signatures, ${envelopes} envelopes per round`);
  const approvers = Array.from({ length: 5 }, (_, index) => ({ id: `approver-${index + 1}`, key: makeTestKey('ecdsa-p256') }));
  const policy = await loadPolicy({ version: 1, threshold: 5, approvers: approvers.map(({ id, key }) => ({ id, publicKey: key.publicKeyPem })) }, nodeDigester);
  const now = new Date();
  const statement = freezeStatement(
    buildReleaseStatement({
      release: { name: 'bench', version: '1.0.0' },
      artifacts: [{ name: 'bench.bin', digest: { sha256: createHash('sha256').update('bench').digest('hex') } }],
      ceremony: { id: 'c-20261122-benchbench', openedAt: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() + 3600_000), openedBy: 'bench' },
      policy,
      provenance: [],
      sboms: [],
      findings: [],
      frozenAt: now,
    }),
  );
  const signed = pae(inTotoPayloadType, statement);
  const envelope = JSON.stringify(makeEnvelope(inTotoPayloadType, statement, approvers.map(({ key }) => ({ keyid: key.keyId, signature: key.sign(signed) }))));
  const publicKeys = approvers.map(({ key }) => createPublicKey(key.publicKeyPem));
  const rawSignatures = JSON.parse(envelope).signatures.map((entry: { sig: string }) => Buffer.from(entry.sig, 'base64'));

  const pipeline = async () => {
    const report = await verifyRelease({ envelope, policy }, { signatureVerifier: nodeSignatureVerifier });
    if (!report.ok) throw new Error(`The benchmark envelope does not verify: ${report.failures.map((failure) => failure.message).join('; ')}`);
  };
  const raw = async () => {
    for (const [index, publicKey] of publicKeys.entries()) {
      if (!verifyOneShot('sha256', signed, publicKey, rawSignatures[index]!)) throw new Error('A raw signature does not verify.');
    }
  };
  await pipeline();
  await raw();
  const rates: [number[], number[]] = [[], []];
  for (let round = 0; round < repeats; round++) {
    rates[0].push(envelopes / (await timed(async () => { for (let count = 0; count < envelopes; count++) await pipeline(); })));
    rates[1].push(envelopes / (await timed(async () => { for (let count = 0; count < envelopes; count++) await raw(); })));
  }
  const [conclave, floor] = [median(rates[0]), median(rates[1])];
  print(row('conclave verifier (whole pipeline)', `${conclave.toFixed(0)} env/s`, `${(1000 / conclave).toFixed(2)} ms each`));
  print(row('5 × crypto.verify over the same PAE bytes', `${floor.toFixed(0)} env/s`, `${(1000 / floor).toFixed(2)} ms each`));
  print(row('conclave / raw', `${(conclave / floor).toFixed(2)}`, 'the rest is parsing, policy and bookkeeping'));
  print('');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    cleanupAll();
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
