import { describe, expect, it } from 'vitest';
import { artifactPlaceholder, verifyCommand, verifyCommands } from './verify-command';

describe('verifyCommand', () => {
  it('names the policy, the envelope, each bundle and each artifact by the paths given, quoted for sh', () => {
    expect(
      verifyCommand({
        policyPath: '/home/ana/Releases/app 1.2.3/app-1.2.3.policy.json',
        envelopePath: '/home/ana/Releases/app 1.2.3/app-1.2.3.intoto.dsse.json',
        bundlePaths: ['/home/ana/Releases/app 1.2.3/app-1.2.3.alice.sigstore.json'],
        files: [
          { name: 'app.tgz', path: '/home/ana/dist/app.tgz' },
          { name: "it's.zip", path: "/home/ana/dist/it's.zip" },
        ],
        images: [],
      }),
    ).toBe(`conclave verify --policy '/home/ana/Releases/app 1.2.3/app-1.2.3.policy.json' --envelope '/home/ana/Releases/app 1.2.3/app-1.2.3.intoto.dsse.json' --bundle '/home/ana/Releases/app 1.2.3/app-1.2.3.alice.sigstore.json' --artifact /home/ana/dist/app.tgz --artifact '/home/ana/dist/it'\\''s.zip'`);
  });

  it('puts a quoted placeholder where an artifact has no known path', () => {
    expect(artifactPlaceholder('app.tgz')).toBe('<path of app.tgz>');
    expect(verifyCommand({ policyPath: '/p.json', envelopePath: '/e.json', bundlePaths: [], files: [{ name: 'app.tgz' }], images: [] })).toBe("conclave verify --policy /p.json --envelope /e.json --artifact '<path of app.tgz>'");
  });

  it('checks each image against its registry, joined with && after the files', () => {
    const input = { policyPath: '/p.json', envelopePath: '/e.json', bundlePaths: [], files: [{ name: 'app.tgz', path: '/a/app.tgz' }], images: ['registry.example/app@sha256:abcd'] };
    expect(verifyCommands(input)).toEqual(['conclave verify --policy /p.json --envelope /e.json --artifact /a/app.tgz', 'conclave verify --policy /p.json oci://registry.example/app@sha256:abcd']);
    expect(verifyCommand(input)).toBe('conclave verify --policy /p.json --envelope /e.json --artifact /a/app.tgz && conclave verify --policy /p.json oci://registry.example/app@sha256:abcd');
    // Images only: no envelope-file command.
    expect(verifyCommands({ ...input, files: [] })).toEqual(['conclave verify --policy /p.json oci://registry.example/app@sha256:abcd']);
  });
});
