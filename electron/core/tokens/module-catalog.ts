/**
 * Where the usual PKCS#11 modules live on each platform: SoftHSM2, YubiKey
 * (ykcs11), OpenSC and YubiHSM 2. Discovery only looks; it never loads.
 */
import { basename } from 'node:path';
import type { ModuleKindName } from '../../../shared/api/contract';

export interface KnownModule {
  kind: ModuleKindName;
  label: string;
  path: string;
}

const labels: Record<ModuleKindName, string> = {
  softhsm2: 'SoftHSM2',
  ykcs11: 'YubiKey (ykcs11)',
  opensc: 'OpenSC smart cards',
  yubihsm: 'YubiHSM 2',
  other: 'PKCS#11 module',
};

function linuxCandidates(arch: string): [ModuleKindName, string][] {
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : arch === 'arm' ? 'arm-linux-gnueabihf' : 'x86_64-linux-gnu';
  return [
    ['softhsm2', '/usr/lib/softhsm/libsofthsm2.so'],
    ['softhsm2', `/usr/lib/${triplet}/softhsm/libsofthsm2.so`],
    ['softhsm2', '/usr/lib64/pkcs11/libsofthsm2.so'],
    ['softhsm2', '/usr/local/lib/softhsm/libsofthsm2.so'],
    ['ykcs11', `/usr/lib/${triplet}/libykcs11.so.2`],
    ['ykcs11', `/usr/lib/${triplet}/libykcs11.so`],
    ['ykcs11', '/usr/lib64/libykcs11.so.2'],
    ['ykcs11', '/usr/local/lib/libykcs11.so'],
    ['opensc', `/usr/lib/${triplet}/opensc-pkcs11.so`],
    ['opensc', '/usr/lib64/opensc-pkcs11.so'],
    ['opensc', '/usr/lib/opensc-pkcs11.so'],
    ['yubihsm', `/usr/lib/${triplet}/pkcs11/yubihsm_pkcs11.so`],
    ['yubihsm', '/usr/lib64/pkcs11/yubihsm_pkcs11.so'],
    ['yubihsm', '/usr/local/lib/pkcs11/yubihsm_pkcs11.so'],
  ];
}

const macCandidates: [ModuleKindName, string][] = [
  ['softhsm2', '/opt/homebrew/lib/softhsm/libsofthsm2.so'],
  ['softhsm2', '/usr/local/lib/softhsm/libsofthsm2.so'],
  ['ykcs11', '/opt/homebrew/lib/libykcs11.dylib'],
  ['ykcs11', '/usr/local/lib/libykcs11.dylib'],
  ['opensc', '/Library/OpenSC/lib/opensc-pkcs11.so'],
  ['opensc', '/opt/homebrew/lib/opensc-pkcs11.so'],
  ['yubihsm', '/usr/local/lib/pkcs11/yubihsm_pkcs11.dylib'],
  ['yubihsm', '/opt/homebrew/lib/pkcs11/yubihsm_pkcs11.dylib'],
];

const windowsCandidates: [ModuleKindName, string][] = [
  ['softhsm2', 'C:\\SoftHSM2\\lib\\softhsm2-x64.dll'],
  ['ykcs11', 'C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll'],
  ['opensc', 'C:\\Windows\\System32\\opensc-pkcs11.dll'],
  ['opensc', 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll'],
  ['yubihsm', 'C:\\Program Files\\Yubico\\YubiHSM Shell\\bin\\pkcs11\\yubihsm_pkcs11.dll'],
];

export function candidateModules(platform: NodeJS.Platform, arch: string): KnownModule[] {
  const list = platform === 'win32' ? windowsCandidates : platform === 'darwin' ? macCandidates : linuxCandidates(arch);
  return list.map(([kind, path]) => ({ kind, path, label: labels[kind] }));
}

/** The modules present on this machine: the first existing path of each kind, plus any other existing path of a different real file. */
export function discoverModules(
  exists: (path: string) => boolean,
  realpath: (path: string) => string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): KnownModule[] {
  const found: KnownModule[] = [];
  const seen = new Set<string>();
  for (const candidate of candidateModules(platform, arch)) {
    if (!exists(candidate.path)) continue;
    const real = realpath(candidate.path);
    if (seen.has(real)) continue; // the same library through another link
    seen.add(real);
    found.push(candidate);
  }
  return found;
}

/** What kind of module a path is, from its file name, for modules the user adds. */
export function kindOfModulePath(path: string): ModuleKindName {
  const name = basename(path).toLowerCase();
  if (name.includes('softhsm')) return 'softhsm2';
  if (name.includes('ykcs11')) return 'ykcs11';
  if (name.includes('opensc')) return 'opensc';
  if (name.includes('yubihsm')) return 'yubihsm';
  return 'other';
}

export function labelOfKind(kind: ModuleKindName): string {
  return labels[kind];
}
