import { describe, expect, it } from 'vitest';
import { approvalTimeText, clockTime, imageArtifactView } from '../../renderer/src/features/ceremony/format';
import { calls } from '../../shared/api/contract';
import { detail } from './ceremony-fixtures';

/** 14:05:12 on this machine's clock, whatever its time zone. */
const localAfternoon = new Date(2025, 0, 2, 14, 5, 12).toISOString();

describe('the time of an approval on the timeline', () => {
  it('says when it was signed by the TSA clock, as a 24-hour local time', () => {
    expect(clockTime(localAfternoon)).toBe('14:05:12');
    expect(approvalTimeText({ type: 'approved', trustedTime: localAfternoon })).toBe('signed 14:05:12 (trusted time from the TSA)');
  });

  it('says why there is no trusted time', () => {
    expect(approvalTimeText({ type: 'approved', timeNote: 'the policy names no time-stamping authority' })).toBe('no trusted time: the policy names no time-stamping authority');
  });

  it('says nothing about time for other events, nor for an approval the core said nothing about', () => {
    expect(approvalTimeText({ type: 'rejected', timeNote: 'x' })).toBeUndefined();
    expect(approvalTimeText({ type: 'approved' })).toBeUndefined();
    expect(clockTime('not a date')).toBe('not a date');
  });

  it('is carried by the contract: trusted time, the note and the certificate identity of a timeline entry', () => {
    const entry = { at: localAfternoon, type: 'approved' as const, actor: 'dana', signature: 'valid' as const, trustedTime: localAfternoon, actorDetail: 'certificate CN=Dana (dana@example.com)' };
    const parsed = calls['ceremonies.get'].output.parse({ ...detail(), timeline: [entry, { ...entry, trustedTime: undefined, timeNote: 'no time stamp' }] });
    expect(parsed.timeline[0]).toMatchObject({ trustedTime: localAfternoon, actorDetail: 'certificate CN=Dana (dana@example.com)' });
    expect(parsed.timeline[1]?.timeNote).toBe('no time stamp');
  });
});

describe('an image in the artifact list', () => {
  const sha = 'b'.repeat(64);
  const artifact = { name: 'ghcr.io/acme/app', sha256: sha };

  it('shows the pinned reference and the tag it was resolved from', () => {
    const findings = [{ id: 'image-resolved:ghcr.io/acme/app', status: 'pass' as const, message: `The image ghcr.io/acme/app:1.2.3 resolved to sha256:${sha} (application/vnd.oci.image.index.v1+json, 512 bytes) when the ceremony opened. The ceremony signs that digest, not the tag: moving the tag later changes nothing that is approved.` }];
    expect(imageArtifactView(artifact, findings)).toEqual({ pinned: `ghcr.io/acme/app@sha256:${sha}`, resolvedFrom: 'ghcr.io/acme/app:1.2.3' });
  });

  it('has no tag to show for an image given by digest, and is not an image without the finding', () => {
    const findings = [{ id: 'image-resolved:ghcr.io/acme/app', status: 'pass' as const, message: `The image ghcr.io/acme/app@sha256:${sha} is in the registry (application/vnd.oci.image.manifest.v1+json, 400 bytes). The ceremony signs this digest.` }];
    expect(imageArtifactView(artifact, findings)).toEqual({ pinned: `ghcr.io/acme/app@sha256:${sha}` });
    expect(imageArtifactView({ name: 'app.tgz', sha256: sha }, [])).toBeUndefined();
  });
});
