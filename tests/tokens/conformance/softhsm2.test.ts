/** The token conformance suite (suite.ts) against softhsm2 (families.ts). */
import { softhsm2 } from './families';
import { conformanceSuite } from './suite';

conformanceSuite(softhsm2);
