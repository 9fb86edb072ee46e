import { bandit } from './bandit';
import { dependencyAge } from './dependency-age';
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
import { zizmor } from './zizmor';

/** Every adapter, in the order a scan runs them: code, secrets, licences, SBOM, advisories, workflows, dependency age (which reads the advisories). */
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
  zizmor,
  dependencyAge,
];

/** The scanners of a project of this kind; the workflow scanners too when its scan target names a workflows folder. */
export function scannersFor(kind: ProjectKind, subjects: { workflows?: boolean } = {}): AnyScanner[] {
  return SCANNERS.filter(
    (scanner) =>
      scanner.appliesTo.includes(kind) || (subjects.workflows === true && scanner.appliesTo.includes('workflows')),
  );
}
