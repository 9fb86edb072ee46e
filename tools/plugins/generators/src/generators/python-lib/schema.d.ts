export interface PythonLibGeneratorSchema {
  name: string;
  directory?: string;
  description?: string;
  skipLock?: boolean;
}
