/**
 * PKCS#11 return values, turned into what the person at the screen needs:
 * what happened to which token, and what to do now.
 */
import { ConclaveError, type ErrorDetails } from '../../../../shared/errors';
import type { FamilyProfile } from './families';
import { howToChangePin, triesLeftSentence, type PinState } from './pin-state';

/** The CKR_* values Conclave explains (PKCS#11 v2.40 §11.1). */
export const ckr = {
  SLOT_ID_INVALID: 0x3,
  HOST_MEMORY: 0x2,
  GENERAL_ERROR: 0x5,
  FUNCTION_FAILED: 0x6,
  ARGUMENTS_BAD: 0x7,
  ATTRIBUTE_VALUE_INVALID: 0x13,
  DEVICE_ERROR: 0x30,
  DEVICE_MEMORY: 0x31,
  DEVICE_REMOVED: 0x32,
  FUNCTION_CANCELED: 0x50,
  FUNCTION_NOT_SUPPORTED: 0x54,
  OBJECT_HANDLE_INVALID: 0x82,
  KEY_TYPE_INCONSISTENT: 0x63,
  KEY_FUNCTION_NOT_PERMITTED: 0x68,
  MECHANISM_INVALID: 0x70,
  MECHANISM_PARAM_INVALID: 0x71,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  SESSION_CLOSED: 0xb0,
  SESSION_COUNT: 0xb1,
  SESSION_HANDLE_INVALID: 0xb3,
  TEMPLATE_INCOMPLETE: 0xd0,
  TEMPLATE_INCONSISTENT: 0xd1,
  TOKEN_NOT_PRESENT: 0xe0,
  TOKEN_NOT_RECOGNIZED: 0xe1,
  TOKEN_WRITE_PROTECTED: 0xe2,
  USER_ALREADY_LOGGED_IN: 0x100,
  USER_NOT_LOGGED_IN: 0x101,
  USER_PIN_NOT_INITIALIZED: 0x102,
  USER_TYPE_INVALID: 0x103,
  DOMAIN_PARAMS_INVALID: 0x130,
  CURVE_NOT_SUPPORTED: 0x140,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

export interface Pkcs11Failure {
  code: number;
  method: string;
  name: string;
}

/** pkcs11js throws Pkcs11Error with `code` (CKR_*) and `method`; anything else is not a token answer. */
export function asPkcs11Failure(error: unknown): Pkcs11Failure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, method, message } = error as { code?: unknown; method?: unknown; message?: unknown };
  if (typeof code !== 'number' || code === 0) return undefined;
  const name = typeof message === 'string' && /^CKR_\w+/.test(message) ? /^CKR_\w+/.exec(message)![0] : `CKR_0x${code.toString(16)}`;
  return { code, method: typeof method === 'string' ? method : 'unknown', name };
}

export interface FailureContext {
  /** The token's label, as people know it. */
  token?: string;
  /** What Conclave was doing, e.g. "making an Ed25519 key". */
  doing: string;
  /** The PIN's state read from the token's flags after the failure (pin-state.ts), for tries left. */
  pin?: PinState;
  /** The token no longer answered after the failure (checked by the host): it went away mid-operation. */
  tokenGone?: boolean;
  /** The module's path, for the command that changes a PIN. */
  modulePath?: string;
  /** The module's family (families.ts): its services, whether its tokens can be unplugged, how its PINs unlock. */
  profile?: FamilyProfile;
  /** The environment the module runs in (where its services are configured). */
  env?: NodeJS.ProcessEnv;
}

/** Answers that mean the module lost what is behind it: the device, or the service it talks to. */
export const lostContactCodes: ReadonlySet<number> = new Set<number>([ckr.GENERAL_ERROR, ckr.FUNCTION_FAILED, ckr.HOST_MEMORY, ckr.DEVICE_ERROR, ckr.DEVICE_REMOVED, ckr.TOKEN_NOT_PRESENT, ckr.TOKEN_NOT_RECOGNIZED]);

/**
 * When the module's service (pcscd, pkcsslotd, the TPM's resource manager) is
 * not running, that is the cause to name, with the command that starts it,
 * rather than "re-plug the token" (issue 13). Code "unavailable": Conclave
 * tries the module again by itself (token-service.ts), so it recovers once
 * the service is back.
 */
export function missingServiceError(profile: FamilyProfile | undefined, env: NodeJS.ProcessEnv, failure: Pkcs11Failure | undefined, doing: string): ConclaveError | undefined {
  const service = profile?.service;
  if (!service || service.running(env) !== false) return undefined;
  return new ConclaveError(
    'unavailable',
    `${profile.name} cannot work without ${service.name}, which is not running${failure ? ` (it answered ${failure.name} while Conclave was ${doing})` : ''}. Start it: ${service.start}. Conclave tries again by itself.`,
    { ...(failure ? { pkcs11: failure.name } : {}), cause: 'service-not-running' },
  );
}

export function explainPkcs11Failure(failure: Pkcs11Failure, context: FailureContext): ConclaveError {
  const token = context.token ? `token "${context.token}"` : 'the token';
  const Token = token[0]!.toUpperCase() + token.slice(1);
  const details = { pkcs11: failure.name };
  const unlock = context.profile ? `${context.profile.unlock}, then try again.` : 'Unblock it with its PUK or security officer PIN (for a YubiKey: ykman piv access unblock-pin), then try again.';
  if (lostContactCodes.has(failure.code)) {
    const missing = missingServiceError(context.profile, context.env ?? process.env, failure, context.doing);
    if (missing) return missing;
  }
  if (context.tokenGone && lostContactCodes.has(failure.code) && !context.profile?.service) {
    const gone = context.profile && !context.profile.removable
      ? `${Token} (${context.profile.name}) went away while Conclave was ${context.doing}: it no longer answers (deleted, or its store became unreadable). Nothing was changed. Check that it is still there (conclave tokens), then try again.`
      : `${Token} was removed while Conclave was ${context.doing}. Nothing was changed; plug it back in and try again.`;
    return new ConclaveError('token-removed', gone, { ...details, cause: 'token-gone' });
  }
  // Answers a family gives where the standard means something else (families.ts, quirks).
  const quirks = context.profile?.quirks;
  if (failure.code === ckr.ARGUMENTS_BAD && failure.method === 'C_Login' && quirks?.loginArgumentsBad) {
    return new ConclaveError('pin-invalid', `${Token} refused the PIN's format. ${quirks.loginArgumentsBad}`, { ...details, cause: 'pin-format' });
  }
  if (failure.code === ckr.USER_TYPE_INVALID && failure.method === 'C_GenerateKeyPair' && quirks?.keygenUserTypeInvalid) {
    return new ConclaveError('pin-invalid', `${Token} makes keys only after its management key, not the PIN. ${quirks.keygenUserTypeInvalid}`, { ...details, cause: 'management-key-needed' });
  }
  switch (failure.code) {
    case ckr.SESSION_COUNT:
      // yubihsm_pkcs11: YHR_DEVICE_SESSIONS_FULL, the device's 16 sessions for all applications together
      // (yubihsm-shell lib/yubihsm.h:108, pkcs11/util_pkcs11.c:118-119); ykcs11 likewise allows 16.
      return new ConclaveError(
        'token-error',
        `All the sessions ${token} allows are in use by other applications${context.profile?.family === 'yubihsm' ? ' (a YubiHSM 2 has 16 sessions for all applications together)' : ''}, so Conclave could not log in. Close the other programs using it (yubihsm-shell, other signing tools) or wait for their sessions to time out, then try again.`,
        { ...details, cause: 'sessions-in-use' },
      );
    case ckr.PIN_INCORRECT: {
      const pin = context.pin;
      if (pin?.status === 'locked') {
        return new ConclaveError('pin-locked', `The PIN was wrong and ${token} is now locked. ${unlock}`, details);
      }
      const triesLeft: ErrorDetails['triesLeft'] = pin?.locks === false ? undefined : pin?.status === 'final-try' ? 'final' : pin?.status === 'count-low' ? 'low' : 'several';
      const change = pin?.mustChange ? ` The token also says its PIN must be changed before it signs: ${howToChangePin(context.profile, context.modulePath)}.` : '';
      // The number only where the token's flags stand for one (pin-state.ts): a count of "few" is never invented.
      const triesLeftCount = triesLeft && triesLeft !== 'several' ? pin?.triesLeft : undefined;
      return new ConclaveError('pin-incorrect', `The PIN for ${token} is wrong.${triesLeftSentence(pin)} Check it and try again.${change}`, {
        ...details,
        ...(triesLeft ? { triesLeft } : {}),
        ...(triesLeftCount !== undefined ? { triesLeftCount } : {}),
      });
    }
    case ckr.PIN_EXPIRED:
      // PKCS#11 v2.40 §5.6 (C_Login) and CKF_USER_PIN_TO_BE_CHANGED: the PIN is right but the token wants a new one first.
      return new ConclaveError('pin-invalid', `The PIN of ${token} has expired: the token wants it changed before it signs. Change it (${howToChangePin(context.profile, context.modulePath)}), then try again with the new PIN.`, {
        ...details,
        cause: 'pin-expired',
      });
    case ckr.PIN_LOCKED:
      return new ConclaveError('pin-locked', `The PIN of ${token} is locked after too many wrong tries. ${unlock}`, details);
    case ckr.PIN_INVALID:
    case ckr.PIN_LEN_RANGE:
      return new ConclaveError('pin-invalid', `${Token} does not accept a PIN of that length or with those characters. Check which PIN it expects (a YubiHSM 2 wants the 4-digit key id followed by the password, e.g. 0001password).`, details);
    case ckr.USER_PIN_NOT_INITIALIZED:
      return new ConclaveError('pin-invalid', `${Token} has no usable user PIN yet. Set one with the token's own tool, then try again.`, details);
    case ckr.DEVICE_REMOVED:
    case ckr.TOKEN_NOT_PRESENT:
    case ckr.SLOT_ID_INVALID:
    case ckr.SESSION_CLOSED:
    case ckr.SESSION_HANDLE_INVALID:
    case ckr.TOKEN_NOT_RECOGNIZED:
      if (context.profile && !context.profile.removable) {
        return new ConclaveError('token-removed', `${Token} (${context.profile.name}) stopped answering while Conclave was ${context.doing}. Nothing was changed; try again.`, details);
      }
      return new ConclaveError('token-removed', `${Token} was removed or stopped answering while Conclave was ${context.doing}. Nothing was changed; plug it back in and try again.`, details);
    case ckr.MECHANISM_INVALID:
    case ckr.MECHANISM_PARAM_INVALID:
    case ckr.FUNCTION_NOT_SUPPORTED:
    case ckr.DOMAIN_PARAMS_INVALID:
    case ckr.CURVE_NOT_SUPPORTED:
    case ckr.TEMPLATE_INCONSISTENT:
    case ckr.ATTRIBUTE_VALUE_INVALID:
      return new ConclaveError('mechanism-unsupported', `${Token} does not support ${context.doing}. Choose another algorithm (ECDSA P-256 works on almost every token).`, details);
    case ckr.KEY_TYPE_INCONSISTENT:
    case ckr.KEY_FUNCTION_NOT_PERMITTED:
      return new ConclaveError('key-type-unsupported', `That key on ${token} cannot be used for ${context.doing}. Use a signing key (ECDSA, RSA or Ed25519) made for signing.`, details);
    case ckr.USER_NOT_LOGGED_IN:
      return new ConclaveError('login-required', `${Token} did not confirm ${context.doing}. If it has a touch sensor, touch it when it blinks, then try again.`, details);
    case ckr.FUNCTION_CANCELED:
      return new ConclaveError('token-error', `${context.doing[0]!.toUpperCase()}${context.doing.slice(1)} was cancelled on ${token}. Nothing was changed.`, details);
    case ckr.DEVICE_MEMORY:
      return new ConclaveError('token-error', `${Token} is full. Delete keys you no longer need with the token's own tool, then try again.`, details);
    case ckr.TOKEN_WRITE_PROTECTED:
      return new ConclaveError('token-error', `${Token} is write-protected, so Conclave cannot store a key on it.`, details);
    default:
      if (context.profile?.service && lostContactCodes.has(failure.code)) {
        // The service could not be checked from here (a TCTI of the person's own, a connector): name it anyway.
        return new ConclaveError('token-error', `${Token} (${context.profile.name}) answered ${failure.name} while Conclave was ${context.doing}: most often ${context.profile.service.name} stopped answering. Check that it runs (${context.profile.service.start}), then try again.`, { ...details, cause: 'service-lost' });
      }
      if (context.profile && !context.profile.removable) {
        return new ConclaveError('token-error', `${Token} (${context.profile.name}) answered ${failure.name} while Conclave was ${context.doing}. Try again; if it keeps happening, check the module's own log.`, details);
      }
      return new ConclaveError('token-error', `${Token} answered ${failure.name} while Conclave was ${context.doing}. Try again; if it keeps happening, re-plug the token.`, details);
  }
}
