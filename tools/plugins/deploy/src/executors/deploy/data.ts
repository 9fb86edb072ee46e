import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What a rollback needs to put the data back: every pre-deploy backup with the schema the database
 * had when it was taken, and the schema each promoted release ran on. Kept per environment beside
 * the local provider's state (tmp/deploy/<project>/<env>/data.json), never under reports/, whose
 * folders CI uploads as artifacts: a backup holds every customer's messages.
 */
export interface BackupEntry {
  /** The backup file, relative to the workspace root (null when the command wrote none to BACKUP_DIR). */
  file: string | null;
  /** The database's schema revision when the backup was taken. */
  schema: string;
  takenAt: string;
  /** The release whose deploy took it. */
  before: string;
  /** The release that served (and had written the data) when it was taken. */
  stable: string | null;
}

export interface DataRecord {
  backups: BackupEntry[];
  /** Release -> the schema revision the database had once that release was promoted. */
  schemas: Record<string, string>;
}

/** What a rollback did about the data; the report shows it word for word. */
export interface DataRestore {
  status: 'restored' | 'unchanged' | 'not restored' | 'failed';
  detail: string;
  /** The restored backup, with when it was taken: writes after that moment are gone. */
  backup?: { file: string; takenAt: string; schema: string };
  fromSchema?: string;
  toSchema?: string;
}

export type RestorePlan =
  | { action: 'none'; status: 'unchanged' | 'not restored'; detail: string; toSchema?: string }
  | { action: 'restore'; entry: BackupEntry & { file: string }; toSchema: string }
  | { action: 'fail'; detail: string; toSchema: string };

const RECORD = 'data.json';
const KEEP_BACKUPS = 10;

export function readDataRecord(dir: string): DataRecord {
  const path = join(dir, RECORD);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DataRecord) : { backups: [], schemas: {} };
}

export function writeDataRecord(dir: string, record: DataRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Pure: whether returning to `target` needs a restore, and of which backup. The schema the target
 * ran on is the one recorded at its promotion, else the one of a backup taken while it served.
 * The backup restored is the newest taken at that schema, preferring one taken while the target
 * itself served (its data, not an older release's).
 */
export function planRestore(
  record: DataRecord,
  currentSchema: string,
  target: string,
  restoreData: boolean,
): RestorePlan {
  const newestFirst = [...record.backups].sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  const toSchema = record.schemas[target] ?? newestFirst.find((b) => b.stable === target)?.schema;
  if (!toSchema) {
    return {
      action: 'none',
      status: 'not restored',
      detail: `no schema is recorded for ${target}, so the data stays as it is (schema ${currentSchema})`,
    };
  }
  if (toSchema === currentSchema) {
    return { action: 'none', status: 'unchanged', detail: `schema unchanged (${currentSchema})`, toSchema };
  }
  if (!restoreData) {
    return {
      action: 'none',
      status: 'not restored',
      toSchema,
      detail:
        `the database is at schema ${currentSchema} and ${target} ran on ${toSchema}; nothing restored because ` +
        `rollback.restoreData is off for this environment (restore by hand from the newest backup at ${toSchema})`,
    };
  }
  const atSchema = newestFirst.filter((b): b is BackupEntry & { file: string } => b.schema === toSchema && !!b.file);
  const entry = atSchema.find((b) => b.stable === target) ?? atSchema[0];
  if (!entry) {
    return {
      action: 'fail',
      toSchema,
      detail: `${target} ran on schema ${toSchema} (the database is at ${currentSchema}) and no backup at ${toSchema} is recorded, so the data cannot be restored`,
    };
  }
  return { action: 'restore', entry, toSchema };
}

/** The one file a backup command wrote into its own fresh BACKUP_DIR. */
export function backupFileIn(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const written = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return written[0] ?? null;
}

export interface DataCommands {
  /** The database's schema revision now (the schema command's last line). */
  schema(): Promise<string>;
  /** Runs the backup command with BACKUP_DIR = dir; resolves with what it said. */
  backup(dir: string): Promise<string>;
  /** Restores one backup file (the restore command with "{backup}" replaced); resolves with what it said. */
  restore(file: string): Promise<string>;
}

/**
 * Records backups and promoted schemas, and restores data for rollbacks, in one environment's
 * data folder. The machine calls it; the commands are the service's own (backup.command,
 * backup.schema, backup.restore).
 */
export function dataKeeper(options: {
  workspaceRoot: string;
  dir: string;
  restoreData: boolean;
  commands: DataCommands;
  hasSchema: boolean;
  log: (line: string) => void;
}) {
  const { workspaceRoot, dir, commands } = options;
  const schemaNow = async () => {
    const said = (await commands.schema()).trim().split('\n').filter(Boolean).at(-1);
    if (!said) throw new Error('backup.schema printed nothing; it must print the schema revision on its last line');
    return said.trim();
  };
  return {
    /** Backup into a fresh folder under the environment's data folder, recorded with the schema it was taken at. */
    async backup(version: string, stable: string | null): Promise<string> {
      const schema = options.hasSchema ? await schemaNow() : 'unknown';
      const takenAt = new Date().toISOString();
      const folder = join(dir, 'backups', `${takenAt.replace(/[:.]/g, '-')}-${version.replace(/[^\w.-]/g, '_')}`);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const said = await commands.backup(folder);
      const file = backupFileIn(folder);
      if (!file && options.restoreData) {
        throw new Error(
          `the backup command wrote no file into BACKUP_DIR (${relative(workspaceRoot, folder)}), so a rollback could not restore it; ` +
            'make it write its backup there (the backend does: python -m customercare backup), or turn rollback.restoreData off',
        );
      }
      const record = readDataRecord(dir);
      record.backups = [
        { file: file && relative(workspaceRoot, file), schema, takenAt, before: version, stable },
        ...record.backups,
      ].slice(0, KEEP_BACKUPS);
      writeDataRecord(dir, record);
      return `${said.trim().split('\n').slice(-1)[0] ?? 'backup done'} (schema ${schema})`;
    },

    /** Records the schema the promoted release runs on. */
    async promoted(version: string): Promise<string | undefined> {
      if (!options.hasSchema) return undefined;
      const schema = await schemaNow();
      const record = readDataRecord(dir);
      record.schemas[version] = schema;
      writeDataRecord(dir, record);
      return schema;
    },

    /** Before traffic returns to `target`: restores the backup at its schema when the database moved on (and the environment allows it). */
    async restoreFor(target: string): Promise<DataRestore> {
      if (!options.hasSchema) {
        return { status: 'not restored', detail: 'no backup.schema command: the schema of releases is not recorded' };
      }
      const fromSchema = await schemaNow();
      const plan = planRestore(readDataRecord(dir), fromSchema, target, options.restoreData);
      if (plan.action === 'none')
        return { status: plan.status, detail: plan.detail, fromSchema, toSchema: plan.toSchema };
      if (plan.action === 'fail') return { status: 'failed', detail: plan.detail, fromSchema, toSchema: plan.toSchema };
      const { entry } = plan;
      options.log(`[data] restoring ${entry.file} (schema ${entry.schema}, taken ${entry.takenAt}) for ${target}`);
      await commands.restore(join(workspaceRoot, entry.file));
      const after = await schemaNow();
      const backup = { file: entry.file, takenAt: entry.takenAt, schema: entry.schema };
      if (after !== plan.toSchema) {
        return {
          status: 'failed',
          backup,
          fromSchema,
          toSchema: plan.toSchema,
          detail: `restored ${entry.file}, but the database is at schema ${after}, not ${plan.toSchema}`,
        };
      }
      return {
        status: 'restored',
        backup,
        fromSchema,
        toSchema: after,
        detail:
          `restored ${entry.file} (taken ${entry.takenAt}, before ${entry.before} was deployed): schema ${fromSchema} -> ${after}; ` +
          `writes made after ${entry.takenAt} are not in it`,
      };
    },
  };
}

export type DataKeeper = ReturnType<typeof dataKeeper>;
