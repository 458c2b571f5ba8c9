/**
 * Two (or more) stores standing for machines, a bare repository standing for
 * the team's remote, software keys standing for tokens, and a git with no
 * configuration of the user's (no identity, no global settings), so the tests
 * see what a fresh machine sees.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../electron/cli';
import type { CliIo } from '../../../electron/cli/io';
import { CeremonyService } from '../../../electron/core/ceremony/ceremony-service';
import { appDataDir } from '../../../electron/core/app-paths';
import { PolicyFolder } from '../../../electron/core/policy-trust/policy-folder';
import { CeremonyStore } from '../../../electron/core/ceremony/event-store';
import { makeDataDir } from '../../support/softhsm';
import { makeTestKey, type TestKey } from '../../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../../support/software-signer';

export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string) => join(projectRoot, 'tests', 'fixtures', 'real', name);
const artifactName = 'binary-linux-amd64-multi-subject-first';

export type Who = 'alice' | 'bob' | 'carol';
export const keyUri = (who: Who) => softwareKeyUri(who);

export interface World {
  dir: string;
  remote: string;
  env: NodeJS.ProcessEnv;
  keys: Record<Who, TestKey>;
  store(name: string): string;
  service(name: string): CeremonyService;
  open(name: string): Promise<string>;
  remoteCommand(name: string, args: string[]): Promise<{ code: number; out: string; err: string }>;
  sync(name: string, args?: string[]): Promise<{ code: number; out: string; err: string }>;
  git(cwd: string, args: string[]): string;
  cleanup(): void;
}

export function makeWorld(): World {
  const home = makeDataDir();
  const dir = home.dir;
  const gitConfig = join(dir, 'gitconfig');
  writeFileSync(gitConfig, '');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of ['GIT_AUTHOR_NAME', 'GIT_COMMITTER_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_EMAIL', 'CONCLAVE_STORE']) delete env[name];
  const remote = join(dir, 'remote.git');
  const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env: { ...env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' }, encoding: 'utf8' });
  git(dir, ['init', '-q', '--bare', remote]);
  const keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p384') };
  const signer = softwareSigner(() => keys);
  const policyPath = join(dir, 'policy.json');
  writeFileSync(
    policyPath,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
    }),
  );
  copyFileSync(fixture(artifactName), join(dir, artifactName));
  const store = (name: string) => join(dir, 'stores', name);
  const io = (sink: { out: string; err: string }): CliIo => ({ out: (text) => (sink.out += text), err: (text) => (sink.err += text), env, interactive: () => false });
  const world: World = {
    dir,
    remote,
    env,
    keys,
    store,
    service: (name) => {
      mkdirSync(store(name), { recursive: true });
      return new CeremonyService(new CeremonyStore(store(name)), signer);
    },
    async open(name) {
      // Every machine of this world trusts the team's policy (its CLI reads the same data folder).
      await new PolicyFolder(appDataDir(env)).trust(readFileSync(policyPath, 'utf8'));
      const { view } = await world.service(name).open({ policyPath, release: { name: 'demo', version: '1.0.0' }, artifactPaths: [join(dir, artifactName)], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: keyUri('carol') });
      return view.id;
    },
    async remoteCommand(name, args) {
      const sink = { out: '', err: '' };
      const code = await runCli(['remote', ...args, '--store', store(name)], io(sink));
      return { code, ...sink };
    },
    async sync(name, args = []) {
      const sink = { out: '', err: '' };
      const code = await runCli(['sync', ...args, '--store', store(name)], io(sink));
      return { code, ...sink };
    },
    git,
    cleanup: () => home.cleanup(),
  };
  return world;
}
