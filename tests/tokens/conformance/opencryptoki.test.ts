/** The token conformance suite (suite.ts) against opencryptoki (families.ts). */
import { openCryptokiSoftToken } from './families';
import { conformanceSuite } from './suite';

conformanceSuite(openCryptokiSoftToken);
