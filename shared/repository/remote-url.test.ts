import { describe, expect, it } from 'vitest';
import { isLocalPath, isRelativeLocalPath } from './remote-url';

describe('a git remote URL, by git\'s rule', () => {
  it('is a path on this machine without a scheme or a host before a colon', () => {
    for (const url of ['/srv/git/team.git', '../shared.git', 'shared.git', './a:b.git', 'C:\\repos\\team.git', 'C:/repos/team.git']) expect(isLocalPath(url), url).toBe(true);
    for (const url of ['git@example.org:team/ceremonies.git', 'example.org:ceremonies.git', 'https://example.org/team.git', 'ssh://git@example.org/team.git', 'file:///srv/git/team.git']) expect(isLocalPath(url), url).toBe(false);
  });

  it('is relative when git would read it from the store folder', () => {
    for (const url of ['../shared.git', 'shared.git', './team.git', '~/team.git']) expect(isRelativeLocalPath(url), url).toBe(true);
    for (const url of ['/srv/git/team.git', 'C:\\repos\\team.git', 'git@example.org:team.git', 'https://example.org/team.git', 'file:///srv/team.git']) expect(isRelativeLocalPath(url), url).toBe(false);
  });
});
