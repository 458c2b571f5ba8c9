/**
 * The names in the API contract, without their schemas: what the sandboxed
 * preload needs to refuse anything else, without bundling the schema library.
 * contract.ts checks at compile time that these lists match its calls and events.
 */
export const callNames = [
  'app.info',
  'tokens.list',
  'modules.add',
  'modules.confirmAdd',
  'modules.remove',
  'keys.list',
  'tokens.login',
  'keys.generate',
  'demo.create',
  'ceremonies.page',
  'ceremonies.get',
  'ceremonies.open',
  'operations.cancel',
  'ceremonies.freeze',
  'ceremonies.signingKeys',
  'policies.signingKeys',
  'ceremonies.approve',
  'ceremonies.reject',
  'ceremonies.withdraw',
  'ceremonies.cancel',
  'ceremonies.publish',
  'ceremonies.publishForecast',
  'ceremonies.verify',
  'ceremonies.export',
  'ceremonies.import',
  'history.page',
  'history.report',
  'policies.list',
  'policies.inspect',
  'policies.import',
  'policies.createDemo',
  'files.pick',
  'files.list',
  'settings.get',
  'settings.registries',
  'settings.setInsecureRegistries',
  'files.reveal',
  'repository.status',
  'repository.audit',
  'repository.sync',
  'repository.stopSync',
  'repository.setRemote',
  'repository.removeRemote',
  'preflight.opening',
  'preflight.signing',
] as const;
export const eventNames = ['tokens.changed', 'token.inserted', 'token.removed', 'ceremony.changed', 'ceremonies.indexed', 'operation.progress', 'repository.changed'] as const;

export type CallName = (typeof callNames)[number];
export type EventName = (typeof eventNames)[number];

/** A call's namespace, the part before its dot ("ceremonies" of "ceremonies.approve"): the core has one room of handlers per namespace. */
type RoomOf<C extends string> = C extends `${infer Room}.${string}` ? Room : never;
export type RoomName = RoomOf<CallName>;
/** The calls of one namespace, derived from the list above: nothing else lists them. */
export type CallsOfRoom<R extends RoomName> = Extract<CallName, `${R}.${string}`>;

export function isCallName(value: unknown): value is CallName {
  return typeof value === 'string' && (callNames as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value);
}
