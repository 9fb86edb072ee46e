export interface BaseImageExecutorSchema {
  definitions?: string;
  suite?: string;
  variant?: string;
  mirror?: string;
  keyring?: string;
  engine?: 'podman' | 'docker';
  cacheDir?: string;
  only?: string[];
  force?: boolean;
}
