/** Where a busy flag or an error belongs: one key per operation, and per token or module where it has one. */
export const op = {
  load: 'tokens.list',
  addModule: 'modules.add',
  createDemo: 'demo.create',
  removeModule: (moduleId: string) => `modules.remove:${moduleId}`,
  listKeys: (tokenUri: string) => `keys.list:${tokenUri}`,
  login: (tokenUri: string) => `tokens.login:${tokenUri}`,
  generate: (tokenUri: string) => `keys.generate:${tokenUri}`,
} as const;
