import { planRestore, type BackupEntry, type DataRecord } from './data';

const backup = (
  schema: string,
  stable: string | null,
  takenAt: string,
  file: string | null = `b-${takenAt}`,
): BackupEntry => ({
  file,
  schema,
  takenAt,
  before: 'next',
  stable,
});

describe('planRestore: whether a rollback puts data back, and which backup', () => {
  const record: DataRecord = {
    backups: [
      backup('0001', 'v0', '2026-12-01T00:00:00Z'),
      backup('0001', 'v1', '2026-12-02T00:00:00Z'),
      backup('0002', 'v2', '2026-12-03T00:00:00Z'),
    ],
    schemas: { v1: '0001', v2: '0002' },
  };

  it('restores the newest backup taken while the target served, at its schema', () => {
    expect(planRestore(record, '0002', 'v1', true)).toEqual({
      action: 'restore',
      entry: record.backups[1],
      toSchema: '0001',
    });
  });

  it('leaves the data alone when the schema did not change', () => {
    expect(planRestore(record, '0002', 'v2', true)).toMatchObject({ action: 'none', status: 'unchanged' });
  });

  it('says what it did not do when the environment has restoreData off', () => {
    expect(planRestore(record, '0002', 'v1', false)).toMatchObject({
      action: 'none',
      status: 'not restored',
      detail: expect.stringContaining('rollback.restoreData is off for this environment'),
    });
  });

  it('fails when no backup at the target schema exists (a file-less backup does not count)', () => {
    const noFile: DataRecord = {
      backups: [backup('0001', 'v1', '2026-12-02T00:00:00Z', null)],
      schemas: { v1: '0001' },
    };
    expect(planRestore(noFile, '0002', 'v1', true)).toMatchObject({
      action: 'fail',
      detail:
        'v1 ran on schema 0001 (the database is at 0002) and no backup at 0001 is recorded, so the data cannot be restored',
    });
  });

  it('takes the schema from a backup taken while the target served when its promotion recorded none', () => {
    const older: DataRecord = { backups: [backup('0001', 'v1', '2026-12-02T00:00:00Z')], schemas: {} };
    expect(planRestore(older, '0002', 'v1', true)).toMatchObject({ action: 'restore', toSchema: '0001' });
    expect(planRestore(older, '0002', 'v9', true)).toMatchObject({ action: 'none', status: 'not restored' });
  });
});
