import { useId } from 'react';
import type { TokenKey } from '../../../../shared/api/contract';
import { saveTextFile } from '../../lib/download';
import { CopyTextButton } from '../../components/CopyTextButton';
import { describeKey, keyName, privateKeyText, publicKeyFileName, shortenKeyId } from './format';

/** One key on a token: what it is, how to get its public half out, and its certificate if it has one. */
export function KeyItem({ tokenKey: key }: { tokenKey: TokenKey }) {
  const headingId = useId();
  return (
    <article className="key" aria-labelledby={headingId}>
      <h5 id={headingId}>{keyName(key)}</h5>
      <dl className="facts">
        <div>
          <dt>Algorithm</dt>
          <dd>{describeKey(key)}</dd>
        </div>
        <div>
          <dt>CKA_ID</dt>
          <dd>
            <code>{key.id || '—'}</code>
          </dd>
        </div>
        <div>
          <dt>Key ID</dt>
          <dd>
            <code className="digest" title={key.keyId}>{shortenKeyId(key.keyId)}</code>
          </dd>
        </div>
        <div>
          <dt>Private key</dt>
          <dd>{privateKeyText(key.hasPrivateKey)}</dd>
        </div>
      </dl>
      <div className="actions">
        <CopyTextButton text={key.publicKeyPem} label="Copy public key" refusedAdvice='Open "Public key" below and copy it from there.' />
        <button type="button" onClick={() => saveTextFile(publicKeyFileName(key), key.publicKeyPem)}>
          Save public key
        </button>
      </div>
      <details className="pem">
        <summary>Public key</summary>
        <pre tabIndex={0}>{key.publicKeyPem}</pre>
      </details>
      {key.certificatePem && (
        <details className="pem">
          <summary>Certificate</summary>
          <pre tabIndex={0}>{key.certificatePem}</pre>
        </details>
      )}
    </article>
  );
}
