/**
 * What a YubiKey PIV attestation certificate states about the key it
 * certifies, read from Yubico's private extensions (arc 1.3.6.1.4.1.41482.3).
 *
 * Sources (read, not copied): the OIDs as Yubico/yubico-piv-tool lib/ykpiv.h
 * defines them (YKPIV_OID_FIRMWARE_VERSION … YKPIV_OID_FORM_FACTOR); their
 * encodings as ykcs11/openssl_utils.c do_parse_attestation reads the policy
 * (the extension's value is two raw bytes, PIN then touch) and as
 * go-piv/piv-go piv/key.go (Attestation.addExt) reads all four: firmware three
 * raw bytes, serial a DER INTEGER, policy two raw bytes, form factor one raw
 * byte. The policy values are those of Yubico/yubikey-manager yubikit/piv.py
 * (PIN_POLICY, TOUCH_POLICY), the form factors those of yubikit/management.py
 * (FORM_FACTOR, low nibble; piv-go lists the FIPS variants as 0x80 | code).
 * https://developers.yubico.com/PIV/Introduction/PIV_attestation.html
 */
import type { ParsedCertificate } from '../x509/certificate';
import { commonNames } from '../x509/certificate';
import { DerError, contentBytes, integerHex, singleElement } from '../x509/der';

export const yubicoAttestationOids = {
  firmwareVersion: '1.3.6.1.4.1.41482.3.3',
  serialNumber: '1.3.6.1.4.1.41482.3.7',
  /** PIN policy and touch policy, one byte each. */
  usagePolicy: '1.3.6.1.4.1.41482.3.8',
  formFactor: '1.3.6.1.4.1.41482.3.9',
} as const;

/** PIN_POLICY 1–5 (yubikit/piv.py); the match-* policies are the YubiKey Bio's: a fingerprint, or the PIN. */
export const pinPolicies = { 1: 'never', 2: 'once', 3: 'always', 4: 'match-once', 5: 'match-always' } as const;
export type PinPolicy = (typeof pinPolicies)[keyof typeof pinPolicies];
/** TOUCH_POLICY 1–3 (yubikit/piv.py); cached: one touch serves the signatures of the next 15 seconds. */
export const touchPolicies = { 1: 'never', 2: 'always', 3: 'cached' } as const;
export type TouchPolicy = (typeof touchPolicies)[keyof typeof touchPolicies];

export interface YubiKeyFacts {
  /** The device's serial number, as printed on it and as `ykman info` shows it. */
  serial: number;
  firmware: { major: number; minor: number; patch: number };
  pinPolicy: PinPolicy;
  touchPolicy: TouchPolicy;
  /** The raw form factor code, when the certificate has one (firmware 5 and later). */
  formFactor?: number;
  /** "YubiKey 5", "YubiKey 5 FIPS", "YubiKey Bio": what people call the device. */
  model: string;
  /** The PIV slot the key is in, from the subject "YubiKey PIV Attestation 9c", when it says. */
  slot?: string;
}

/** Why the facts cannot be read: the end of a sentence ("its serial number is …"). */
export class YubiKeyFactsError extends Error {}

const extensionValue = (certificate: ParsedCertificate, oid: string) => certificate.extensions.find((extension) => extension.oid === oid)?.value;

function readSerial(value: Uint8Array): number {
  let content: Uint8Array;
  try {
    const tlv = singleElement(value);
    if (tlv.tag !== 0x02) throw new DerError('not an INTEGER');
    content = contentBytes(value, tlv);
  } catch (error) {
    throw new YubiKeyFactsError(`its serial number is not a DER INTEGER (${error instanceof Error ? error.message : String(error)})`);
  }
  // DER: no redundant leading byte, and a serial is never negative.
  if (content.length === 0 || (content.length > 1 && content[0] === 0 && content[1]! < 0x80) || content[0]! >= 0x80) throw new YubiKeyFactsError('its serial number is not a positive DER INTEGER');
  const hex = integerHex(content);
  // Serials are 32-bit (yubikit reads them as an unsigned int); a longer one is not a YubiKey's.
  if (hex.length > 8) throw new YubiKeyFactsError('its serial number is longer than a YubiKey serial');
  return parseInt(hex, 16);
}

function modelOf(firmware: YubiKeyFacts['firmware'], formFactor: number | undefined): string {
  const code = formFactor === undefined ? undefined : formFactor & 0x0f;
  const fips = formFactor !== undefined && (formFactor & 0x80) !== 0 ? ' FIPS' : '';
  // USB_A_BIO 0x06, USB_C_BIO 0x07 (yubikit/management.py FORM_FACTOR).
  if (code === 0x06 || code === 0x07) return `YubiKey Bio${fips}`;
  return `YubiKey ${firmware.major}${fips}`;
}

/** Reads Yubico's extensions from a slot attestation certificate. Throws YubiKeyFactsError when one is missing or malformed. */
export function readYubiKeyFacts(certificate: ParsedCertificate): YubiKeyFacts {
  const firmwareBytes = extensionValue(certificate, yubicoAttestationOids.firmwareVersion);
  if (!firmwareBytes) throw new YubiKeyFactsError('it states no firmware version (extension 1.3.6.1.4.1.41482.3.3)');
  if (firmwareBytes.length !== 3) throw new YubiKeyFactsError(`its firmware version is ${firmwareBytes.length} bytes, not 3`);
  const firmware = { major: firmwareBytes[0]!, minor: firmwareBytes[1]!, patch: firmwareBytes[2]! };

  const serialBytes = extensionValue(certificate, yubicoAttestationOids.serialNumber);
  if (!serialBytes) throw new YubiKeyFactsError('it states no serial number (extension 1.3.6.1.4.1.41482.3.7)');
  const serial = readSerial(serialBytes);

  const policy = extensionValue(certificate, yubicoAttestationOids.usagePolicy);
  if (!policy) throw new YubiKeyFactsError('it states no PIN and touch policy (extension 1.3.6.1.4.1.41482.3.8)');
  if (policy.length !== 2) throw new YubiKeyFactsError(`its PIN and touch policy is ${policy.length} bytes, not 2`);
  const pinPolicy = pinPolicies[policy[0]! as keyof typeof pinPolicies] as PinPolicy | undefined;
  const touchPolicy = touchPolicies[policy[1]! as keyof typeof touchPolicies] as TouchPolicy | undefined;
  if (!pinPolicy) throw new YubiKeyFactsError(`its PIN policy ${policy[0]} is not one Yubico defines`);
  if (!touchPolicy) throw new YubiKeyFactsError(`its touch policy ${policy[1]} is not one Yubico defines`);

  const formFactorBytes = extensionValue(certificate, yubicoAttestationOids.formFactor);
  if (formFactorBytes && formFactorBytes.length !== 1) throw new YubiKeyFactsError(`its form factor is ${formFactorBytes.length} bytes, not 1`);
  const formFactor = formFactorBytes?.[0];

  const slot = commonNames(certificate)
    .map((name) => /^YubiKey PIV Attestation ([0-9a-f]{2})$/i.exec(name)?.[1]?.toLowerCase())
    .find((found) => found !== undefined);
  return { serial, firmware, pinPolicy, touchPolicy, ...(formFactor !== undefined ? { formFactor } : {}), model: modelOf(firmware, formFactor), ...(slot ? { slot } : {}) };
}

const pinWords: Record<PinPolicy, string> = {
  never: 'no PIN',
  once: 'PIN once',
  always: 'PIN always',
  'match-once': 'fingerprint or PIN once',
  'match-always': 'fingerprint or PIN always',
};

/** "key made on YubiKey 5 serial 1234567, touch always, PIN once": for the window, the CLI and reports. */
export function describeYubiKeyFacts(facts: YubiKeyFacts): string {
  return `key made on ${facts.model} serial ${facts.serial}, touch ${facts.touchPolicy}, ${pinWords[facts.pinPolicy]}`;
}
