/** The token conformance suite (suite.ts) against tpm2-pkcs11 (families.ts). */
import { tpm2OnSwtpm } from './families';
import { conformanceSuite } from './suite';

conformanceSuite(tpm2OnSwtpm);
