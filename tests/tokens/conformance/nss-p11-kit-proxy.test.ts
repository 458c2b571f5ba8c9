/** The token conformance suite (suite.ts) against nss-p11-kit-proxy (families.ts). */
import { nssThroughP11Kit } from './families';
import { conformanceSuite } from './suite';

conformanceSuite(nssThroughP11Kit);
