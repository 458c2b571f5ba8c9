/** The token conformance suite (suite.ts) against nss-softokn (families.ts). */
import { nssSoftokn } from './families';
import { conformanceSuite } from './suite';

conformanceSuite(nssSoftokn);
