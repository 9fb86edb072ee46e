import type { Severity } from '@customercare/nx-core';
import { gradeOf, meetsGrade } from './grade';

const counts = (partial: Partial<Record<Severity, number>>) => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  info: 0,
  ...partial,
});

describe('the security grade rule', () => {
  it.each([
    [{}, 'A'],
    [{ low: 500, info: 20 }, 'A'],
    [{ medium: 1 }, 'B'],
    [{ medium: 3 }, 'B'],
    [{ medium: 4 }, 'C'],
    [{ high: 1 }, 'D'],
    [{ high: 2, medium: 10 }, 'D'],
    [{ high: 3 }, 'E'],
    [{ critical: 1 }, 'F'],
    [{ critical: 1, high: 0, low: 0 }, 'F'],
  ] as const)('%j grades %s', (partial, grade) => {
    expect(gradeOf(counts(partial))).toBe(grade);
  });

  it('compares grades with A as best', () => {
    expect(meetsGrade('A', 'A')).toBe(true);
    expect(meetsGrade('B', 'A')).toBe(false);
    expect(meetsGrade('B', 'C')).toBe(true);
    expect(meetsGrade('F', 'E')).toBe(false);
  });
});
