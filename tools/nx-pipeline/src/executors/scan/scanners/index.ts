import { bandit } from './bandit';
import { eslintSecurity } from './eslint-security';
import { gitleaks } from './gitleaks';
import { npmLicences } from './licences-npm';
import { pythonLicences } from './licences-python';
import { npmAudit } from './npm-audit';
import { osvScanner } from './osv-scanner';
import { pipAudit } from './pip-audit';
import { npmSbom, pythonSbom } from './sbom';
import { semgrep } from './semgrep';
import { trivy } from './trivy';
import type { AnyScanner, ProjectKind } from './types';

/** Every adapter, in the order a scan runs them: code, secrets, licences, SBOM, advisories. */
export const SCANNERS: readonly AnyScanner[] = [
  bandit,
  semgrep,
  eslintSecurity,
  gitleaks,
  pythonLicences,
  npmLicences,
  pythonSbom,
  npmSbom,
  pipAudit,
  npmAudit,
  osvScanner,
  trivy,
];

export function scannersFor(kind: ProjectKind): AnyScanner[] {
  return SCANNERS.filter((scanner) => scanner.appliesTo.includes(kind));
}
