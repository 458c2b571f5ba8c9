import { describe, expect, it } from 'vitest';
import { homePathOf, isLocalPath, isRelativeLocalPath, namesOtherAccountsHome } from './remote-url';

describe('a git remote URL, by git\'s rule', () => {
  it('is a path on this machine without a scheme or a host before a colon', () => {
    for (const url of ['/srv/git/team.git', '../shared.git', 'shared.git', './a:b.git', 'C:\\repos\\team.git', 'C:/repos/team.git']) expect(isLocalPath(url), url).toBe(true);
    for (const url of ['git@example.org:team/ceremonies.git', 'example.org:ceremonies.git', 'https://example.org/team.git', 'ssh://git@example.org/team.git', 'file:///srv/git/team.git']) expect(isLocalPath(url), url).toBe(false);
  });

  it('is relative when git would read it from the store folder', () => {
    for (const url of ['../shared.git', 'shared.git', './team.git', '~/team.git']) expect(isRelativeLocalPath(url), url).toBe(true);
    for (const url of ['/srv/git/team.git', 'C:\\repos\\team.git', 'git@example.org:team.git', 'https://example.org/team.git', 'file:///srv/team.git']) expect(isRelativeLocalPath(url), url).toBe(false);
  });

  it('is under the home folder when it starts with ~/ as a shell would expand it, and names another account with ~name', () => {
    expect(homePathOf('~/team.git', '/home/ana')).toBe('/home/ana/team.git');
    expect(homePathOf('~/git/team.git', '/home/ana/')).toBe('/home/ana/git/team.git');
    expect(homePathOf('~', '/home/ana')).toBe('/home/ana');
    for (const url of ['~ana/team.git', './~/team.git', 'team~/x.git', '/srv/~/team.git', 'git@example.org:~/team.git']) expect(homePathOf(url, '/home/ana'), url).toBeUndefined();
    expect(namesOtherAccountsHome('~ana/team.git')).toBe(true);
    for (const url of ['~/team.git', '~', 'ana@example.org:~ana/team.git', '~host:team.git']) expect(namesOtherAccountsHome(url), url).toBe(false);
  });
});
