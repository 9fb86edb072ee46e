export interface PythonServiceGeneratorSchema {
  name: string;
  directory?: string;
  description?: string;
  skipLock?: boolean;
}
