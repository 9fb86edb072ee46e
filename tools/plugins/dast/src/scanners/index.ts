import type { DastScannerName } from '../config';
import { schemathesis } from './schemathesis';
import { sqlmap } from './sqlmap';
import type { DastScanner } from './types';
import { wapiti } from './wapiti';
import { zap } from './zap';

/** Every dynamic scanner, in the order a run starts them. */
export const DAST_ADAPTERS: Record<DastScannerName, DastScanner> = { schemathesis, wapiti, sqlmap, zap };
