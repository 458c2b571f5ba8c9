/** The object identifiers an RFC 3161 time stamp uses, and the hashes and signatures Conclave accepts in one. */
import type { Digester } from '../keys/public-key-info';

export type TimestampHash = Parameters<Digester['digest']>[0];

export const hashOids: Record<TimestampHash, string> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

export function hashOfOid(oid: string): TimestampHash | undefined {
  return (Object.keys(hashOids) as TimestampHash[]).find((name) => hashOids[name] === oid);
}

export const timestampOids = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** The key a signature algorithm needs, and the hash it names (undefined: the SignerInfo's digest algorithm decides). */
interface SignatureAlgorithm {
  key: 'ecdsa' | 'rsa' | 'ed25519';
  hash?: TimestampHash;
}

const signatureAlgorithms: Record<string, SignatureAlgorithm> = {
  '1.2.840.10045.4.3.2': { key: 'ecdsa', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { key: 'ecdsa', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { key: 'ecdsa', hash: 'SHA-512' },
  // OpenSSL and many TSAs write plain rsaEncryption in a SignerInfo (RFC 3370 §3.2): the digest algorithm gives the hash.
  '1.2.840.113549.1.1.1': { key: 'rsa' },
  '1.2.840.113549.1.1.11': { key: 'rsa', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { key: 'rsa', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { key: 'rsa', hash: 'SHA-512' },
  '1.2.840.113549.1.1.10': { key: 'rsa' },
  '1.3.101.112': { key: 'ed25519' },
};

export function signatureAlgorithmOfOid(oid: string): SignatureAlgorithm | undefined {
  return Object.hasOwn(signatureAlgorithms, oid) ? signatureAlgorithms[oid] : undefined;
}
