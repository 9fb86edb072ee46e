export interface WebAppGeneratorSchema {
  name: string;
  directory?: string;
  description?: string;
  skipInstall?: boolean;
}
